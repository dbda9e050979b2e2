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
# store), judged by the evaluator that can reject (chapter 3), on **several seeds**: every curve
# is the mean over seeds with a band from the lowest to the highest seed, because one seed can
# tell a story that the next one does not. What the book found beyond the paper (the other corners of
# the concept cube, capabilities that come and go, the paper's own network at this budget) is
# [chapter 8](08_beyond_the_paper.ipynb); how this chapter's recipe was chosen is in the appendix,
# [How the recipes were chosen](research_log.ipynb).

# %% tags=["parameters"]
scale = "auto"  # "smoke" | "cpu" | "paper"; "auto" reads $CGLIB_SCALE, else "cpu"
seed = 0  # first seed
n_seeds = 3  # seeds seed, seed+1, ...; curves show the mean and the min-max band over seeds
train_classes = "auto"  # auto: the minimal set for n_variables; or a preset name, or a list of classes
n_variables = 3  # 3 (shape, color, size) or 4 (adds background)
guidance = 0.0  # classifier-free guidance weight at evaluation (paper: 0); above 0 also trains with p_uncond 0.1
fig16 = True  # also train the 4-variable run of Fig. 16
workers = "auto"  # runs trained at once on this machine ("auto": one per core, so two seeds at a time on 2 cores)
executor = "local"  # "local" (this machine) or "ray" (a Ray cluster at $RAY_ADDRESS, or a local Ray)
device = "auto"  # "auto" picks CUDA when present
run_root = ""  # run store; empty means $CGLIB_RUNS, else runs/

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display

from cglib import plots
from cglib.book import glue, resolve_scale
from cglib.concepts import check_train_set, distances
from cglib.config import preset
from cglib.emergence import (REACHED, additive_measured, emergence_order, first_reach, hidden_capability,
                             measure_crossings, per_seed_final, probe_space)
from cglib.sweep import sweep

scale = resolve_scale(scale)
if isinstance(n_seeds, bool) or not isinstance(n_seeds, int) or n_seeds < 1:
    raise ValueError(f"n_seeds={n_seeds!r} is not allowed; give a positive integer (3: seeds {seed}, {seed + 1}, {seed + 2})")
if train_classes == "auto":
    train_classes = "minimal" if n_variables == 3 else "minimal4"
classes_ = check_train_set(train_classes, n_variables)
extra = {"p_uncond": 0.1, "guidance": guidance} if guidance > 0 else {}
cfgs = [preset(scale, seed=seed + i, train_classes=classes_, **extra) for i in range(n_seeds)]
RESULTS = Path("..") / "benchmarks" / "results"  # GPU records of the paper preset (the chapter runs from book/)
print(f"scale={scale}, training classes={list(classes_)}, seeds={[c.train.seed for c in cfgs]}")

# %%
cfg16 = preset(scale, seed=seed, train_classes="minimal4")  # Fig. 16's run, trained beside the seeds (below)
runs = sweep(cfgs + ([cfg16] if fig16 else []), run_root or None, device=device, workers=workers, executor=executor)
runs, run4 = runs[:n_seeds], (runs[n_seeds] if fig16 else None)
tab = pd.concat([r.table().assign(seed=r.cfg.train.seed) for r in runs], ignore_index=True)
dist = distances(classes_)
far = max(dist, key=lambda c: (dist[c], c))
finals = per_seed_final(tab)  # one row per class, one column per seed: accuracy at each run's last evaluation
reach = first_reach(tab, REACHED)
wall = np.mean([r.summary().get("wall_s", np.nan) for r in runs]) / 60
n_final = runs[0].cfg.train.n_eval_final or runs[0].cfg.train.n_eval
glue("far", far); glue("steps", int(tab.step.max())); glue("wall_min", wall, ".1f"); glue("n_final", n_final)
glue("reached", REACHED); glue("n_seeds", n_seeds)
glue("far_finals", ", ".join(f"{finals.loc[far, s]:.2f} (seed {s})" for s in finals.columns))
glue("far_min", finals.loc[far].min(), ".2f")
for d, s in reach.items():
    glue(f"reach_d{d}", "never" if np.isnan(s) else f"step {int(s)}")
