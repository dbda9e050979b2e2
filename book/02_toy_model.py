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
# # A toy model of multiplicative emergence
#
# Section 4 of the paper explains the sudden appearance of compositional abilities with a toy
# model (Fig. 7). Suppose a model needs $n$ *atomic abilities*. Each is learned at a given step
# with probability $p$, like a coin that turns from 0 to 1 and stays there. An ability is then
# learned by step $t$ with probability $1-(1-p)^t$, and a composition of $n$ independent abilities
# with probability
#
# $$P(n, t) = \left(1-(1-p)^t\right)^n .$$
#
# The last section tests this model against chapter 4's diffusion runs, which it reads from the run
# store (and trains, if they are missing: the longest work of the book).
#
# The critical time at which $P$ reaches a threshold $P^*$ is
# $t^* = \left\lceil \log\!\left(1-{P^*}^{1/n}\right) / \log(1-p) \right\rceil$.
# `cglib.toy` implements both, a Monte-Carlo of Bernoulli learners that checks them, unequal
# rates, and a fit of the toy model to a real diffusion run.

# %% tags=["parameters"]
scale = "auto"  # "smoke" | "cpu" | "paper" for the diffusion run fitted at the end; "auto" reads $CGLIB_SCALE
p = 0.05  # probability per step of learning one atomic ability
p_star = 0.9  # threshold at which a capability counts as learned
n_max = 5  # largest composition shown in Fig. 7(a)
n_models = 5000  # simulated learners
seed = 0  # seed of the simulation and first seed of chapter 4's runs
n_seeds = 3  # chapter 4's seeds whose runs test the toy model (read from the run store, trained if missing)
run_root = ""  # run store; empty means $CGLIB_RUNS, else runs/

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cglib import toy
from cglib.book import glue, resolve_scale
from cglib.config import preset

scale = resolve_scale(scale)
t = np.arange(0, int(toy.critical_time(n_max, p, 0.995)) + 1)

# %% [markdown]
# ## Fig. 7(a): the probability of a composition, closed form and simulation
#
# Lines are the closed form; dots are the fraction of {glue:text}`n_models` simulated learners
# that have learned all $n$ abilities.

# %%
glue("n_models", n_models)
sim = toy.simulate(n_max, p, int(t[-1]), n_models=n_models, seed=seed)
fig, ax = plt.subplots(figsize=(6, 3.6))
colors = plt.cm.viridis(np.linspace(0, 0.9, n_max))
for n in range(1, n_max + 1):
    ax.plot(t, toy.p_learned(n, t, p), color=colors[n - 1], label=f"n = {n}")
    ax.plot(t[::4], toy.simulated_curve(sim, n, t[::4]), "o", ms=3, color=colors[n - 1])
ax.axhline(p_star, color="0.5", ls=":")
ax.set(xlabel="step t", ylabel="P(n, t)", title=f"p = {p}: lines closed form, dots simulation")
ax.legend(frameon=False, fontsize=8)
plt.show()
err = max(np.abs(toy.simulated_curve(sim, n, t) - toy.p_learned(n, t, p)).max() for n in range(1, n_max + 1))
glue("sim_err", err, ".3f")

# %% [markdown]
# The simulation and the closed form agree to within {glue:text}`sim_err` (largest gap over all
# steps and $n$), which is sampling error. The larger $n$, the later and *sharper* the rise:
# the composition stays near zero while its parts are each already likely.
#
# ## Fig. 7(b): the critical time grows logarithmically with the concept distance

# %%
ns = np.arange(1, 33)
fig, ax = plt.subplots(figsize=(6, 3.4))
for pp in (0.01, 0.05, 0.2):
    for ps, ls in ((0.5, "--"), (p_star, "-")):
        ax.plot(ns, toy.critical_time(ns, pp, ps), ls, label=f"p = {pp}, P* = {ps}")
ax.set(xscale="log", xlabel="number of composed abilities n (log scale)", ylabel="critical time t*")
ax.legend(frameon=False, fontsize=8.5, ncol=2)
plt.show()
t1, t2, t4 = toy.critical_time([1, 2, 4], p, p_star)
glue("t1", t1); glue("t2", t2); glue("t4", t4)

# %% [markdown]
# With $p$ = 0.05 and $P^*$ = 0.9 (the chapter's parameters), one ability is learned by step
# {glue:text}`t1`, a pair by {glue:text}`t2` and four by {glue:text}`t4`: each doubling of $n$
# adds a roughly constant number of steps (straight lines on a log axis).
#
# ## Additive progress looks smooth; the composition appears suddenly
#
# Fig. 6 of the paper contrasts the multiplicative measure with an additive one (the mean of the
# per-variable accuracies). With unequal rates the slowest ability dominates the composition.

# %%
rates = [0.2, 0.08, 0.02]
tt = np.arange(0, 250)
fig, ax = plt.subplots(figsize=(6, 3.4))
ax.plot(tt, toy.additive_rates(tt, rates), "--", label="additive (mean of abilities)")
ax.plot(tt, toy.p_learned_rates(tt, rates), lw=2, label="multiplicative (all abilities)")
ax.plot(tt, 1 - (1 - min(rates)) ** tt, ":", label=f"slowest ability alone (p = {min(rates)})")
ax.set(xlabel="step t", ylabel="probability", title=f"rates {rates}")
ax.legend(frameon=False, fontsize=8)
plt.show()

# %% [markdown]
# ## Try it
#
# Move the sliders to redraw Fig. 7(a) for another rate $p$, threshold $P^*$ and number of
# capabilities $n$. In Jupyter they redraw live; in this page (and in a notebook rerun with
# papermill) every combination on the sliders' grid was drawn when the chapter ran, so they work
# without a kernel.

