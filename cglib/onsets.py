"""Onsets: where a group of classes first reaches the bar, whether it stays, and which group is first.

Paper: section 4.1 (Fig. 8's critical counts and "learns the colour concept after ... 10 samples") and
section 4 (Fig. 5's order of emergence, judged per seed in ``emergence.emergence_order``).  The tables are
``sweep.sweep_table`` rows or a run's metrics, with the swept quantity (``count``, ``step``) as a column.

Used in: book/05_frequency, emergence.py.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd


def _worst(table: pd.DataFrame, classes, x: str, measure: str) -> pd.Series:
    classes = list(classes)
    sub = table[table.concept_class.isin(classes)]
    if sub.empty:
        raise ValueError(f"no rows for classes {classes}; the table has {sorted(table.concept_class.unique())}")
    return sub.groupby([x, "concept_class"])[measure].mean().groupby(level=0).min().sort_index()


def onset_count(table: pd.DataFrame, classes, x: str = "count", threshold: float = 0.8,
                measure: str = "acc") -> float:
    """The smallest value of ``x`` at which every class in ``classes`` has ``measure >= threshold``,
    whatever happens at larger values (the paper's "learns the colour concept after ... 10 samples",
    section 4.1); NaN if no swept value reaches it.  ``critical_count`` also asks that it stays."""
    worst = _worst(table, classes, x, measure)
    ok = worst[worst >= threshold]
    return float(ok.index[0]) if len(ok) else math.nan


def onset_order(first, second, threshold: float = 0.8, n_samples: int = 200, z: float = 2.0,
                x: str = "count", measure: str = "acc") -> dict:
    """Which of two groups of classes first reaches ``threshold`` at a smaller ``x``, and is the gap more
    than sampling noise?  (The paper's Fig. 8 claims compare such onsets, section 4.1.)

    ``first`` and ``second`` are ``(table, classes)`` pairs (``sweep_table`` rows; the two tables may be
    different sweeps over the same grid).  Returns a dict with ``first`` and ``second`` (each group's
    ``onset_count``, NaN if never), ``at`` (the earlier onset), ``lagging`` (the worst accuracy of the
    other group there), ``margin`` (``z`` standard errors of an accuracy at the threshold,
    ``z * sqrt(t (1 - t) / n_samples)``) and ``order``:

    - ``"earlier"`` / ``"later"``: ``first`` reaches it at a smaller / larger count, and at that count the
      lagging group is more than ``margin`` below the threshold;
    - ``"within noise"``: the onsets differ, but the lagging group is within ``margin`` below the
      threshold at the earlier one, so another draw of ``n_samples`` samples could swap them;
    - ``"same"``: both first reach it at the same count, or neither ever does.
    """
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must lie strictly between 0 and 1, got {threshold}")
    if n_samples < 1:
        raise ValueError(f"n_samples must be at least 1 (samples per class behind each accuracy), got {n_samples}")
    (ta, ca), (tb, cb) = first, second
    a = onset_count(ta, ca, x, threshold, measure)
    b = onset_count(tb, cb, x, threshold, measure)
    margin = z * math.sqrt(threshold * (1 - threshold) / n_samples)
    out = {"first": a, "second": b, "at": math.nan, "lagging": math.nan, "margin": margin}
    inf = math.inf
    ka, kb = (inf if v != v else v for v in (a, b))
    if ka == kb:
        return {**out, "order": "same", "at": a}
    at, (tl, cl) = (ka, second) if ka < kb else (kb, first)
    worst = _worst(tl, cl, x, measure)
    lag = float(worst.get(at, 0.0))  # a group with no point at that count has not reached it there
    order = ("earlier" if ka < kb else "later") if lag < threshold - margin else "within noise"
    return {**out, "order": order, "at": at, "lagging": lag}


def critical_count(table: pd.DataFrame, classes, x: str = "count", threshold: float = 0.8,
                   measure: str = "acc") -> float:
    """The smallest value of ``x`` from which on (at it and at every larger swept value) every class in
    ``classes`` has ``measure >= threshold``; NaN if the largest value does not reach it either.

    ``table`` has one row per point and class (``sweep_table``); several rows of one point and class
    (e.g. seeds) are averaged.
    """
    worst = _worst(table, classes, x, measure)
    ok = (worst >= threshold).to_numpy()
    if not ok[-1]:
        return math.nan
    first_bad_from_end = np.where(~ok)[0]
    i = first_bad_from_end[-1] + 1 if len(first_bad_from_end) else 0
    return float(worst.index[i])
