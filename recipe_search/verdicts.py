"""The verdict rules of the recipe searches: a seed search judged on three seeds (``seed_search_verdict``,
``chosen_candidate``) and the corner search judged on both corners and three seeds (``corner_verdict``,
``best_candidate``), with the probe corners' test of the accounts of why the mirrored set fails
(``ACCOUNTS``, ``probe_verdict``).

The rows they read are ``cglib.emergence.record_frame`` frames of the records in ``recipe_search/results``;
one run's own reading (``cglib.corners.corner_summary``, ``cglib.retention``) stays in the library.
Used in: book/research_log, recipe_search/seed_search.py, benchmarks/readme.py.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from cglib.corners import ALL_CORNERS, CORNERS, corner_outcome, far_class, steps
from cglib.data import check_counts
from cglib.emergence import REACHED, fmt_acc, record_frame
from cglib.retention import LAST_K, low_tail


def seed_search_summary(search: pd.DataFrame, cls: str = "111") -> pd.DataFrame:
    """A seed-search record (``recorded_sweep`` of ``recipe_search/seed_search.py``'s output) as one row per
    candidate and seed: last step, accuracy of the distance-1 classes and of ``cls`` there, ``cls``'s
    rejections and per-variable accuracies, and its best plain and overprompted accuracy at any step."""
    rows = []
    for (cand, seed), g in search.groupby(["candidate", "seed"], sort=False):
        last = g[g.step == g.step.max()].set_index("concept_class")
        far = g[g.concept_class == cls]
        row = {"candidate": cand, "seed": seed, "step": int(g.step.max()),
               "finished": bool(g["finished"].iloc[0]) if "finished" in g else True,
               **{c: last.loc[c, "acc"] for c in last.index if last.loc[c, "distance"] >= 1},
               f"reject {cls}": last.loc[cls, "reject_rate"],
               **{f"{cls} {v}": last.loc[cls, f"measured_{v}"] for v in ("shape", "color", "size")},
               f"best {cls}": far.acc.max()}
        if "acc_over" in far:
            row[f"best over {cls}"] = far.acc_over.max()
        rows.append(row)
    return pd.DataFrame(rows).set_index(["candidate", "seed"])


def seed_search_verdict(summary: pd.DataFrame, seeds=(0, 1, 2), cls: str = "111",
                        reached: float = REACHED) -> pd.DataFrame:
    """Per candidate of ``seed_search_summary``: ``fails`` as soon as one *finished* seed ends with ``cls``
    below ``reached`` (the bar is "on every seed", so no later seed can save it: the search stops such a
    candidate); ``passes`` when every seed of ``seeds`` finished at ``reached`` or more; otherwise
    ``incomplete``.  ``worst`` is the lowest final ``cls`` over finished seeds.  ``chosen_candidate`` picks
    the recipe from this table."""
    rows = []
    for cand, g in summary.groupby(level=0, sort=False):
        g = g.droplevel(0)
        done = g[g.finished]
        short = done[done[cls] < reached]
        if len(short):
            verdict = "fails: " + ", ".join(f"seed {s} ends at {fmt_acc(a, reached)}" for s, a in short[cls].items())
        elif all(s in done.index for s in seeds):
            verdict = "passes"
        else:
            verdict = "incomplete: seeds " + ", ".join(str(s) for s in seeds if s not in done.index) + " not finished"
        rows.append({"candidate": cand, "finished seeds": len(done),
                     "worst": done[cls].min() if len(done) else np.nan, "verdict": verdict})
    return pd.DataFrame(rows).set_index("candidate")


def chosen_candidate(verdict: pd.DataFrame) -> tuple[str, float, str]:
    """The rule that made the `cpu` preset, on a ``seed_search_verdict`` table: among the candidates that
    pass, the one with the best worst seed; if none passes, among the candidates finished on the most
    seeds, the one with the best worst seed.  Returns (candidate, its worst final, which pool it came
    from: ``"passing"`` or ``"none passes: finished on N seeds"``).  Used by chapter 4 and
    ``recipe_search/seed_search.py`` (section 4 of the paper judges one run; the book judges three seeds)."""
    if not len(verdict):
        raise ValueError("no candidate in the verdict table: the seed search record holds no runs")
    passing = verdict[verdict.verdict == "passes"]
    if len(passing):
        pool, why = passing, "passing"
    else:
        most = verdict["finished seeds"].max()
        pool, why = verdict[verdict["finished seeds"] == most], f"none passes: finished on {most} seeds"
    pool = pool[pool.worst.notna()]
    if not len(pool):
        raise ValueError("no candidate has a finished seed: nothing to choose from")
    return str(pool.worst.idxmax()), float(pool.worst.max()), why


def passing_steps(search: pd.DataFrame, candidate: str, cls: str = "111", threshold: float = REACHED) -> pd.DataFrame:
    """``cls``'s accuracy at every evaluation step of ``candidate`` in a seed-search frame
    (``recorded_sweep``), one column per seed, and ``all``: every seed at ``threshold`` or more there.

    With a constant learning rate and batches drawn independently of the budget, the evaluation at step
    ``k`` is what a run stopped at ``k`` would have been evaluated on (on fewer samples than a finished
    run's last evaluation), so the ``all`` rows are the budgets at which the candidate would have passed
    on every seed: issue 13's "smallest budget at which all three seeds pass", read off the curves."""
    sub = search[(search.candidate == candidate) & (search.concept_class == cls)]
    if sub.empty:
        raise ValueError(f"no {cls} rows for candidate {candidate!r}; the record has "
                         f"{sorted(search.candidate.unique())}")
    tab = sub.pivot_table(index="step", columns="seed", values="acc").dropna()
    tab["all"] = (tab >= threshold).all(axis=1)
    return tab


def recorded_sweep(path: str | Path) -> pd.DataFrame:
    """A recorded search read from ``path`` (a JSON record in ``recipe_search/results/``, e.g. the H100 sweep
    of ``benchmarks/sweep_recipes.py`` or the CPU trials of ``benchmarks/cpu_trials.py``): every variant's
    metrics, one row per evaluation and class, with a ``variant`` column; ``attrs["what"]`` says how it
    was recorded."""
    return record_frame(json.loads(Path(path).read_text()))


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



def step_counts(train_classes, weights: dict, total: int = 5000) -> tuple:
    """Training counts for a star-shaped set with the neighbour along each variable named in ``weights``
    shown that many times as often as the origin and the other neighbours (section 4.3's lever, the data
    frequency of a concept): ``{"shape": 2}`` from the mirrored set gives ``011`` 2000 of 5000 images and
    the other three 1000 each.  As ``TrainConfig.counts``, sorted ((class, count), ...)."""
    origin, step = steps(train_classes)
    unknown = sorted(set(weights) - set(step))
    if unknown or any(not isinstance(w, (int, float)) or isinstance(w, bool) or w <= 0 for w in weights.values()):
        raise ValueError(f"step weights {weights!r}: give positive numbers for variables of {', '.join(step)}")
    w = {origin: 1.0, **{c: float(weights.get(name, 1.0)) for name, c in step.items()}}
    k = {c: int(round(total * v / sum(w.values()))) for c, v in w.items()}
    k[origin] += total - sum(k.values())
    return tuple(sorted(check_counts(k).items()))


def corner_of(train_classes) -> str:
    """The name in ``ALL_CORNERS`` of a training set (``"other"`` if it is neither corner)."""
    return next((k for k, v in ALL_CORNERS.items() if set(v) == set(train_classes)), "other")


def judged(summary: pd.DataFrame, last_k: int = LAST_K) -> pd.DataFrame:
    """The runs of ``corner_summary`` that can be judged: those with at least ``last_k`` evaluations."""
    return summary[summary[f"last {last_k} min"].notna()]


def corner_verdict(summary: pd.DataFrame, seeds=(0, 1, 2), corners=tuple(CORNERS), reached: float = REACHED,
                   last_k: int = LAST_K) -> pd.DataFrame:
    """Per candidate of ``corner_summary``: ``passes`` when every (corner, seed) run finished with its far
    class at ``reached`` or more at each of its last ``last_k`` evaluations and in Fig. 5's order;
    ``fails`` as soon as one finished run falls short (naming the runs and why); a candidate whose short
    runs are all unfinished ``fails the screen``, one whose unfinished runs all hold the bar so far
    ``passes the screen``; runs not trained, or stopped before their ``last_k``-th evaluation, leave it
    ``incomplete``.  ``worst`` is the lowest last-``last_k`` minimum over the runs it has."""
    col = f"last {last_k} min"
    rows = []
    summary = summary[summary.index.get_level_values("corner").isin(corners)]  # probe corners judge no recipe
    for cand, g in summary.groupby(level=0, sort=False):
        g = g.droplevel(0)
        ok = judged(g, last_k)  # the others have fewer than last_k evaluations so far: not judged yet
        short = ok[(ok[col] < reached) | (ok.order != "in order")]
        why = [f"{c} seed {s} {'' if r.finished else f'(screen, step {r.step}) '}"
               + (f"{r.far} {fmt_acc(r[col], reached)}" if r[col] < reached else f"{r.far} held, but {r.order}")
               for (c, s), r in short.iterrows()]
        missing = [f"{c} seed {s} " + (f"(fewer than {last_k} evaluations)" if (c, s) in g.index else "(not trained)")
                   for c in corners for s in seeds if (c, s) not in ok.index]
        if len(short[short.finished]):
            verdict = "fails: " + "; ".join(why)
        elif len(short):
            verdict = "fails the screen: " + "; ".join(why)
        elif missing:
            verdict = "incomplete: " + ", ".join(missing)
        elif not g.finished.all():
            verdict = f"passes the screen (at step {int(g.step.min())} or later)"
        else:
            verdict = "passes"
        rows.append({"candidate": cand, "runs": len(ok), "finished": int(g.finished.sum()),
                     "worst": g[col].min(), "verdict": verdict})
    return pd.DataFrame(rows).set_index("candidate")


def best_candidate(summary: pd.DataFrame, seeds=(0, 1, 2), corners=tuple(CORNERS),
                   last_k: int = LAST_K) -> tuple[str, float, float] | None:
    """The best candidate of ``corner_summary`` among those judged on every corner and seed: the highest
    worst-run far-class accuracy (the lowest of its last ``last_k`` evaluations, the least over the six
    runs), ties broken by the mean over them.  Returns (candidate, worst, mean), or None when no candidate
    has all its runs judged."""
    col = f"last {last_k} min"
    scores = []
    summary = summary[summary.index.get_level_values("corner").isin(corners)]
    for cand, g in judged(summary, last_k).groupby(level=0, sort=False):
        g = g.droplevel(0)
        if all((c, s) in g.index for c in corners for s in seeds):
            scores.append((float(g[col].min()), float(g[col].mean()), cand))
    if not scores:
        return None
    worst, mean, cand = max(scores)
    return cand, worst, mean


def tail_min(frame: pd.DataFrame, cls: str, last_k: int = LAST_K) -> pd.Series:
    """Per (candidate, corner, seed) of a corner-search record frame, the lowest accuracy of class ``cls`` at
    its last ``last_k`` evaluations (NaN where a run has fewer)."""
    g = frame[frame.concept_class == cls].sort_values("step").groupby(["candidate", "corner", "seed"], sort=False).acc
    return g.apply(low_tail, last_k=last_k)


def peak_and_end(frame: pd.DataFrame, candidate: str, last_k: int = LAST_K) -> pd.DataFrame:
    """Per (corner, seed) run of ``candidate`` in a corner-search record frame: its far class, the far class's
    highest accuracy over training and the step of it, the lowest of its last ``last_k`` evaluations
    (``end``) and the last step.  A run whose end is more than the noise (0.1) below its peak composed and
    then lost it (the cosine schedule's test, book/04_emergence)."""
    rows = {}
    for (corner, seed), g in frame[frame.candidate == candidate].groupby(["corner", "seed"], sort=False):
        far = far_class(sorted(set(g[g.in_train.astype(bool)].concept_class)))
        c = g[g.concept_class == far].sort_values("step")
        top = c.loc[c.acc.idxmax()]
        rows[(corner, seed)] = dict(far=far, peak=top.acc, peak_step=int(top.step),
                                    end=low_tail(c.acc, last_k=last_k), step=int(c.step.max()),
                                    finished=bool(c.finished.iloc[-1]) if "finished" in c else False)
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(["corner", "seed"])


def lifts(frame: pd.DataFrame, before: str, after: str, cls: str, corner: str = "mirrored", noise: float = 0.1,
          last_k: int = LAST_K) -> tuple[str, pd.DataFrame] | None:
    """Whether candidate ``after`` lifts class ``cls`` from ``corner`` above candidate ``before`` (a record
    frame, ``emergence.record_frame``): per seed that both were judged on, the lowest of the last ``last_k``
    evaluations of each up to the last step both runs reached (a confirmed run against a screen is read at
    the screen's budget), and the rise.  "supported" when it rises by more than ``noise`` (about the 40-sample
    noise) on every seed, "refuted" when the mean rise is below it, else "not settled".  Returns (verdict,
    table with columns before, after, rise), or None if either side has no judged run there."""
    f = frame[(frame.corner == corner) & frame.candidate.isin([before, after])]
    common = f.groupby(["seed", "candidate"]).step.max().groupby("seed").min()  # the last step both reached
    f = f[f.step <= f.seed.map(common)]
    low = tail_min(f, cls, last_k).dropna()
    have = set(low.index.get_level_values("candidate"))
    if not {before, after} <= have:
        return None
    pair = pd.DataFrame({k: low.xs((c, corner), level=["candidate", "corner"]) for k, c in
                         (("before", before), ("after", after))}).dropna()
    pair["rise"] = pair["after"] - pair["before"]
    verdict = ("supported" if len(pair) and (pair.rise > noise).all() else
               "refuted" if pair.rise.mean() < noise else "not settled")
    return verdict, pair


#: Accounts of why the mirrored set fails and the minimal set composes, with what each predicts for the probe
#: corners (True: the far class composes there).  In the minimal set the triangle, seen only large, is drawn
#: small; in the mirrored set the circle, seen only small, must be drawn large.  From ``small_circle`` the
#: triangle must be drawn large; from ``large_triangle`` the circle must be drawn small.  In every star-shaped
#: set the origin's size is the opposite of the far class's, so "growing" and "a small origin" are one account.
ACCOUNTS = {
    "the circle at a size it was never drawn at (a circle's curvature changes with its size; a triangle's "
    "straight edges and corners look the same at every size)": {"small_circle": True, "large_triangle": False},
    "drawing an object larger than it was seen (equivalently: a small origin, whose steps change few pixels)":
        {"small_circle": False, "large_triangle": True},
    "only the large circle (growing, and a circle)": {"small_circle": True, "large_triangle": True},
}


def probe_verdict(summary: pd.DataFrame, candidate: str = "base", col: str = "final") -> tuple[dict, dict]:
    """The probe corners' test of ``ACCOUNTS`` from ``corner_summary`` rows of ``candidate``: (outcome per
    corner trained, from ``col`` of its seeds; verdict per account: ``supported`` when every prediction it
    makes for a probe corner was seen, ``refuted`` when a corner it says composes fails or one it says fails
    composes, ``not settled`` otherwise or when a probe corner was not trained)."""
    g = summary.loc[candidate]
    outcome = {c: corner_outcome(g.xs(c, level="corner")[col]) for c in g.index.unique("corner")}
    verdict = {}
    for account, pred in ACCOUNTS.items():
        seen = [(outcome[c], want) for c, want in pred.items() if c in outcome]
        if len(seen) < len(pred):
            verdict[account] = "not settled (a probe corner was not trained)"
        elif any(o == ("fails" if want else "composes") for o, want in seen):
            verdict[account] = "refuted"
        elif all(o == ("composes" if want else "fails") for o, want in seen):
            verdict[account] = "supported"
        else:
            verdict[account] = "not settled"
    return outcome, verdict