finals.assign(mean=finals.mean(1), spread=finals.max(1) - finals.min(1)).style.format("{:.2f}").set_caption(
    f"final accuracy with rejection per class and seed ({n_final} samples per class)")

# %% [markdown]
# Final accuracy per class and seed, measured with rejection on {glue:text}`n_final` fresh samples
# per class. Training took {glue:text}`steps` steps and {glue:text}`wall_min` minutes per seed on
# the machine that built this page. The furthest class, **{glue:text}`far`**, ends at
# {glue:text}`far_finals`: the weakest seed at {glue:text}`far_min`.

# %% [markdown]
# ## Fig. 5(b): the order of emergence follows the concept graph

# %%
fig, ax = plt.subplots(figsize=(7, 3.8))
plots.plot_curves(tab, "acc", ax=ax, title=f"accuracy with rejection: mean over {n_seeds} seeds, band = min-max")
plt.show()
n_eval = runs[0].cfg.train.n_eval  # samples per class at every evaluation but the last
order = emergence_order(tab, REACHED, n_samples=n_eval)
glue("order_ok", "; ".join(f"seed {s}: {v}" for s, v in order["verdict"].items()))
glue("eval_every", runs[0].cfg.train.eval_every); glue("n_eval", n_eval)
glue("order_margin", 2 * np.sqrt(REACHED * (1 - REACHED) / n_eval), ".2f")
order

# %% [markdown]
# Averaged over seeds, every training class first reached {glue:text}`reached` at
# {glue:text}`reach_d0`; every distance-1 class at {glue:text}`reach_d1`; the distance-2 class at
# {glue:text}`reach_d2` (all classes of a group must reach it; "never" means not within this run).
# Does each seed show Fig. 5's order (training classes, then distance 1, then `111`)? Judged as
# chapter 5 judges onsets: each group must first reach {glue:text}`reached` at a *later* evaluation
# than the group before it, and at that group's onset still be more than two standard errors
# ({glue:text}`order_margin` on {glue:text}`n_eval` samples) below the bar. Groups that cross in the
# same interval of {glue:text}`eval_every` steps, or apart but within noise, are "not resolved": at
# this evaluation interval the order between them is not shown, which is not the same as shown.
# Per seed: {glue:text}`order_ok`.

# %% [markdown]
# ## Emerged, and kept
#
# The paper's claim is about emergence: when a capability first reaches the bar, and in which
# order. Under this recipe's constant learning rate a capability can reach the bar and fall again
# (chapter 8), so the two are judged apart, per seed. **Emerged**: the first evaluation at which
# **{glue:text}`far`** reached {glue:text}`reached`. **Kept**: the lowest of the last
# {glue:text}`ek_last_k` evaluations is still at the bar (one last evaluation can pass by luck).

# %%
from cglib.retention import LAST_K, count_line, emerged_and_kept, verdict_line

ek = emerged_and_kept(tab, far)
glue("ek_last_k", LAST_K)
glue("ek_far", verdict_line(ek))
glue("ek_count", count_line(ek))
ek[["first_reach", "peak", "peak_step", "end"]].style.format("{:.2f}", subset=["peak", "end"]).format(
    "{:.0f}", subset=["first_reach"], na_rep="never").set_caption(f"{far}: first reach, peak and the last {LAST_K}")

# %% [markdown]
# Per seed: {glue:text}`ek_far`. In all: {glue:text}`ek_count`. Fig. 5's order above is a verdict on
# emergence; the last column is the one a user of the trained model meets.

# %% [markdown]
# ## Fig. 5(a): trajectories through concept space
#
# Each class's samples, placed in the cube by the fraction *of the samples the evaluator could read*
# that show value 1 on each concept variable, at every evaluation of the first seed. A rejected
# sample (an empty canvas, a speck, two objects) has no values, so it is left out of the position;
# how many samples were read at all is the dot's size. An evaluation whose samples were all rejected
# has no dot.