# %%
from cglib.sliders import slider


def redraw(p, p_star, n_max):
    tt = np.arange(0, int(toy.critical_time(n_max, p, 0.995)) + 1)
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for n in range(1, n_max + 1):
        ax.plot(tt, toy.p_learned(n, tt, p), label=f"n = {n}")
        ax.axvline(toy.critical_time(n, p, p_star), color="0.8", lw=0.8)
    ax.axhline(p_star, color="0.5", ls=":")
    ax.set(xlabel="step t", ylabel="P(n, t)", title=f"p = {p}, P* = {p_star}")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return fig


p_grid = sorted({0.01, 0.02, 0.05, 0.1, 0.2, p})
slider(redraw, {"p": p_grid, "p_star": sorted({0.5, 0.9, p_star}), "n_max": sorted({3, 5, 8, n_max})},
       start={"p": p, "p_star": p_star, "n_max": n_max},
       labels={"p": "rate p (per step)", "p_star": "threshold P*", "n_max": "capabilities up to n"})

# %% [markdown]
# ## Testing the toy model against the diffusion model
#
# The toy model makes a prediction that the diffusion runs of chapter 4 can contradict: a class
# that needs several capabilities appears **when the last of them has been learned**, and not
# before or much after. We read each capability's learning time from the classes at concept
# distance 1 only (the capability "make it a triangle" is learned when every distance-1 class that
# asks for a triangle shows one in at least {glue:text}`reached_t` of its samples; likewise "make it
# blue" and "make it small"), predict when `111`, which needs all three and from whose samples
# nothing was read, first reaches accuracy {glue:text}`reached_t`, and compare with when it did, on
# every seed. The prediction fails when `111` comes more than one evaluation interval later or
# earlier than predicted, when it never comes although every capability was learned, or when it
# comes although one never was.
#
# This section reads chapter 4's runs of the same scale and seeds from the run store. **If they are
# not there yet it trains them now** ({glue:text}`n_seeds_t` runs, the longest work of the book;
# chapter 4 then reads them back).

# %%
from cglib.emergence import REACHED
from cglib.sweep import sweep

runs = sweep([preset(scale, seed=seed + i) for i in range(n_seeds)], run_root or None, workers="auto")
tab = pd.concat([r.table().assign(seed=r.cfg.train.seed) for r in runs], ignore_index=True)
glue("reached_t", REACHED); glue("n_seeds_t", n_seeds)
test = toy.predicted_emergence(tab, "111", REACHED)
glue("toy_agrees", int(test.agrees.sum())); glue("toy_seeds", len(test))
glue("toy_fails", ", ".join(f"seed {s}" for s in test.index[~test.agrees]) or "none")
glue("toy_lag", ", ".join(f"seed {s}: " + ("never reached" if np.isnan(r.measured) else "no prediction"
                                          if np.isnan(r.predicted) else f"{r.measured - r.predicted:+.0f} steps")
                          for s, r in test.iterrows()))
test

# %% [markdown]
# The prediction held on {glue:text}`toy_agrees` of {glue:text}`toy_seeds` seeds (failed on:
# {glue:text}`toy_fails`). Measured minus predicted first step of `111`, per seed:
# {glue:text}`toy_lag` (positive: `111` came later than its last capability). The table gives, per seed, the step at which each capability was
# learned, the predicted and the measured first step of `111` (NaN: never within the run), and the
# evaluation interval that bounds how precisely either can be read.
#
# The toy model's curve can be tested too: at every evaluation, the probability that `111` comes out
# right should be the product of the probabilities that each capability works, estimated on the
# distance-1 classes (no sample of `111` enters it).

# %%
cross = toy.cross_class_product(tab, "111")
fig, ax = plt.subplots(figsize=(6, 3.4))
for s, g in cross.groupby("seed"):
    line, = ax.plot(g.step, g.observed, lw=2, label=f"seed {s}: measured 111")
    ax.plot(g.step, g.predicted, "--", color=line.get_color(), label=f"seed {s}: product over capabilities")
ax.set(xlabel="step", ylabel="accuracy of 111", ylim=(-0.03, 1.03), title="toy model (dashed) against the runs")
ax.legend(frameon=False, fontsize=8.5, bbox_to_anchor=(1, 1), loc="upper left")
plt.show()
err = (cross.observed - cross.predicted)
glue("cross_mae", err.abs().mean(), ".2f"); glue("cross_bias", err.mean(), "+.2f")

# %% [markdown]
# Over all evaluations and seeds the measured accuracy of `111` differs from the product by
# {glue:text}`cross_mae` on average (mean signed difference {glue:text}`cross_bias`: negative means
# `111` lags behind what its capabilities promise, the composition costing more than the toy model's
# independent coins).
#
# **A weaker check, named for what it tests.** Within one sample, is getting the shape right
# independent of getting the colour and size right? Then a class's joint accuracy equals the
# product of its own per-variable accuracies. This says nothing about *when* capabilities are
# learned, and it agrees almost by construction where every factor is near 0 or near 1, so it is
# no test of the toy model; it is shown because the paper's Fig. 6 invites it.

# %%
pred = toy.product_prediction(tab)
ag = toy.agreement(pred)
glue("fit_mae", pred.eval("abs(observed - predicted)").mean(), ".3f")
ag.style.format("{:.3f}", subset=["MAE", "R2"])

# %% [markdown]
# Within samples, the joint accuracy misses the product of the same samples' per-variable
# accuracies by {glue:text}`fit_mae` on average.
