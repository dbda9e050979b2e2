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
# # CelebA: does the order of emergence carry over to faces?
#
# The paper checks its synthetic findings on real faces (section 4.2, Fig. 10). Three CelebA
# attributes are the concept variables, in this order: **gender** (`Male`: 0 female, 1 male),
# **smiling** (`Smiling`) and **hair colour** (`Black_Hair` = 0, `Blond_Hair` = 1; faces with
# neither or both are left out). A diffusion model is trained on the minimal set of classes, 000
# (female, not smiling, black hair) and its three neighbours, and the four other classes are held
# out. A small 3-layer CNN per attribute, trained on real faces of *all* classes, judges the samples;
# a class's accuracy is the product over the three attributes (eq. 2). The paper reports (b) the
# same order as for shapes, distance 1 before distance 2, and (c) that male faces, the
# under-represented gender, emerge later.
#
# The chapter trains **one run (one seed)**, so its order and delay are what that run showed, not
# a spread over seeds. CelebA itself cannot be downloaded where this book is usually built. Then the chapter runs the
# same pipeline on a **stand-in** folder in CelebA's exact file format, and the box right below the
# parameters says so; every figure title then starts with "STAND-IN".

# %% tags=["parameters"]
celeba_root = ""  # folder holding the official CelebA files; empty means the stand-in below
image_size = "auto"  # side of the square crops the model sees; auto means 16 (smoke), 32 (cpu), 64 (paper)
scale = "auto"  # "smoke" | "cpu" | "paper"; "auto" reads $CGLIB_SCALE, else "cpu"
seed = 0
steps = "auto"  # optimisation steps; auto means the scale default
max_per_class = 0  # cap on training images per class; 0 means all the data has
device = "auto"  # "auto" picks CUDA when present
run_root = ""  # run store; empty means $CGLIB_RUNS, else runs/

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import HTML, Markdown, display

from cglib import plots
from cglib.book import glue, resolve_scale
from cglib.celeba import TRAIN_CLASSES, celeba_config, describe, load_celeba
from cglib.celeba_classifiers import load_classifiers
from cglib.celeba_standin import make_standin, standin_root
from cglib.scales import CELEBA
from cglib.emergence import REACHED, first_reach
from cglib.runs import run_root as store_root
from cglib.train import train

scale = resolve_scale(scale)
size = CELEBA[scale]["image_size"] if image_size == "auto" else int(image_size)
real = bool(celeba_root)
if real:
    root = celeba_root
    source = "CelebA"
    display(Markdown(f"**Data: CelebA** from `{celeba_root}`."))
else:
    n = CELEBA[scale]["standin_n"]
    root = make_standin(standin_root(run_root or None, n=n), n=n, seed=0)
    source = "STAND-IN (synthetic faces, not CelebA)"
    display(HTML(
        '<div class="admonition warning"><p class="admonition-title">Stand-in data</p><p><b>Every number and '
        "figure on this page comes from a stand-in, not from CelebA.</b> CelebA cannot be downloaded on the machine "
        f"that built this page, so the pipeline runs end to end on {n} drawn cartoon faces written in CelebA's "
        "official file format, with CelebA-like attribute frequencies (fewer men than women, few blond men). "
        "To run this chapter on the real data, get CelebA (see the README) and run:</p>"
        "<pre>python -m cglib.rerun 07_celeba -p celeba_root /path/to/celeba -p scale cpu</pre></div>"))
print(f"scale={scale}, data={source}, root={root}, image_size={size}")

# %% [markdown]
# ## The data: classes and their counts (Fig. 10a)

# %%
data = load_celeba(root, size, "train")
cfg = celeba_config(scale, root, image_size=size, seed=seed, steps=None if steps == "auto" else steps,
                    max_per_class=max_per_class or None)
counts = data.counts()
glue("n_train_images", len(data.images))
male = sum(k for c, k in counts.items() if c[0] == "1")
glue("male_share", male / len(data.images), ".0%")
glue("rarest", min(counts, key=counts.get)); glue("rarest_n", min(counts.values()))
fig, axes = plt.subplots(2, 1, figsize=(6.6, 7.4), gridspec_kw={"height_ratios": [1, 1]})
plots.plot_concept_graph(TRAIN_CLASSES, ax=axes[0], values={c: float(k) for c, k in counts.items()}, fmt="{:.0f}",
                         title=f"{source}: training classes and image counts")