# %%
ps = probe_space(tab[tab.seed == seed])
ax = plt.figure(figsize=(6, 5)).add_subplot(projection="3d")
for c, g in ps.groupby("concept_class"):
    col = plots.DIST_COLORS[int(g.distance.iloc[0])]
    g = g.sort_values("step").dropna(subset=["shape"])  # evaluations with no sample read have no position
    ax.plot(g["shape"], g["color"], g["size"], "-", lw=1, color=col)
    ax.scatter(g["shape"], g["color"], g["size"], s=4 + 30 * g["read"], color=col)
    ax.scatter(*[int(ch) for ch in c[:3]], s=120, color=col, edgecolor="k")
    ax.text(*[int(ch) + 0.05 for ch in c[:3]], c, fontsize=8)
ax.set(xlabel="shape (triangle)", ylabel="color (blue)", zlabel="size (small)")
ax.set_title(f"class trajectories in concept space (seed {seed}; dot size = fraction read)")
plt.show()
first = ps[ps.step == ps.step.min()].set_index("concept_class")
glue("first_read", first["read"].mean(), ".0%")
glue("first_step", int(ps.step.min()))

# %% [markdown]
# At the first evaluation (step {glue:text}`first_step`) the evaluator could read
# {glue:text}`first_read` of the samples on average; the dots show where those sat.

# %% [markdown]
# ## Fig. 5(c): generated images over training, and the last `111` of every seed

# %%
plots.samples_over_time(runs[0], n_steps=8, k=1, title=f"one sample per class at evaluations (seed {seed})")
plt.show()
grid = np.stack([r.samples()["grid"][r.samples()["classes"].index(far)] for r in runs])
plots.show_grid(grid, row_labels=[f"seed {r.cfg.train.seed}" for r in runs],
                title=f"final samples of {far} ({plots.describe(far)}), one row per seed")
plt.show()

# %% [markdown]
# ## Fig. 6: the multiplicative measure against the additive one, and the bottleneck

# %%
g = tab[tab.concept_class == far].assign(additive=lambda d: additive_measured(d))
fig, axes = plt.subplots(2, 1, figsize=(6.4, 6.4), sharex=True)
for col, ls, label in (("acc", "-", "multiplicative (all variables right)"), ("additive", "--", "additive (mean)")):
    agg = g.groupby("step")[col]
    axes[0].plot(agg.mean().index, agg.mean(), ls, lw=2, label=label)
    axes[0].fill_between(agg.mean().index, agg.min(), agg.max(), alpha=0.15)
axes[0].set(title=f"class {far}: two measures (mean, band over seeds)", xlabel="step",
            ylabel=f"accuracy of {far}", ylim=(-0.03, 1.03))
axes[0].legend(frameon=False, fontsize=9)
for v, style in (("shape", "-o"), ("color", "--s"), ("size", ":^")):  # markers: overlapping curves stay visible
    agg = g.groupby("step")[f"measured_{v}"]
    axes[1].plot(agg.mean().index, agg.mean(), style, ms=4, lw=1.8, label=v)
    axes[1].fill_between(agg.mean().index, agg.min(), agg.max(), alpha=0.12)
axes[1].set(title=f"class {far}: per-variable accuracy (mean, band over seeds)", xlabel="step",
            ylabel="fraction of samples right", ylim=(-0.03, 1.03))
axes[1].legend(frameon=False, fontsize=9)
plt.tight_layout()
plt.show()
cross = measure_crossings(tab, far, REACHED)
fmt_step = lambda v: "never" if v != v else f"step {int(v)}"
glue("fig6_cross", "; ".join(f"seed {s}: additive {fmt_step(r.additive)}, multiplicative {fmt_step(r.multiplicative)}"
                             for s, r in cross.iterrows()))
lags = cross.lag.dropna()
glue("fig6_verdict", "on no seed: both measures reached the bar together or neither did" if not (lags > 0).any()
     else f"on {int((lags > 0).sum())} of {len(cross)} seeds, by {', '.join(str(int(v)) for v in lags[lags > 0])} steps")
