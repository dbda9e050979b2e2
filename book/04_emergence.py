# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Multiplicative emergence
#
# The paper's headline (section 4, Figs. 5 and 6): a model trained on the minimal set
# {000, 100, 010, 001} first fits its training classes, then learns to generate the classes at
# concept distance 1, and only then, suddenly, `111`, which needs every capability at once.
# Everything below is computed from training runs this chapter makes (or reads back from the run
# store), judged by the evaluator that can reject (chapter 3).

# %% tags=["parameters"]
scale = "auto"  # "smoke" | "cpu" | "paper"; "auto" reads $CGLIB_SCALE, else "cpu"
seed = 0  # first seed
n_seeds = 1  # with more than one, curves show the mean and the min-max spread over seeds
train_classes = "auto"  # "auto" = the minimal set for n_variables, or a preset name, or a list of classes
n_variables = 3  # 3 (shape, color, size) or 4 (adds background)
guidance = 0.0  # classifier-free guidance weight at evaluation (paper: 0); > 0 trains with p_uncond = 0.1
fig16 = True  # also train the 4-variable run of Fig. 16
device = "auto"  # "auto" picks CUDA when present
run_root = ""  # run store; empty means $CGLIB_RUNS, else runs/

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cglib import plots
from cglib.book import glue, resolve_scale
from cglib.concepts import check_train_set, distances
from cglib.emergence import additive_measured, first_reach, probe_space, recorded_sweep
from cglib.config import preset
from cglib.train import train

scale = resolve_scale(scale)
if train_classes == "auto":
    train_classes = "minimal" if n_variables == 3 else "minimal4"
classes_ = check_train_set(train_classes, n_variables)
extra = {"p_uncond": 0.1, "guidance": guidance} if guidance > 0 else {}
cfgs = [preset(scale, seed=seed + i, train_classes=classes_, **extra) for i in range(n_seeds)]
print(f"scale={scale}, training classes={list(classes_)}, seeds={[c.train.seed for c in cfgs]}")

# %%
runs = [train(c, run_root or None, device=device) for c in cfgs]
tab = pd.concat([r.table().assign(seed=r.cfg.train.seed) for r in runs], ignore_index=True)
dist = distances(classes_)
far = max(dist, key=lambda c: (dist[c], c))
final = tab[tab.step == tab.step.max()].groupby("concept_class")[["acc", "acc_probe", "reject_rate"]].mean()
reach = first_reach(tab, 0.8)
wall = np.mean([r.summary().get("wall_s", np.nan) for r in runs]) / 60
glue("far", far); glue("far_final", final.loc[far, "acc"], ".2f"); glue("wall_min", wall, ".1f")
glue("steps", int(tab.step.max()))
for d, s in reach.items():
    glue(f"reach_d{d}", "never" if np.isnan(s) else f"step {int(s)}")
final.style.format("{:.2f}")

# %% [markdown]
# Final accuracy per class (measured with rejection, the probes' verdict beside it). Training took
# {glue:text}`steps` steps and {glue:text}`wall_min` minutes per seed. The furthest class,
# **{glue:text}`far`**, ends at {glue:text}`far_final`.
#
# ## Fig. 5(b): the order of emergence follows the concept graph

# %%
fig, ax = plt.subplots(figsize=(7, 3.8))
plots.plot_curves(tab, "acc", ax=ax, title="multiplicative accuracy with rejection, one line per class")
plt.show()
reach.to_frame()

# %% [markdown]
# Every training class first reached 0.8 at {glue:text}`reach_d0`; every distance-1 class at
# {glue:text}`reach_d1`; and the distance-2 class at {glue:text}`reach_d2`
# (all classes of a group must reach 0.8; "never" means not within this run).
#
# ## Fig. 5(a): trajectories through concept space
#
# Each class's samples, placed in the cube by the fraction read as value 1 on each concept
# variable, at every evaluation: they start near the training data and travel to their own corner.

# %%
ps = probe_space(tab[tab.seed == seed])
ax = plt.figure(figsize=(6, 5)).add_subplot(projection="3d")
for c, g in ps.groupby("concept_class"):
    g = g.sort_values("step")
    col = plots.DIST_COLORS[int(g.distance.iloc[0])]
    ax.plot(g["shape"], g["color"], g["size"], "-o", ms=2, color=col)
    ax.scatter(*[int(ch) for ch in c[:3]], s=120, color=col, edgecolor="k")
    ax.text(*[int(ch) + 0.05 for ch in c[:3]], c, fontsize=8)
