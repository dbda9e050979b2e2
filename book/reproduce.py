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
# # Reproduce every figure
#
# For each figure of the paper: the chapter that makes it and the command that reruns it at each
# scale. The training time column is read from the run store of the machine that built this page
# (the `wall_s` each run recorded, training and evaluation together, on that machine); a dash means
# that run is not in this build's run store. Whole-chapter execution times are on the
# [status page](status.md).

# %% tags=["parameters"]
scale = "auto"  # the scale this build used; "auto" reads $CGLIB_SCALE, else "cpu"

# %%
import pandas as pd

from cglib.book import resolve_scale
from cglib.config import preset
from cglib.runs import Run, run_dir, run_id

scale = resolve_scale(scale)


def fig8(sc):
    from cglib.frequency import count_sweep
    return count_sweep(sc, "010") + count_sweep(sc, "100")


def fig9(sc):
    from cglib.finetune import ADDITIONS, adversarial_config, finetune_config
    base = adversarial_config(sc)
    return [base] + [finetune_config(base, added, sc) for added in ADDITIONS.values()]


def fig10(sc):  # the stand-in the chapter built (real CelebA runs are listed by their own folder)
    from cglib.celeba import celeba_config
    from cglib.celeba_standin import standin_root
    from cglib.scales import CELEBA
    root = standin_root(n=CELEBA[sc]["standin_n"])
    return [celeba_config(sc, root)] if (root / "list_attr_celeba.txt").exists() else []


FIGURES = [  # figure, what, chapter, configs of the runs behind it (None: no training)
    ("Fig. 3, 4", "concept graphs", "01_concept_graphs", None),
    ("Fig. 11", "rendered objects per class", "01_concept_graphs", None),
    ("Fig. 7", "toy model of emergence", "02_toy_model", None),
    ("Fig. 12, eq. 1", "the network, loss and samplers", "03_diffusion", lambda sc: [preset(sc)]),
    ("Fig. 5", "order of emergence, trajectories, samples over time", "04_emergence", lambda sc: [preset(sc)]),
    ("Fig. 6", "multiplicative vs additive, per-variable accuracy", "04_emergence", lambda sc: [preset(sc)]),
    ("Figs. 13-15", "mean generated images with probe predictions", "04_emergence", lambda sc: [preset(sc)]),
    ("Fig. 16", "four concept variables", "04_emergence", lambda sc: [preset(sc, train_classes="minimal4")]),
    ("Fig. 8", "critical data frequency (two count sweeps)", "05_frequency", fig8),
    ("Fig. 9", "adversarial set and two fine-tunes", "06_finetuning", fig9),
    ("Fig. 10", "CelebA (this build: the stand-in)", "07_celeba", fig10),
]


def minutes(configs, sc):
    """Summed training-and-evaluation time of the runs behind a figure, if all are in the run store."""
    if configs is None:
        return "no training"
    cfgs = configs(sc)
    paths = [run_dir(run_id(c)) for c in cfgs]
    if not cfgs or not all((p / "DONE").exists() for p in paths):
        return "-"
    total = sum(Run.load(p).summary()["wall_s"] for p in paths)
    return f"{total / 60:.1f} min ({len(paths)} run{'s' * (len(paths) > 1)})"


rows = []
for fig, what, ch, configs in FIGURES:
    rows.append({"figure": fig, "shows": what, "chapter": ch,
                 "rerun (cpu, the default)": f"make rerun CHAPTER={ch}",
                 "rerun (paper, GPU)": f'make rerun CHAPTER={ch} ARGS="-p scale paper"',
                 f"training time, {scale} scale, this build": minutes(configs, scale)})
pd.DataFrame(rows).set_index("figure")

# %% [markdown]
# Chapter 7 runs on real CelebA with `make rerun CHAPTER=07_celeba ARGS="-p celeba_root /path/to/celeba"`
# (see the README for getting the files). No GPU time is listed for chapters 5-7: the paper-scale
# runs of those chapters have not been measured on a GPU.
