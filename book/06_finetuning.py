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
# # An adversarial training set: does fine-tuning repair it?
#
# The minimal training set of chapter 4 has, for every concept variable, a pair of classes that
# differ in that variable alone. The paper (section 4.1, Fig. 9) removes that structure for one
# variable, size: "small" appears in the training data only on the small blue triangle. Shape change
# (000 → 100) and colour change (000 → 010) can still be learned from neighbours; the size
# capability can only be learned tied to triangle-and-blue. The paper finds the model draws small
# *triangles* where small *circles* are asked, and that fine-tuning with more classes does not
# repair it: the new classes overwrite what was learned.
#
# **How the paper's classes are translated.** This book writes every tuple as (shape, colour, size).
# Section 4.1 of the paper writes its tuples as (shape, size, colour): Fig. 9's caption reads "101
# (triangle, large, blue)", and its failure sentence, "generates small triangles for both 011 and
# 010, when it should have produced small circles", puts size second. (Its word lists read otherwise:
# this set's "001, (circle, blue, small)" and the same words for `001` in section 3.1's minimal set.
# With the caption, the failure sentence and Fig. 8's "large blue circle, 001" all reading (shape,
# size, colour), this book follows those and takes the word lists for the inconsistent ones.)
# Translated by meaning:
#
# | paper (shape, size, colour) | meaning | this book (shape, colour, size) |
# |---|---|---|
# | training set 000, 100, 001, 111 | large red circle, large red triangle, large blue circle, small blue triangle | **000, 100, 010, 111** |
# | the failure: 010 and 011 drawn as small triangles | small red circle, small blue circle | **001, 011** |
# | fine-tune 1 adds 101 | large blue triangle | **110** |
# | fine-tune 2 adds 010 and 011 | small red circle, small blue circle | **001 and 011** |
#
# Every run below is cached in the run store; each fine-tune is its own run whose config names its
# parent run (`train.init_from`) and starts from the parent's weights. **Every number on this page
# is one seed** (the `seed` parameter) of one adversarial run and its fine-tunes; chapter 4 shows how
# far seeds can disagree, so read the verdicts as what this run did.

# %% tags=["parameters"]
scale = "auto"  # "smoke" | "cpu" | "paper"; "auto" reads $CGLIB_SCALE, else "cpu"
seed = 0
base_steps = "auto"  # optimisation steps of the adversarial run; auto: the scale default
ft_steps = "auto"  # optimisation steps of each fine-tune; auto: the scale default
ft_lr = "auto"  # fine-tuning learning rate; auto: the training rate, as in the paper
n_check = 64  # fresh samples per class read by the evaluator for the "what is drawn" tables
executor = "local"  # "local" (this machine) or "ray" (a Ray cluster at $RAY_ADDRESS, or a local Ray)
device = "auto"  # "auto" picks CUDA when present
run_root = ""  # run store; empty means $CGLIB_RUNS, else runs/

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from cglib import plots
from cglib.book import glue, resolve_scale
from cglib.finetune import (ADDITIONS, ADVERSARIAL, SMALL_CIRCLES, adversarial_config, finetune_config, parent_of,
                            what_is_drawn)
from cglib.sweep import sweep

scale = resolve_scale(scale)
root = run_root or None
base_cfg = adversarial_config(scale, seed=seed, steps=None if base_steps == "auto" else base_steps)
print(f"scale={scale}, training classes={list(ADVERSARIAL)}, steps={base_cfg.train.steps}, lr={base_cfg.train.lr}")

# %%
[base] = sweep([base_cfg], root, device=device, executor=executor)
final = base.final()
accs = {c: r["acc"] for c, r in final.items()}
drawn = what_is_drawn(base, n=n_check, device=device)
glue("base_steps", base_cfg.train.steps)
glue("base_wall", base.summary().get("wall_s", float("nan")) / 60, ".1f")
glue("n_check", n_check)
for c in ("001", "011", "101", "110"):
    glue(f"tri_{c}", drawn.loc[c, "triangle"], ".0%")
    glue(f"small_{c}", drawn.loc[c, "small"], ".0%")
    glue(f"valid_{c}", drawn.loc[c, "valid"], ".0%")
    glue(f"acc_{c}", accs[c], ".2f")


