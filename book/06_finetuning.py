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
# # An adversarial training set, and why fine-tuning does not fix it
#
# The minimal training set of chapter 4 has, for every concept variable, a pair of classes that
# differ in that variable alone. The paper (section 4.1, Fig. 9) removes that structure: it trains
# on {000, 100, 001, 111} (tuples are (shape, color, size)). Shape change (000 → 100) and size
# change (000 → 001) can still be learned from neighbours, but blue appears only in `111`, the
# small blue triangle. The paper finds the model ties "blue" to "small triangle" and draws
# triangles where blue *circles* are asked (010, 011), and that fine-tuning with more classes does
# not repair it: the new classes overwrite what was learned.
#
# Every run below is cached in the run store; each fine-tune is its own run whose config names its
# parent run (`train.init_from`) and starts from the parent's weights.

# %% tags=["parameters"]
scale = "auto"  # "smoke" | "cpu" | "paper"; "auto" reads $CGLIB_SCALE, else "cpu"
seed = 0
base_steps = "auto"  # optimisation steps of the adversarial run; "auto" = the scale default
ft_steps = "auto"  # optimisation steps of each fine-tune; "auto" = the scale default
ft_lr = "auto"  # fine-tuning learning rate; "auto" = the training rate, as in the paper
n_check = 32  # fresh samples per class read by the evaluator for the "what is drawn" tables
device = "auto"  # "auto" picks CUDA when present
run_root = ""  # run store; empty means $CGLIB_RUNS, else runs/

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cglib import plots
from cglib.book import glue, resolve_scale
from cglib.finetune import ADDITIONS, ADVERSARIAL, adversarial_config, finetune_config, parent_of, what_is_drawn
from cglib.train import train

scale = resolve_scale(scale)
root = run_root or None
base_cfg = adversarial_config(scale, seed=seed, steps=None if base_steps == "auto" else base_steps)
print(f"scale={scale}, training classes={list(ADVERSARIAL)}, steps={base_cfg.train.steps}, lr={base_cfg.train.lr}")

# %%
base = train(base_cfg, root, device=device)
final = base.final()
accs = {c: r["acc"] for c, r in final.items()}
drawn = what_is_drawn(base, n=n_check, device=device)
glue("base_steps", base_cfg.train.steps)
glue("base_wall", base.summary().get("wall_s", float("nan")) / 60, ".1f")
for c in ("010", "011", "110", "101"):
    glue(f"tri_{c}", drawn.loc[c, "triangle"], ".0%")
    glue(f"blue_{c}", drawn.loc[c, "blue"], ".0%")
    glue(f"acc_{c}", accs[c], ".2f")
tri = drawn.loc[["010", "011"], "triangle"].mean()
blue = drawn.loc[["010", "011"], "blue"].mean()
if tri >= 0.5:
    verdict = "it draws triangles where circles are asked, the failure the paper reports"
elif blue < 0.5:
    verdict = ("it does not draw triangles here; it drops the blue instead and draws red circles. Blue stays tied "
               "to the small triangle, in another way than the paper's picture")
else:
    verdict = "it draws blue circles: the adversarial set did not break this run"
glue("verdict", verdict)
glue("train_min", min(accs[c] for c in ADVERSARIAL), ".2f")
pd.DataFrame({"accuracy": pd.Series(accs), "distance": pd.Series({c: r["distance"] for c, r in final.items()})}
             ).join(drawn).style.format("{:.2f}").set_caption(
    f"final accuracy, and what {n_check} fresh samples per class show (fractions of valid samples)")

# %% [markdown]
# ## Fig. 9(a): the failure
#
# After {glue:text}`base_steps` steps ({glue:text}`base_wall` minutes) every training class is at
# accuracy {glue:text}`train_min` or better. Asked for `010` (a large blue circle) the model draws a
# triangle in {glue:text}`tri_010` of its valid samples and something blue in {glue:text}`blue_010`;
# asked for `011` (a small blue circle), triangles in {glue:text}`tri_011` and blue in
# {glue:text}`blue_011`. Their accuracies are {glue:text}`acc_010` and {glue:text}`acc_011`: {glue:text}`verdict`.
# For comparison, `110` (a large blue triangle) reaches {glue:text}`acc_110` (blue in
# {glue:text}`blue_110` of its samples).

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [1, 1.2]})
plots.plot_concept_graph(ADVERSARIAL, ax=axes[0], values=accs, title="adversarial training set, final accuracy")
s = base.samples()
plots.show_grid(s["grid"][:, :6], row_labels=[plots.describe(c) + f" ({c})" for c in s["classes"]], ax=axes[1],
                title=f"samples at step {s['step']}")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Fig. 9(b): fine-tuning with more classes