ax.set(xlabel="shape (triangle)", ylabel="color (blue)", zlabel="size (small)")
ax.set_title("class trajectories in concept space")
plt.show()

# %% [markdown]
# ## Fig. 5(c): generated images over training

# %%
plots.samples_over_time(runs[0], n_steps=8, k=1, title="one sample per class at evaluations through training")
plt.show()
plots.show_grid(runs[0].samples()["grid"], row_labels=runs[0].samples()["classes"],
                title=f"final samples (step {runs[0].samples()['step']})")
plt.show()

# %% [markdown]
# ## Fig. 6: the multiplicative measure against the additive one

# %%
g = tab[tab.concept_class == far].assign(additive=lambda d: additive_measured(d)).groupby("step").mean(numeric_only=True)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
axes[0].plot(g.index, g["acc"], lw=2, label="multiplicative (all variables right)")
axes[0].plot(g.index, g["additive"], "--", label="additive (mean of variables)")
axes[0].set(title=f"class {far}", xlabel="step", ylim=(-0.03, 1.03)); axes[0].legend(frameon=False, fontsize=8)
for v in ("shape", "color", "size"):
    axes[1].plot(g.index, g[f"measured_{v}"], label=v)
axes[1].set(title=f"class {far}: per-variable accuracy", xlabel="step", ylim=(-0.03, 1.03))
axes[1].legend(frameon=False, fontsize=8)
plt.tight_layout()
bottleneck = min(("shape", "color", "size"), key=lambda v: g[f"measured_{v}"].iloc[len(g) // 2])
glue("bottleneck", bottleneck)

# %% [markdown]
# Halfway through training the capability that lags most for **{glue:text}`far`** is
# **{glue:text}`bottleneck`**: the product of the per-variable accuracies stays low until the last
# one is learned, while the additive measure climbs smoothly (chapter 2 fits the toy model to this).
#
# ## Figs. 13-15: mean generated images and the probes' predictions

# %%
last = tab[(tab.step == tab.step.max()) & (tab.seed == seed)].set_index("concept_class")
plots.mean_images(runs[0], probes_table=last)
plt.show()

# %% [markdown]
# ## Fig. 16: four concept variables
#
# Adding a background colour gives a 4-cube; trained on {0000, 1000, 0100, 0010, 0001}, classes
# should emerge in order of distance 1, 2 and 3.

# %%
if fig16:
    run4 = train(preset(scale, seed=seed, train_classes="minimal4"), run_root or None, device=device)
    tab4 = run4.table()
    fig, ax = plt.subplots(figsize=(7, 3.8))
    plots.plot_curves(tab4, "acc", ax=ax, title="4 variables: accuracy with rejection")
    plt.show()
    r4 = first_reach(tab4, 0.8)
    glue("fig16_reach", ", ".join(f"distance {d}: {'never' if np.isnan(s) else 'step ' + str(int(s))}"
                                  for d, s in r4.items()))
    display(r4.to_frame())
else:
    glue("fig16_reach", "not run (fig16=False)")

# %% [markdown]
# First step at which every class of a distance group reached 0.8: {glue:text}`fig16_reach`.
#
# ## How the condition enters matters: a recorded comparison
#
# Which recipe shows emergence fastest? `benchmarks/sweep_recipes.py` trained variants of the
# `cpu` recipe side by side on one H100 (16 runs sharing the GPU, stopped at a deadline; the record
# is in `benchmarks/results/`). The paper's way of conditioning (`cond_up`: the condition enters
# the up-sampling stages only) and its epsilon target (`eps`) composed `111` least; a one-hot
# condition through an MLP that modulates every block (`embed_mlp`) composed it best, which is why
# the `cpu` preset uses it. Guidance (`cfg1.5`) destroyed `101` and `111`.

# %%
sw = recorded_sweep()
print(sw.attrs["what"])
piv = sw[sw.concept_class == "111"].pivot_table(index="step", columns="variant", values="acc")
best = sw.groupby(["variant", "concept_class"]).acc.max().unstack()[["011", "101", "110", "111"]]
fig, ax = plt.subplots(figsize=(8, 3.8))
for v in piv.columns:
    ax.plot(piv.index, piv[v], lw=2.5 if v in ("embed_mlp", "cond_up", "base") else 0.9, label=v)
ax.set(xlabel="step (batch 128)", ylabel="accuracy of 111", title="111 by recipe variant (recorded H100 sweep)")
ax.legend(ncol=2, fontsize=7, frameon=False, bbox_to_anchor=(1, 1), loc="upper left")
plt.show()
best.sort_values("111", ascending=False).style.format("{:.2f}").set_caption("best accuracy reached per distance-1/2 class")

# %% [markdown]
# ## The 15-minute bar: what was tried on this CPU
#
# This book set its `cpu` preset a bar: on 2 CPU cores, in about 15 minutes, `111` should end at
# accuracy 0.9 or more by the evaluator that can reject. The preset above is the best recipe found
# so far, and it does not reach it. `benchmarks/cpu_trials.py` trained variants of it on the
# project's 2-core machine (most two at a time, so their minutes are about twice a run alone; the
# record says which); some were stopped early once their curves had answered the question. The
# record is in `benchmarks/results/`. Of {glue:text}`n_trials` trials, {glue:text}`n_trials_ok`
# reached 0.9 for `111` at any evaluation; the best `111` seen was {glue:text}`trials_best`.
#
# What they say: a schedule whose last step holds no signal (`T1000`: T = 1000, so
# sqrt(alpha_bar_T) = {glue:text}`snr_1000` instead of {glue:text}`snr_400` at T = 400) made
# `111` far less dependent on the seed (final {glue:text}`t1000_111` over seeds 0-2, against
# {glue:text}`base_111` for the preset itself over the same seeds in the recorded seed sweep),
# but seed 0 then lost `101` ({glue:text}`t1000_101`; its sample grid is empty canvases), so the
# order of Fig. 5 breaks for the book's default seed; T = 600 in between ends at `111`
# {glue:text}`t600_111` on seeds 0 and 1. Dropping
# single concept variables in training stopped blue from transferring at all; decoupled weight
# decay, four times as many distinct images and a 4x cheaper network with 2.6x the steps all left
# the hard seed where it was.

# %%
from cglib.diffusion import Diffusion
from cglib.emergence import SEEDS_RECORD, TRIALS_RECORD, trial_summary

trials = recorded_sweep(TRIALS_RECORD)
print(trials.attrs["what"])
summ = trial_summary(trials)
glue("n_trials", len(summ)); glue("n_trials_ok", int((summ["best 111"] >= 0.9).sum()))
glue("trials_best", f"{summ['best 111'].max():.2f} ({summ['best 111'].idxmax()})")
seeds = trial_summary(recorded_sweep(SEEDS_RECORD))
glue("base_111", ", ".join(f"{seeds.loc[f'cpu_s{i}', '111']:.2f}" for i in range(3)))
r101 = trials[(trials.variant == "T1000_s0") & (trials.concept_class == "101")].iloc[-1]
glue("t1000_101", f"accuracy {r101.acc:.2f}, {r101.reject_rate:.0%} of its samples rejected")
glue("t600_111", " and ".join(f"{summ.loc[f'T600_s{i}', '111']:.2f}" for i in range(2)))
glue("t1000_111", ", ".join(f"{summ.loc[f'T1000_s{i}', '111']:.2f}" for i in range(3)))
for T in (400, 1000):
    glue(f"snr_{T}", f"{Diffusion(preset('cpu', T=T).diffusion).sqrt_ab[-1].item():.3f}")
fig, ax = plt.subplots(figsize=(8, 3.6))
for i, (v, g) in enumerate(trials[trials.concept_class == "111"].groupby("variant", sort=False)):
    ax.plot(g.step, g.acc, marker=".", color=plt.cm.tab20(i % 20), lw=2.5 if v == "base_s0" else 1.2, label=v)
ax.axhline(0.9, color="k", ls=":", lw=1)
ax.set_ylim(-0.02, 1.02)
ax.set(xlabel="step", ylabel="accuracy of 111", title="111 in each CPU trial (dotted: the bar)")
ax.legend(ncol=1, fontsize=7, frameon=False, bbox_to_anchor=(1, 1), loc="upper left")
plt.show()
summ.style.format("{:.2f}", subset=["101", "110", "011", "111", "best 111", "minutes"]).set_caption(
    "final accuracy with rejection per trial (steps = last evaluation reached)")