def verdict(table) -> str:
    """What the model draws for the small circles, in words: the paper's failure or another one.  Each small
    circle is judged on its own; when they disagree, the words say which class fails which way."""
    fails = [c for c in SMALL_CIRCLES if table.loc[c, "triangle"] > 0.5 and table.loc[c, "small"] > 0.5]
    if 0 < len(fails) < len(SMALL_CIRCLES):
        return ("partly the paper's failure: small triangles for "
                + ", ".join(f"{c} ({table.loc[c, 'triangle']:.0%} triangles)" for c in fails) + ", small circles for "
                + ", ".join(f"{c} ({table.loc[c, 'triangle']:.0%} triangles)" for c in SMALL_CIRCLES if c not in fails))
    tri, small = table.loc[list(SMALL_CIRCLES), "triangle"].mean(), table.loc[list(SMALL_CIRCLES), "small"].mean()
    if tri > 0.5 and small > 0.5:
        return "small triangles where small circles are asked: the paper's failure"
    if tri > 0.5:
        return "triangles (mostly not small) where small circles are asked"
    if small <= 0.5:
        return "circles, but mostly not small ones: the size capability did not transfer to circles"
    return "small circles, as asked: the paper's failure does not appear in this run"


glue("verdict", verdict(drawn))
glue("train_min", min(accs[c] for c in ADVERSARIAL), ".2f")
pd.DataFrame({"accuracy": pd.Series(accs), "distance": pd.Series({c: r["distance"] for c, r in final.items()})}
             ).join(drawn).style.format("{:.2f}").set_caption(
    f"final accuracy, and what {n_check} fresh samples per class show (valid: fraction read as one object; "
    "triangle / blue / small: fractions of the valid ones)")

# %% [markdown]
# ## Fig. 9(a): the failure
#
# After {glue:text}`base_steps` steps ({glue:text}`base_wall` minutes) every training class is at
# accuracy {glue:text}`train_min` or better. Asked for `001` (a small red circle) the model draws a
# triangle in {glue:text}`tri_001` of its valid samples and something small in {glue:text}`small_001`;
# asked for `011` (a small blue circle), triangles in {glue:text}`tri_011` and small objects in
# {glue:text}`small_011`. Their accuracies are {glue:text}`acc_001` and {glue:text}`acc_011`.
# In words: the model draws **{glue:text}`verdict`**. (Fractions are of the {glue:text}`n_check`
# fresh samples per class that the evaluator could read: `001` {glue:text}`valid_001`, `011`
# {glue:text}`valid_011`.)

# %%
fig, axes = plt.subplots(2, 1, figsize=(6.6, 8), gridspec_kw={"height_ratios": [1, 1.3]})
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
# training learning rate: (1) `110` added (the paper's 101, a large blue triangle), (2) `001` and
# `011` added (the paper's 010 and 011, the small circles themselves). The paper's Fig. 9(b) has
# three panels, one fine-tune per added class (101, 010, 011); this book runs its second and third
# as **one** fine-tune that adds both small circles at once, so it cannot tell which of the two did
# what the paper's separate panels show. Step 0 below is the parent's final evaluation.

# %%
ft_opts = dict(steps=None if ft_steps == "auto" else ft_steps, lr=None if ft_lr == "auto" else ft_lr)
ft_cfgs = {name: finetune_config(base_cfg, added, scale, **ft_opts) for name, added in ADDITIONS.items()}
fts = dict(zip(ft_cfgs, sweep(list(ft_cfgs.values()), root, device=device, executor=executor)))
for name, run in fts.items():
    assert parent_of(run, root).id == base.id
    print(f"{name}: run {run.id}, parent {parent_of(run, root).id}, classes {list(run.cfg.train.train_classes)}, "
          f"{run.cfg.train.steps} steps at lr {run.cfg.train.lr}")