last = g[g.step == g.groupby("seed").step.transform("max")].set_index("seed")
weakest = {s: min(("shape", "color", "size"), key=lambda v: last.loc[s, f"measured_{v}"]) for s in last.index}
glue("bottleneck", "; ".join(f"seed {s}: {v} ({last.loc[s, f'measured_{v}']:.2f})"
                             + (f", none below {REACHED}" if last.loc[s, f"measured_{v}"] >= REACHED else "")
                             for s, v in weakest.items()))
last[["acc", "reject_rate", "measured_shape", "measured_color", "measured_size"]].style.format("{:.2f}").set_caption(
    f"{far} at each seed's last evaluation: accuracy, rejections, and the fraction right per variable")

# %% [markdown]
# At the end, the variable that is right least often in `111`'s samples is, per seed:
# {glue:text}`bottleneck`.
#
# The paper's Fig. 6(a) contrast is that the multiplicative measure rises suddenly while the additive
# one suggests smooth progress. As numbers: the first step at which each measure reaches
# {glue:text}`reached` is, per seed, {glue:text}`fig6_cross`. Did the additive measure get there
# first, i.e. would it have announced the capability before the samples showed it? Computed:
# {glue:text}`fig6_verdict`. A lag of zero on every seed would have refuted the contrast at this
# evaluation interval; the curves above show both measures from the first evaluation. (The paper's
# bottleneck is colour: in its Fig. 5(c) discussion, section 4, shapes and sizes are learned "by the
# 4th epoch" and blue around the 20th and 40th. Which capability is slow depends on how strong each
# concept's signal is in the images; chapter 2 tests the toy model on these curves.)

# %% [markdown]
# ## Hidden capabilities: overprompting `111` (beyond the paper)
#
# Park et al. (NeurIPS 2024, *Emergence of Hidden Capabilities*) found that a model can hold a
# capability before plain prompting shows it: pushing the condition past its training values
# (bluer than blue, smaller than small) elicits the held-out class much earlier. At every
# evaluation each run also asked for `111` at five prompt strengths (a value coordinate of 1.25 to
# 3 instead of 1; chapter 3 explains the coordinates). The dashed line is the best of the five at
# each evaluation: **a selection**, so it is an upper estimate, shown apart from the plain score
# and never mixed into it.

# %%
hc = hidden_capability(tab, far, REACHED)
if hc is None:
    glue("hidden", "this scale's runs were not overprompted (TrainConfig.overprompt is empty)")
    print("no overprompted evaluations in these runs")
else:
    fig, ax = plt.subplots(figsize=(7, 3.4))
    for s, gs in tab[tab.concept_class == far].groupby("seed"):
        line, = ax.plot(gs.step, gs.acc, lw=1.5, label=f"seed {s}: plain")
        ax.plot(gs.step, gs.acc_over, "--", lw=1.5, color=line.get_color(), label=f"seed {s}: best of 5 overprompts")
    ax.axhline(REACHED, color="0.5", ls=":", lw=1)
    ax.set(xlabel="step", ylabel=f"accuracy of {far}", ylim=(-0.03, 1.03), title="plain prompting vs overprompting")
    ax.legend(fontsize=8.5, frameon=False, bbox_to_anchor=(1, 1), loc="upper left")
    plt.show()
    glue("hidden", "; ".join(f"seed {s}: plain {r.plain}, overprompted {r.over} ({r.reading})"
                             for s, r in hc.iterrows()))
    display(hc)

# %% [markdown]
# First step at which `111` reached {glue:text}`reached`, per seed: {glue:text}`hidden`. Where the
# overprompted step comes earlier, or where plain prompting never gets there and overprompting
# does, the capability was there before plain prompting showed it. Where both say "never", this
# budget did not build it at all. Where only plain prompting gets there, pushing the prompt hurt:
# the test could have found a hidden capability and did not. With conditions read from each
# image's drawn colour and size (this preset's), a coordinate past 1 asks for a colour and a size
# outside every training image's range, which the model was never shown.

