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
seed = 0  # seed of the simulation and of the diffusion run
run_root = ""  # run store; empty means $CGLIB_RUNS, else runs/

# %%
import matplotlib.pyplot as plt
import numpy as np

from cglib import plots, toy
from cglib.book import glue, resolve_scale
from cglib.config import preset
from cglib.train import train

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
ax.legend(frameon=False, fontsize=7, ncol=2)
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
# capabilities $n$. In Jupyter they redraw live; in this page every combination on the sliders'
# grid was drawn when the book was built, so they work without a kernel.

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
       start={"p": p, "p_star": p_star, "n_max": n_max}, dpi=60)

# %% [markdown]
# ## Testing the toy model against the diffusion model
#
# The toy model's claim is that a class's accuracy is the *product* of the accuracies of the
# capabilities it needs. We can test it on a real run of chapter 4 (the `scale` preset, read from
# the run store, or trained now if it is not there): at every evaluation, predict each class's
# multiplicative accuracy as the product of its per-variable accuracies (measured by the analytic
# evaluator) and compare with the measured multiplicative accuracy.

# %%
run = train(preset(scale, seed=seed), run_root or None)
pred = toy.product_prediction(run.table())
ag = toy.agreement(pred)
glue("fit_mae", pred.eval("abs(observed - predicted)").mean(), ".3f")
glue("fit_mae_far", ag["MAE"].iloc[-1], ".3f")
glue("fit_far_d", ag.index[-1])
fig, ax = plt.subplots(figsize=(4, 4))
for d, g in pred.groupby("distance"):
    ax.scatter(g["predicted"], g["observed"], s=12, color=plots.DIST_COLORS[d], label=plots.DIST_LABELS[d])
ax.plot([0, 1], [0, 1], color="0.5", lw=0.8)
ax.set(xlabel="product of per-variable accuracies", ylabel="measured multiplicative accuracy",
       title=f"run {run.id} ({scale})")
ax.legend(frameon=False, fontsize=8)
plt.show()
ag.style.format("{:.3f}", subset=["MAE", "R2"])

# %% [markdown]
# Over all classes and evaluations of this run, the product of per-variable accuracies misses the
# measured multiplicative accuracy by {glue:text}`fit_mae` on average; for the furthest classes
# (distance {glue:text}`fit_far_d`) by {glue:text}`fit_mae_far`. A small error means the
# capabilities behave like the toy model's independent coins: the composition is learned when,
# and only when, every capability it needs is learned.