def with_start(run):
    """The fine-tune's metrics with the parent's final evaluation as step 0 (distances of the fine-tune's set)."""
    t = run.table()
    d0 = t.groupby("concept_class").distance.first()
    start = base.table().query("step == step.max()").assign(step=0)
    start["distance"] = start.concept_class.map(d0)
    return pd.concat([start, t], ignore_index=True)


fig, axes = plt.subplots(2, 1, figsize=(6.2, 6.6), sharex=True)
for ax, (name, run) in zip(axes, fts.items()):
    plots.plot_curves(with_start(run), "acc", ax=ax, title=f"fine-tune {name}: accuracy with rejection")
    ax.set_xlabel("fine-tuning step")
plt.tight_layout()
plt.show()

# %% [markdown]
# What each fine-tune learned and forgot: accuracy before (the parent) and after, per class, and
# what fresh samples of the small circles show after fine-tuning.

# %%
change = pd.DataFrame({"before": pd.Series(accs),
                       **{name: pd.Series({c: r["acc"] for c, r in run.final().items()}) for name, run in fts.items()}})
after = {name: what_is_drawn(run, list(SMALL_CIRCLES), n=n_check, device=device) for name, run in fts.items()}
for name, added in ADDITIONS.items():
    delta = change[name] - change["before"]
    glue(f"{name}_learned", ", ".join(c for c in delta.index if delta[c] >= 0.2) or "no class")
    glue(f"{name}_forgot", ", ".join(c for c in delta.index if delta[c] <= -0.2) or "no class")
    glue(f"{name}_verdict", verdict(after[name]))
    for c in SMALL_CIRCLES:
        glue(f"{name}_tri{c}", after[name].loc[c, "triangle"], ".0%")
    for c in added:
        glue(f"{name}_acc{c}", change.loc[c, name], ".2f")
glue("ft_steps", next(iter(fts.values())).cfg.train.steps)
display(change.style.format("{:.2f}").background_gradient(cmap="RdYlGn", vmin=0, vmax=1))
pd.concat(after, names=["fine-tune"]).style.format("{:.2f}").set_caption("after fine-tuning: what is drawn")

# %% [markdown]
# After {glue:text}`ft_steps` fine-tuning steps, counting a change of 0.2 or more as learned or
# forgotten, the paper's claims, one by one, against what these runs did:
#
# 1. *The model draws small triangles for the small circles (Fig. 9a).* Here it draws
#    {glue:text}`verdict`.
# 2. *Adding the large blue triangle (paper 101, here `110`) does not teach the model to alter size
#    (Fig. 9b, left).* After that fine-tune `110` ends at {glue:text}`add_110_acc110`; asked for the
#    small circles it draws {glue:text}`add_110_verdict` (triangles: `001` {glue:text}`add_110_tri001`,
#    `011` {glue:text}`add_110_tri011`). Accuracy rose for {glue:text}`add_110_learned` and fell for
#    {glue:text}`add_110_forgot`.
# 3. *Adding the small circles themselves (paper 010 and 011, here `001` and `011`) makes the new
#    classes overwrite what was learned (Fig. 9b, middle and right).* They end at
#    {glue:text}`add_001_011_acc001` and {glue:text}`add_001_011_acc011` (now training classes);
#    accuracy fell for **{glue:text}`add_001_011_forgot`** and rose for
#    {glue:text}`add_001_011_learned`; the model now draws {glue:text}`add_001_011_verdict`.
#
# Where a line above says "no class" was forgotten, this run does not show the paper's
# overwriting; where the small circles come out as small circles, it does not show the paper's
# failure. The numbers, not the paper's words, are what this page reports.

# %%
for name, run in fts.items():
    s = run.samples()
    plots.show_grid(s["grid"][:, :6], row_labels=[plots.describe(c) + f" ({c})" for c in s["classes"]],
                    title=f"after fine-tune {name} (step {s['step']})")
    plt.show()
