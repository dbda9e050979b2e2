"""Emerged is not kept: two verdicts on a capability, read off one run's evaluations.

The paper's claims are about **emergence** (section 4, Fig. 5): when each capability first reaches the bar,
and in which order.  Under a constant learning rate a capability can reach the bar and then fall again, so
this book also asks whether it is **kept**: the lowest of the last ``LAST_K`` evaluations at or above the bar.
A run can have emerged and not kept; each verdict is reported on its own.

Used in: book/04_emergence, book/08_beyond_the_paper, corners.py and scaling.py.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .emergence import REACHED, fmt_acc

LAST_K = 3  # evaluations that the "kept" verdict reads (one last evaluation can pass by luck)


def low_tail(acc: pd.Series, last_k: int = LAST_K) -> float:
    """The lowest of the last ``last_k`` values of an accuracy curve (in step order); NaN with fewer."""
    return acc.iloc[-last_k:].min() if len(acc) >= last_k else np.nan


def emerged_and_kept(table: pd.DataFrame, cls: str, threshold: float = REACHED, last_k: int = LAST_K,
                     measure: str = "acc") -> pd.DataFrame:
    """Per seed of a metrics table (rows of ``metrics.jsonl`` with a ``seed`` column), for class ``cls``: the
    first step at which ``measure`` reached ``threshold`` (NaN: never), the peak and its step, the lowest of the
    last ``last_k`` evaluations (``end``; NaN with fewer evaluations) and the two verdicts in words."""
    rows = {}
    for seed, g in table[table.concept_class == cls].groupby("seed"):
        c = g.sort_values("step")
        hit = c[c[measure] >= threshold]
        first = float(hit.step.iloc[0]) if len(hit) else np.nan
        top = c.loc[c[measure].idxmax()]
        end = low_tail(c[measure], last_k)
        peak = fmt_acc(top[measure], threshold)
        emerged = f"emerged at step {int(first)}" if len(hit) else f"not emerged (peak {peak})"
        if np.isnan(end):
            kept = f"not judged (fewer than {last_k} evaluations)"
        elif end >= threshold:
            kept = f"kept (lowest of the last {last_k} {fmt_acc(end, threshold)})"
        elif len(hit) and first >= c.step.iloc[-last_k]:
            kept = f"not yet held (first reached in the last {last_k}; lowest of them {fmt_acc(end, threshold)})"
        elif len(hit):
            kept = f"lost (lowest of the last {last_k} {fmt_acc(end, threshold)}, after {peak} at step {int(top.step)})"
        else:
            kept = f"never held (lowest of the last {last_k} {fmt_acc(end, threshold)})"
        rows[seed] = dict(first_reach=first, peak=float(top[measure]), peak_step=int(top.step), end=end,
                          emerged=emerged, kept=kept)
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("seed")


def verdict_line(frame: pd.DataFrame) -> str:
    """``emerged_and_kept``'s verdicts as one line a page can glue: "seed 0: emerged at step 480, kept (...)"."""
    return "; ".join(f"seed {s}: {r.emerged}, {r.kept}" for s, r in frame.iterrows())


def count_line(frame: pd.DataFrame, threshold: float = REACHED) -> str:
    """How many seeds emerged and how many of those kept it (``emerged_and_kept`` at ``threshold``), as words."""
    n, em = len(frame), int(frame.first_reach.notna().sum())
    judged = frame[frame.first_reach.notna() & frame.end.notna()]
    return (f"emerged on {em} of {n} seeds; kept on {int((judged.end >= threshold).sum())} of the {len(judged)} "
            "that emerged and were judged")


def fade_table(run, cls: str) -> pd.DataFrame:
    """What ``cls`` is drawn as at every evaluation of ``run``, read from its stored grids (``grid_k`` samples
    each): the measured object radius (px, median of the objects found; 0 where none is) and the share of
    specks or empty canvases (``tiny``), one row per step."""
    from .measure import measure
    rows = []
    for step in run.sample_steps():
        smp = run.samples(step)
        m = measure(smp["grid"][smp["classes"].index(cls)], len(cls), run.cfg.train.render_config())
        rows.append({"step": step, "radius": float(np.nanmedian(m.radius)) if np.isfinite(m.radius).any() else 0.0,
                     "tiny": float(np.isin(m.reason, ("speck", "empty")).mean())})
    return pd.DataFrame(rows).set_index("step")


def fade_account(tab: pd.DataFrame, peak_step: int) -> str:
    """A test of one account of a far class that emerged and was lost: it is drawn smaller and smaller until the
    evaluator rejects it (specks, empty canvases).  On a ``fade_table``: supported when the radius over the last
    ``LAST_K`` evaluations is below the peak's by more than a pixel and specks or empty canvases rise by more
    than 0.2; refuted when neither moves that much; else not settled.  Returns the verdict with its numbers."""
    peak, end = tab.loc[[s for s in tab.index if s == peak_step]], tab.iloc[-LAST_K:]
    dr, dt = peak.radius.mean() - end.radius.mean(), end.tiny.mean() - peak.tiny.mean()
    words = (f"radius {peak.radius.mean():.1f} px at the peak, {end.radius.mean():.1f} px over the last {LAST_K}; "
             f"specks or empty canvases {peak.tiny.mean():.0%} → {end.tiny.mean():.0%}")
    return f"{_both_or_neither(dr > 1, dt > 0.2)} ({words})"


def _both_or_neither(a: bool, b: bool) -> str:
    """The rule both fading accounts state: supported when both of its signs moved, refuted when neither did."""
    return "supported" if a and b else "refuted" if not (a or b) else "not settled"


def drift_account(curve: pd.DataFrame, peak_step: int, rise: float = 0.1, between: float = 0.2) -> str:
    """A second account of a lost far class: its shape drifts from a triangle toward a circle, into the
    in-between shapes the evaluator cannot call (``measure.BETWEEN``).  On the far class's metrics rows (one per
    evaluation, with ``skew_q50`` and ``shape_between``): supported when the median skewness over the last
    ``LAST_K`` evaluations is above the peak's by more than ``rise`` (toward a circle's 0) and the share in
    between rises by more than ``between``; refuted when neither moves that much; else not settled."""
    c = curve.sort_values("step").set_index("step")
    peak, end = c.loc[[peak_step]], c.iloc[-LAST_K:]
    dq, db = end.skew_q50.mean() - peak.skew_q50.mean(), end.shape_between.mean() - peak.shape_between.mean()
    words = (f"median skewness {peak.skew_q50.mean():.2f} at the peak, {end.skew_q50.mean():.2f} over the last "
             f"{LAST_K}; in between {peak.shape_between.mean():.0%} → {end.shape_between.mean():.0%}")
    return f"{_both_or_neither(dq > rise, db > between)} ({words})"
