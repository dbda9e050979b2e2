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
# For each figure of the paper: the chapter that makes it and the command that reruns it at the
# default `cpu` scale; add `ARGS="-p scale paper"` for the `paper` preset on a GPU (chapters 4-6
# also take `-p executor ray` to spread their runs over a Ray cluster). The training time column is
# read from the run store of the machine that built this page (the `wall_s` each run recorded,
# training and evaluation together, on that machine); a dash means that run is not in this build's
# run store. Whole-chapter execution times are on the [status page](status.md). A build from an empty
# run store trains every run below once (chapters 2 and 3 reuse chapter 4's runs; chapter 8 reads the
# mirrored set, the scale axis and the paper's own network from labelled records unless asked): about
# 2 h 9 min on 2 AMD EPYC cores with AVX-512 and no GPU (2026-12-07; the introduction gives each
# chapter's share).
#
# `-p scale paper` reruns a chapter with the `paper` preset, for a GPU: what the paper-era code ran
# (its `ContextUnet` at `n_feat=256`, its condition inputs, its 500-step ancestral sampler, images in
# [0, 1], its optimiser and its 2,500 training images for 100 epochs; chapter 3 lists what still
# differs). `python benchmarks/gpu_chapter4.py` runs chapter 4's three seeds of it at once on one GPU.
# That preset has no recorded outcome yet: no GPU has been lent since it was written. The record of
# 2026-11-28 (an H200; shown in the appendix [How the recipes were chosen](research_log.ipynb)) is of
# the preset before it, this library's U-Net with the code's optimiser and conditioning: `111` ended
# at 0.03 / 0.02 / 0.00 on seeds 0-2, empty canvases.

# %% tags=["parameters", "remove-input"]
scale = "auto"  # the scale this build used; "auto" reads $CGLIB_SCALE, else "cpu"
run_root = ""  # run store; empty means $CGLIB_RUNS, else runs/

# %% tags=["remove-input"]
import json

import pandas as pd

from cglib.book import resolve_scale
from cglib.concepts import PRESETS, mirror
from cglib.config import preset
from cglib.runs import run_dir, run_id, run_root as store_root
from cglib.scales import PAPER_NETWORK, PAPER_NETWORK_READING
from cglib.scaling import axis_configs

scale = resolve_scale(scale)
root = run_root or None
SEEDS = range(3)  # chapter 4's default seeds


def fig8(sc):
    from cglib.frequency import count_sweep
    return count_sweep(sc, "010") + count_sweep(sc, "100")


def fig9(sc):
    from cglib.finetune import ADDITIONS, adversarial_config, finetune_config
    base = adversarial_config(sc)
    return [base] + [finetune_config(base, added, sc) for added in ADDITIONS.values()]


def celeba_runs(sc):
    """Finished CelebA runs of this scale in the store, found by their config (no CelebA file is opened)."""
    from cglib.scales import CELEBA
    out = []
    for p in store_root(root).glob("run-*/DONE"):
        t = json.loads((p.parent / "config.json").read_text())["train"]
        if t.get("dataset") == "celeba" and t["image_size"] == CELEBA[sc]["image_size"]:
            out.append(p.parent)
    return out


FIGURES = [  # figure, chapter, configs of the runs behind it (None: no training)
    ("Figs. 3, 4, 11: concept graphs, rendered objects", "01_concept_graphs", None),
    ("Fig. 7: toy model (simulated); its test on chapter 4's three seeds", "02_toy_model",
     lambda sc: [preset(sc, seed=s) for s in SEEDS]),
    ("Fig. 12, eq. 1: network, loss, samplers", "03_diffusion", lambda sc: [preset(sc)]),
    ("Figs. 5, 6, 13-15: emergence over 3 seeds", "04_emergence", lambda sc: [preset(sc, seed=s) for s in SEEDS]),
    ("Fig. 16: four concept variables", "04_emergence", lambda sc: [preset(sc, train_classes="minimal4")]),
    ("Fig. 8: critical data frequency", "05_frequency", fig8),
    ("Fig. 9: adversarial set, two fine-tunes", "06_finetuning", fig9),
    ("Fig. 10: CelebA (or its stand-in)", "07_celeba", celeba_runs),
    ("Beyond the paper: the mirrored set over 3 seeds (read from a record unless train_mirrored)", "08_beyond_the_paper",
     lambda sc: [preset(sc, seed=s, train_classes=mirror(PRESETS["minimal"])) for s in SEEDS]),
    ("Beyond the paper: both corners at two widths, the minimal set on 6 seeds (read from a record unless "
     "train_axis)", "08_beyond_the_paper", lambda sc: list(axis_configs(sc).values())),
    ("Beyond the paper: the paper's own network over 3 seeds (read from a record unless train_paper_network)",
     "08_beyond_the_paper",
     lambda sc: [preset(sc, seed=s, **PAPER_NETWORK, **PAPER_NETWORK_READING[sc]) for s in SEEDS]),
]


def minutes(configs, sc):
    """Summed training-and-evaluation time of the runs behind a figure, if all are in the run store."""
    if configs is None:
        return "no training"
    found = configs(sc)
    paths = [c if not hasattr(c, "train") else run_dir(run_id(c), root) for c in found]
    if not paths or not all((p / "DONE").exists() for p in paths):
        return "-"
    total = sum(json.loads((p / "DONE").read_text())["wall_s"] for p in paths)
    return f"{total / 60:.1f} min, {len(paths)} run{'s' * (len(paths) > 1)}"


rows = [{"figure": fig, "rerun": f"make rerun CHAPTER={ch}", f"training time ({scale})": minutes(configs, scale)}
        for fig, ch, configs in FIGURES]
pd.DataFrame(rows).set_index("figure").style.set_table_styles(
    [{"selector": "td, th", "props": "white-space: normal; font-size: 0.85em; padding: 2px 6px"}])

# %% [markdown]
# Chapter 7 runs on real CelebA with `make rerun CHAPTER=07_celeba ARGS="-p celeba_root /path/to/celeba"`
# (see the README for getting the files). The paper-scale runs of chapters 5-7 have not been measured
# on a GPU.