# %% [markdown]
# ## Figs. 13-15: mean generated images and the probes' predictions
#
# The paper shows, per concept variable, the mean image of 50 samples per class with the verdict of
# a *linear* probe. Here one panel per class carries all three variables, and the probes are the
# small CNNs of chapter 1 (a linear probe reads shape poorly when objects move; chapter 1 compares
# them). Each panel's title gives the fraction of that class's samples each probe reads right; the
# mean images are contrast-stretched per panel, since a small object at a random place averages to a
# faint blur.

# %%
last_rows = tab[(tab.step == tab.step.max()) & (tab.seed == seed)].set_index("concept_class")
plots.mean_images(runs[0], probes_table=last_rows)
plt.show()

# %% [markdown]
# ## Fig. 16: four concept variables
#
# Adding a background colour gives a 4-cube; trained on {0000, 1000, 0100, 0010, 0001}, the paper
# (section 4, Fig. 16) reports that accuracy rises for distance 1, continues for distance 2 and peaks
# for distance 3. Does this run show it? (One seed: this figure is the costliest run of the chapter.)

# %%
if fig16:
    tab4 = run4.table()
    fig, ax = plt.subplots(figsize=(7, 3.8))
    plots.plot_curves(tab4, "acc", ax=ax, title="4 variables: accuracy with rejection")
    plt.show()
    r4 = first_reach(tab4, REACHED)
    glue("fig16_reach", ", ".join(f"distance {d}: {'never' if np.isnan(s) else 'step ' + str(int(s))}"
                                  for d, s in r4.items()))
    end4 = tab4[tab4.step == tab4.step.max()].set_index("concept_class")
    best4 = tab4.groupby("concept_class").acc.max()
    glue("fig16_classes", "; ".join(
        f"distance {d}: {int((gd.acc >= REACHED).sum())} of {len(gd)} classes end at {REACHED} or more"
        + (f" (below: {', '.join(f'{c} {a:.2f}' for c, a in gd.acc[gd.acc < REACHED].items())}; best at any "
           f"evaluation {', '.join(f'{c} {best4[c]:.2f}' for c in gd.index[gd.acc < REACHED])})"
           if (gd.acc < REACHED).any() else "")
        for d, gd in end4[end4.distance >= 1].groupby("distance")))
    display(r4.to_frame())
else:
    glue("fig16_reach", "not run (fig16=False)")
    glue("fig16_classes", "not run (fig16=False)")

# %% [markdown]
# First step at which every class of a distance group reached {glue:text}`reached`:
# {glue:text}`fig16_reach`. Class by class, at the run's last evaluation:
# {glue:text}`fig16_classes`. This is one seed, so it says what this run drew, not how often the
# 4-cube composes; the paper's claim (section 4: accuracy rises for distance 1, then 2, then 3) holds
# here only as far as whole distance groups reach the bar in that order above.

# %% [markdown]
# ## At the paper's scale, and beyond the paper
#
# The `paper` scale is the paper-era code's network, sampler and budget, for a GPU
# (`python benchmarks/gpu_chapter4.py` trains this chapter's three seeds of it in one call and records
# them). Its record: {glue:text}`paper_gpu`.
#
# What this chapter's recipe does from the other corners of the concept cube, why a capability
# that emerged is not always kept, and what the paper's own network does at this budget, is
# [chapter 8](08_beyond_the_paper.ipynb).

# %%
from cglib.records import paper_gpu_reading

gpu = paper_gpu_reading(RESULTS, preset("paper").train.train_classes)  # the paper preset, any precision
if gpu:
    line, gframe, gfar = gpu
    glue("paper_gpu", line)
    plots.record_curves(gframe, gfar, title=f"the paper preset on a GPU: {gfar} per seed (record)")
    plt.show()
else:
    glue("paper_gpu", "none yet (no GPU has been lent since the `paper` preset became the paper's code)")