cls = sorted(counts)
axes[1].barh(cls, [counts[c] for c in cls], color=["#6baed6" if c in TRAIN_CLASSES else "#f768a1" for c in cls])
axes[1].set_yticks(range(len(cls)), [f"{c} {describe(c)}" for c in cls], fontsize=8.5)
axes[1].set(xlabel="training-split images", title="class counts (blue: trained on, pink: held out)")
plt.tight_layout()
plt.show()

# %% [markdown]
# The training split has {glue:text}`n_train_images` images with black or blond hair;
# {glue:text}`male_share` are male, and the rarest class is {glue:text}`rarest`
# ({glue:text}`rarest_n` images). Only the four blue classes are shown to the diffusion model.
#
# ## The judges: one 3-layer CNN per attribute

# %%
clf = load_classifiers(root, size, store_root(run_root or None) / "probes", steps=cfg.train.classifier_steps)
for v, acc in clf.report.items():
    glue(f"clf_{v}", acc, ".2f")
pd.Series(clf.report, name="validation accuracy").to_frame().style.format("{:.2f}")

# %% [markdown]
# On held-out validation faces the classifiers are right {glue:text}`clf_gender` (gender),
# {glue:text}`clf_smiling` (smiling) and {glue:text}`clf_hair` (hair) of the time. Unlike the shapes
# evaluator they cannot reject a sample that is not a face at all, so read the accuracies below next
# to the sample grids.
#
# ## Training, and the order of emergence (Fig. 10b)

# %%
run = train(cfg, run_root or None, device=device)
tab = run.table()
reach = first_reach(tab, REACHED)
glue("reached", REACHED)
glue("steps", cfg.train.steps); glue("wall_min", run.summary().get("wall_s", float("nan")) / 60, ".1f")
for d, s in reach.items():
    glue(f"reach_d{d}", "never" if np.isnan(s) else f"step {int(s)}")
fig, ax = plt.subplots(figsize=(7, 3.8))
plots.plot_curves(tab, "acc", ax=ax, title=f"{source}: accuracy (product of 3 classifiers)")
plt.show()
final = run.final()
pd.DataFrame({c: {"distance": r["distance"], "accuracy": r["acc"], "gender": r["acc_gender"],
                  "smiling": r["acc_smiling"], "hair": r["acc_hair"]} for c, r in final.items()}).T.style.format("{:.2f}")

# %% [markdown]
# {glue:text}`steps` steps took {glue:text}`wall_min` minutes. Every class of a distance group first
# reached accuracy {glue:text}`reached` at: training classes {glue:text}`reach_d0`, distance 1
# {glue:text}`reach_d1`, distance 2 {glue:text}`reach_d2` ("never": not within this run).
#
# ## Delayed emergence of the under-represented gender (Fig. 10c)
#
# The classifier's gender accuracy for every class over training: red lines ask for a woman, blue
# lines for a man; dashed lines are training classes.

# %%
fig, ax = plt.subplots(figsize=(7, 3.8))
for c, g in tab.groupby("concept_class"):
    ax.plot(g.step, g.acc_gender, color="#d62728" if c[0] == "0" else "#1f77b4", ls="--" if c in TRAIN_CLASSES else "-",
            lw=1.2 + 0.6 * int(g.distance.iloc[0]), label=f"{c} (d={int(g.distance.iloc[0])})")
ax.set(xlabel="step", ylabel="gender accuracy", ylim=(-0.03, 1.03), title=f"{source}: gender of generated faces")
ax.legend(ncol=2, fontsize=8.5, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
ax.grid(alpha=0.3)
plt.show()
half = tab[tab.step <= tab.step.max() / 2]
fem = half[half.concept_class.str[0] == "0"].acc_gender.mean()
mal = half[half.concept_class.str[0] == "1"].acc_gender.mean()
glue("fem_half", fem, ".2f"); glue("male_half", mal, ".2f")

# %% [markdown]
# Over the first half of training, gender accuracy averages {glue:text}`fem_half` for classes that
# ask for a woman and {glue:text}`male_half` for classes that ask for a man.
#
# ## Samples

# %%
plots.samples_over_time(run, n_steps=8, k=1, title=f"{source}: one sample per class through training")
plt.show()
s = run.samples()
plots.show_grid(s["grid"][:, :8], row_labels=[f"{c} {describe(c)}" for c in s["classes"]],
                title=f"{source}: final samples (step {s['step']})")
plt.show()
