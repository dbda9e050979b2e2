"""Reading emergence off a run's metrics: when each distance group first reaches an accuracy, where
each class's samples sit in probe space, and the recorded recipe sweep.

Paper: section 4, Figs. 5 and 6.
Used in: book/04_emergence.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .concepts import class_values, variables

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
SWEEP_RECORD = RESULTS / "recipe_sweep_h100_2026-11-26.json"  # benchmarks/sweep_recipes.py on an H100
SEEDS_RECORD = RESULTS / "seed_sweep_h100_2026-11-26.json"  # the cpu preset over seeds 0-2, on an H100
TRIALS_RECORD = RESULTS / "cpu_trials_2026-11-26.json"  # benchmarks/cpu_trials.py on this project's 2 CPU cores


def first_reach(table: pd.DataFrame, threshold: float = 0.8, measure: str = "acc") -> pd.Series:
    """Per concept distance: the first step at which *every* class of that distance reached ``threshold``
    (averaged over seeds if a ``seed`` column is present); NaN if never."""
    mean = table.groupby(["distance", "concept_class", "step"])[measure].mean().reset_index()
    worst = mean.groupby(["distance", "step"])[measure].min().reset_index()
    out = {}
    for d, g in worst.groupby("distance"):
        hit = g[g[measure] >= threshold]
        out[int(d)] = int(hit.step.iloc[0]) if len(hit) else np.nan
    return pd.Series(out, name=f"first step with {measure} >= {threshold}")


def probe_space(table: pd.DataFrame, source: str = "measured") -> pd.DataFrame:
    """Where each class's samples sit in concept space at each evaluation (Fig. 5a): per variable, the
    fraction of samples read as value 1.  From per-variable accuracies: acc if the target value is 1,
    else 1 - acc (measured rejections count as not read)."""
    rows = []
    for _, r in table.iterrows():
        c = r["concept_class"]
        vals = class_values(c)
        pos = {}
        for v, want in zip(variables(len(c)), vals):
            acc = r[f"measured_{v.name}" if source == "measured" else f"acc_{v.name}"]
            pos[v.name] = acc if want == 1 else 1 - acc
        rows.append({"concept_class": c, "step": r["step"], "distance": r["distance"], **pos})
    return pd.DataFrame(rows)


def additive_measured(table: pd.DataFrame) -> pd.Series:
    """The additive measure (Fig. 6) on the analytic evaluator: the mean of measured per-variable accuracies."""
    cols = [c for c in table.columns if c.startswith("measured_")]
    return table[cols].mean(axis=1)


def recorded_sweep(path: str | Path = SWEEP_RECORD) -> pd.DataFrame:
    """A recorded recipe search (``SWEEP_RECORD``: the H100 sweep of ``benchmarks/sweep_recipes.py``;
    ``TRIALS_RECORD``: the CPU trials of ``benchmarks/cpu_trials.py``): every variant's metrics, one row
    per evaluation and class, with a ``variant`` column; ``attrs["what"]`` says how it was recorded."""
    return record_frame(json.loads(Path(path).read_text()))


def record_frame(rec: dict) -> pd.DataFrame:
    """A search record (``{"what", "runs": [{"name", "metrics"}, ...]}``) as one table with a ``variant`` column."""
    frames = []
    for r in rec["runs"]:
        if r["metrics"]:
            f = pd.DataFrame(r["metrics"])
            f["variant"] = r["name"]
            frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    out.attrs["what"] = rec["what"]
    return out


def trial_summary(sweep: pd.DataFrame, classes=("101", "110", "011", "111")) -> pd.DataFrame:
    """Per variant of a recorded search: the last step reached, the final accuracy of ``classes``,
    the best accuracy of the last of them at any evaluation (and its step), and the wall time in minutes."""
    rows = []
    for v, g in sweep.groupby("variant", sort=False):
        last = g[g.step == g.step.max()].set_index("concept_class")
        far = g[g.concept_class == classes[-1]]
        best = far.loc[far.acc.idxmax()]
        rows.append({"variant": v, "steps": int(g.step.max()), **{c: last.loc[c, "acc"] for c in classes},
                     f"best {classes[-1]}": best.acc, "at step": int(best.step), "minutes": g.wall_s.max() / 60})
    return pd.DataFrame(rows).set_index("variant")
