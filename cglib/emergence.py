"""Reading emergence off a run's metrics: when each distance group first reaches an accuracy, where
each class's samples sit in concept space, and a record's runs read back as one table (``record_frame``).

Paper: section 4, Figs. 5 and 6.
Used in: book/04_emergence.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .concepts import class_values, variables
from .onsets import onset_order


#: A class counts as generated ("reached") when its accuracy is at least this (chapters 4, 5 and 7 use it).
REACHED = 0.8


def first_reach(table: pd.DataFrame, threshold: float = REACHED, measure: str = "acc", per_seed: bool = False):
    """Per concept distance: the first step at which *every* class of that distance reached ``threshold``
    (averaged over seeds if a ``seed`` column is present); NaN if never.

    With ``per_seed`` a DataFrame: one row per seed, one column per distance, and ``in order`` (every
    distance reached, each no earlier than the one before: Fig. 5's order)."""
    if per_seed:
        rows = {s: first_reach(g, threshold, measure) for s, g in table.groupby("seed")}
        out = pd.DataFrame(rows).T
        out.columns = [f"distance {d}" for d in out.columns]
        out["in order"] = [fig5_order(rows[s]) == "in order" for s in out.index]
        out.index.name = "seed"
        return out
    mean = table.groupby(["distance", "concept_class", "step"])[measure].mean().reset_index()
    worst = mean.groupby(["distance", "step"])[measure].min().reset_index()
    out = {}
    for d, g in worst.groupby("distance"):
        hit = g[g[measure] >= threshold]
        out[int(d)] = int(hit.step.iloc[0]) if len(hit) else np.nan
    return pd.Series(out, name=f"first step with {measure} >= {threshold}")


def fig5_order(reach: pd.Series) -> str:
    """Fig. 5's order read off the first step each distance group reached the bar (``first_reach`` of one
    seed): ``in order`` (no group before a nearer one; a shared evaluation counts as in order here),
    ``not reached: distance k, ...`` or ``out of order: distance b before distance a``."""
    never = [f"distance {d}" for d, s in reach.items() if np.isnan(s)]
    if never:
        return "not reached: " + ", ".join(never)
    wrong = [f"distance {b} before distance {a}" for (a, sa), (b, sb) in zip(reach.items(), list(reach.items())[1:])
             if sb < sa]
    return "out of order: " + "; ".join(wrong) if wrong else "in order"


def emergence_order(table: pd.DataFrame, threshold: float = REACHED, n_samples: int = 40, z: float = 2.0) -> pd.DataFrame:
    """Per seed, does Fig. 5's order show, judged as chapter 5 judges onsets (``onsets.onset_order``)?

    Each distance group's onset is its first evaluation with every class at ``threshold`` or more.  For
    each pair of consecutive distances the later group must reach it at a later evaluation, *and* at the
    earlier onset be more than ``z`` standard errors (of an accuracy at ``threshold`` on ``n_samples``
    samples) below it; a shared evaluation or a gap within noise is "not resolved": at that evaluation
    interval and sample count the order is not shown.  Returns one row per seed: each distance's onset
    step (NaN: never), one column per pair (``earlier`` / ``same evaluation`` / ``within noise`` /
    ``later``), and ``verdict``: ``in order``, ``not resolved: ...``, ``out of order: ...`` or
    ``not reached: ...``."""
    rows = {}
    for s, g in table.groupby("seed") if "seed" in table else [(0, table)]:
        groups = {int(d): sorted(gd.concept_class.unique()) for d, gd in g.groupby("distance")}
        ds = sorted(groups)
        row, unresolved, wrong = {}, [], []
        for a, b in zip(ds, ds[1:]):
            o = onset_order((g, groups[a]), (g, groups[b]), threshold, n_samples, z, x="step")
            row[f"distance {a}"], row[f"distance {b}"] = o["first"], o["second"]
            label = {"same": "same evaluation"}.get(o["order"], o["order"])
            row[f"{a} before {b}"] = label
            if label == "later":
                wrong.append(f"distance {b} before distance {a}")
            elif label != "earlier" and not pd.isna(o["first"]):  # reached, but not apart
                at = "never" if pd.isna(o["at"]) else f"step {int(o['at'])}"
                unresolved.append(f"distance {a} and {b} " + ("first reach it at the same evaluation (" + at + ")"
                                  if label == "same evaluation" else f"differ within sampling noise at {at}"))
        never = [f"distance {d}" for d in ds if pd.isna(row.get(f"distance {d}", np.nan))]
        if wrong:
            row["verdict"] = "out of order: " + "; ".join(wrong)
        elif never:
            row["verdict"] = "not reached: " + ", ".join(never) + ("; " + "; ".join(unresolved) if unresolved else "")
        elif unresolved:
            row["verdict"] = "not resolved: " + "; ".join(unresolved)
        else:
            row["verdict"] = "in order"
        rows[s] = row
    out = pd.DataFrame(rows).T
    out.index.name = "seed"
    return out


def probe_space(table: pd.DataFrame, source: str = "measured") -> pd.DataFrame:
    """Where each class's samples sit in concept space at each evaluation (Fig. 5a): per variable, the
    fraction of the samples *that were read* which show value 1, plus ``read`` (the fraction of samples
    read at all).  With ``source="measured"`` a rejected sample has no values, so it is left out of the
    position (an evaluation whose samples were all rejected has no position: NaN) instead of counting
    as the wrong value of every variable; ``read`` reports how many were left out.  The probes
    (``source="probe"``) read every sample."""
    rows = []
    for _, r in table.iterrows():
        c = r["concept_class"]
        read = 1 - r["reject_rate"] if source == "measured" else 1.0
        pos = {}
        for v, want in zip(variables(len(c)), class_values(c)):
            if source == "measured":  # measured_<v>: right among all samples; / read: among those read
                acc = r[f"measured_{v.name}"] / read if read > 0 else np.nan
            else:
                acc = r[f"acc_{v.name}"]
            pos[v.name] = acc if want == 1 else 1 - acc
        rows.append({"concept_class": c, "step": r["step"], "distance": r["distance"], "read": read, **pos})
    return pd.DataFrame(rows)


def per_seed_final(table: pd.DataFrame, measure: str = "acc") -> pd.DataFrame:
    """``measure`` at each seed's last evaluation: one row per class, one column per seed."""
    last = table[table.step == table.groupby("seed").step.transform("max")]
    return last.pivot_table(index="concept_class", columns="seed", values=measure)


def hidden_capability(table: pd.DataFrame, cls: str, threshold: float = REACHED) -> pd.DataFrame | None:
    """Per seed, the first step at which class ``cls`` reached ``threshold`` under plain prompting and under
    overprompting (``acc_over``: the best of the run's prompt strengths, a selection), and what the two say
    together (``reading``: a hidden capability when overprompting gets there first or alone); ``None`` if the
    runs were not overprompted."""
    g = table[table.concept_class == cls]
    if "acc_over" not in g or g.acc_over.isna().all():
        return None

    def first(gs, col):
        hit = gs[gs[col] >= threshold]
        return int(hit.step.min()) if len(hit) else None

    def reading(plain, over):
        if plain is None and over is None:
            return "neither reaches it"
        if plain is None:
            return "only overprompting reaches it (hidden)"
        if over is None:
            return "only plain prompting reaches it"
        return "overprompting earlier (hidden)" if over < plain else (
            "the same step" if over == plain else "overprompting later")

    def step(x):
        return "never" if x is None else f"step {x}"

    rows = {}
    for s, gs in g.sort_values("step").groupby("seed"):
        p, o = first(gs, "acc"), first(gs, "acc_over")
        rows[s] = {"plain": step(p), "over": step(o), "final plain": gs.acc.iloc[-1],
                   "final over": gs.acc_over.iloc[-1], "reading": reading(p, o)}
    out = pd.DataFrame(rows).T
    out.index.name = "seed"
    return out


def fmt_acc(acc: float, bar: float = REACHED) -> str:
    """An accuracy with two decimals, or three where two would round it onto the other side of ``bar``
    (0.795 against a bar of 0.8 is "0.795", not "0.80")."""
    two = f"{acc:.2f}"
    return f"{acc:.3f}" if (float(two) >= bar) != (acc >= bar) else two


def additive_measured(table: pd.DataFrame) -> pd.Series:
    """The additive measure (Fig. 6) on the analytic evaluator: the mean of measured per-variable accuracies."""
    cols = [c for c in table.columns if c.startswith("measured_")]
    return table[cols].mean(axis=1)


def measure_crossings(table: pd.DataFrame, cls: str, level: float = REACHED) -> pd.DataFrame:
    """Fig. 6's contrast as numbers: per seed, the first step at which ``cls``'s additive measure (the mean
    of the per-variable accuracies), its multiplicative one (all variables right in one sample) and its
    weakest variable reach ``level`` (NaN: never), and ``lag``, the multiplicative step minus the
    additive one.  A lag of zero means the two rose together at this evaluation interval: the paper's
    "deceptively smooth" additive curve (section 4, Fig. 6a) is then not shown."""
    g = table[table.concept_class == cls].assign(additive=lambda d: additive_measured(d))
    g = g.assign(weakest=g[[c for c in g.columns if c.startswith("measured_")]].min(axis=1))
    rows = {}
    for s, gs in g.sort_values("step").groupby("seed") if "seed" in g else [(0, g.sort_values("step"))]:
        first = {m: (gs.step[gs[m] >= level].iloc[0] if (gs[m] >= level).any() else np.nan)
                 for m in ("additive", "acc", "weakest")}
        rows[s] = {"additive": first["additive"], "multiplicative": first["acc"],
                   "weakest variable": first["weakest"], "lag": first["acc"] - first["additive"]}
    out = pd.DataFrame(rows).T
    out.index.name = "seed"
    return out


def record_frame(rec: dict) -> pd.DataFrame:
    """A search record (``{"what", "runs": [{"name", "metrics"}, ...]}``) as one table with a ``variant`` column."""
    frames = []
    for r in rec["runs"]:
        if r["metrics"]:
            f = pd.DataFrame(r["metrics"])
            f["variant"] = r.get("name") or "_".join([r["candidate"], *([r["corner"]] if "corner" in r else []),
                                                      f"s{r['seed']}"])
            if "seed" in r:
                f["seed"], f["candidate"] = r["seed"], r["candidate"]
            for k in ("run_id", "finished", "n_final", "corner"):
                if k in r:
                    f[k] = r[k]
            frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    out.attrs["what"] = rec["what"]
    return out