#
# Two fine-tunes start from the model above, each with its training data plus new classes, at the
# training learning rate: (1) `101` added, (2) `010` and `011` added. Step 0 below is the parent's
# final evaluation.

# %%
ft_opts = dict(steps=None if ft_steps == "auto" else ft_steps, lr=None if ft_lr == "auto" else ft_lr)
fts = {}
for name, added in ADDITIONS.items():
    cfg = finetune_config(base_cfg, added, scale, **ft_opts)
    fts[name] = train(cfg, root, device=device)
    assert parent_of(fts[name], root).id == base.id
    print(f"{name}: run {fts[name].id}, parent {parent_of(fts[name], root).id}, "
          f"classes {list(cfg.train.train_classes)}, {cfg.train.steps} steps at lr {cfg.train.lr}")


def with_start(run):
    """The fine-tune's metrics with the parent's final evaluation as step 0 (distances of the fine-tune's set)."""
    t = run.table()
    d0 = t.groupby("concept_class").distance.first()
    start = base.table().query("step == step.max()").assign(step=0)
    start["distance"] = start.concept_class.map(d0)
    return pd.concat([start, t], ignore_index=True)


fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), sharey=True)
for ax, (name, run) in zip(axes, fts.items()):
    plots.plot_curves(with_start(run), "acc", ax=ax, title=f"fine-tune {name}: accuracy with rejection")
    ax.set_xlabel("fine-tuning step")
plt.tight_layout()
plt.show()

# %% [markdown]
# What each fine-tune learned and forgot: accuracy before (the parent) and after, per class, and
# what fresh samples of `010` and `011` show after fine-tuning.

# %%
before = pd.Series(accs, name="before")
cols = {"before": before}
after_drawn = {}
for name, run in fts.items():
    cols[name] = pd.Series({c: r["acc"] for c, r in run.final().items()})
    after_drawn[name] = what_is_drawn(run, ["010", "011"], n=n_check, device=device)
change = pd.DataFrame(cols)
for name, added in ADDITIONS.items():
    delta = change[name] - change["before"]
    learned = [c for c in delta.index if delta[c] >= 0.2]
    forgot = [c for c in delta.index if delta[c] <= -0.2]
    glue(f"{name}_learned", ", ".join(learned) or "no class")
    glue(f"{name}_forgot", ", ".join(forgot) or "no class")
    glue(f"{name}_tri010", after_drawn[name].loc["010", "triangle"], ".0%")
    glue(f"{name}_tri011", after_drawn[name].loc["011", "triangle"], ".0%")
    glue(f"{name}_blue010", after_drawn[name].loc["010", "blue"], ".0%")
    for c in added:
        glue(f"{name}_acc{c}", change.loc[c, name], ".2f")
glue("ft_steps", next(iter(fts.values())).cfg.train.steps)
display(change.style.format("{:.2f}").background_gradient(cmap="RdYlGn", vmin=0, vmax=1))
pd.concat(after_drawn, names=["fine-tune"]).style.format("{:.2f}").set_caption("after fine-tuning: what is drawn")

# %% [markdown]
# After {glue:text}`ft_steps` fine-tuning steps, counting a change of 0.2 or more:
#
# - **with 101 added**: `101` ends at {glue:text}`add_101_acc101`; accuracy rose for
#   {glue:text}`add_101_learned` and fell for {glue:text}`add_101_forgot`. Asked for `010` and `011`
#   the model now draws triangles in {glue:text}`add_101_tri010` and {glue:text}`add_101_tri011` of
#   valid samples, and `010` is blue in {glue:text}`add_101_blue010` of them.
# - **with 010 and 011 added**: they end at {glue:text}`add_010_011_acc010` and
#   {glue:text}`add_010_011_acc011` (now training classes); accuracy rose for
#   {glue:text}`add_010_011_learned` and fell for {glue:text}`add_010_011_forgot`; triangles for
#   `010`/`011`: {glue:text}`add_010_011_tri010` / {glue:text}`add_010_011_tri011`.
#
# The paper's reading: fine-tuning teaches the added classes as new memorised points rather than
# untying the learned "blue = small triangle" shortcut, and what the new data touches overwrites
# what was there. Compare the lists above with that claim; at this scale the numbers, not the
# paper's words, are what the page reports.

# %%
for name, run in fts.items():
    s = run.samples()
    plots.show_grid(s["grid"][:, :6], row_labels=[plots.describe(c) + f" ({c})" for c in s["classes"]],
                    title=f"after fine-tune {name} (step {s['step']})")
    plt.show()
