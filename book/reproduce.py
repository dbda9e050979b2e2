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
from cglib.runs import Run, run_id, run_root

scale = resolve_scale(scale)
FIGURES = [  # figure, what, chapter, config of the run behind it (None: no training)
    ("Fig. 3, 4", "concept graphs", "01_concept_graphs", None),
    ("Fig. 11", "rendered objects per class", "01_concept_graphs", None),
    ("Fig. 7", "toy model of emergence", "02_toy_model", None),
    ("Fig. 12, eq. 1", "the network, loss and samplers", "03_diffusion", {}),
    ("Fig. 5", "order of emergence, trajectories, samples over time", "04_emergence", {}),
    ("Fig. 6", "multiplicative vs additive, per-variable accuracy", "04_emergence", {}),
    ("Figs. 13-15", "mean generated images with probe predictions", "04_emergence", {}),
    ("Fig. 16", "four concept variables", "04_emergence", {"train_classes": "minimal4"}),
]


def minutes(over, sc):
    if over is None:
        return "no training"
    path = run_root() / f"run-{run_id(preset(sc, **over))}"
    if (path / "DONE").exists():
        return f"{Run.load(path).summary()['wall_s'] / 60:.1f} min"
    return "-"


rows = []
for fig, what, ch, over in FIGURES:
    rows.append({"figure": fig, "shows": what, "chapter": ch,
                 "rerun (cpu, the default)": f"make rerun CHAPTER={ch}",
                 "rerun (paper, GPU)": f'make rerun CHAPTER={ch} ARGS="-p scale paper"',
                 f"training time, {scale} scale, this build": minutes(over, scale)})
pd.DataFrame(rows).set_index("figure")
