"""Both corners of the concept cube: a recipe judged from the minimal training set and from its mirror.

The concept graph has no preferred corner.  The book trains from the minimal set {000, 100, 010, 001}
(section 3.1) and from its mirror {111, 011, 101, 110} (every value flipped), where the theory predicts the
same order of emergence.  A recipe passes only when, on each corner and each of seeds 0, 1 and 2, the far
class (``111``, ``000``) is at ``REACHED`` or more at each of its run's last ``LAST_K`` evaluations (a
capability comes and goes under a constant learning rate, so one last evaluation is not enough) and no
distance group reaches the bar before a nearer one (Fig. 5's order).  A run stopped early (a screen) is
read the same way at the step it reached, and its verdict says it is a screen.

Used in: benchmarks/corner_search.py, book/04_emergence and book/research_log (through ``cglib.records``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .concepts import PRESETS, distances, mirror
from .emergence import REACHED, emergence_order, fig5_order, first_reach, fmt_acc
from .retention import LAST_K, low_tail  # a far class held at the bar over the last LAST_K evaluations

#: The two training sets every recipe is judged from, by name.
CORNERS = {"minimal": PRESETS["minimal"], "mirrored": mirror(PRESETS["minimal"])}


def star(origin: str) -> tuple[str, ...]:
    """The star-shaped training set at ``origin``: the origin and its neighbour along each variable (the
    minimal set is ``star("000")``, its mirror ``star("111")``)."""
    flip = {"0": "1", "1": "0"}
    return (origin, *(origin[:j] + flip[origin[j]] + origin[j + 1:] for j in range(len(origin))))


#: The other two corners of shape and size, trained only to ask why the mirrored set fails (issue 24): from
#: ``001`` (small red circle) the triangle is seen only small and must be drawn large (far class ``110``);
#: from ``110`` (large blue triangle) the circle is seen only large and must be drawn small (far ``001``).
PROBE_CORNERS = {"small_circle": star("001"), "large_triangle": star("110")}
#: Every named training set: the book's two corners and the probe corners.
ALL_CORNERS = {**CORNERS, **PROBE_CORNERS}


def far_class(train_classes) -> str:
    """The class furthest from a training set (``111`` from the minimal set, ``000`` from the mirrored)."""
    dist = distances(train_classes)
    return max(dist, key=lambda c: (dist[c], c))


def steps(train_classes) -> tuple[str, dict[str, str]]:
    """A star-shaped training set (an origin class and one neighbour per variable, as both corners are) as
    (origin, {variable name: the neighbour that differs from the origin in it})."""
    from .concepts import concept_distance, variables
    train = list(train_classes)
    origin = next((o for o in train if all(concept_distance(o, c) == 1 for c in train if c != o)), None)
    if origin is None or len(train) != len(origin) + 1:
        raise ValueError(f"training set {train} is not an origin class with one neighbour per variable")
    names = [v.name for v in variables(len(origin))]
    return origin, {names[next(i for i, (x, y) in enumerate(zip(origin, c)) if x != y)]: c for c in train if c != origin}


def contrasts(train_classes, cfg=None, n: int = 400) -> dict[str, tuple[str, str, float]]:
    """How strongly a star-shaped training set shows each concept variable: per variable name, (origin,
    neighbour, the step's concept signal in pixels, ``render.contrast_signal`` at the render config ``cfg``).
    From the minimal set every step starts at the large circle ``000``; from the mirrored set at the small
    triangle ``111``, the object with the fewest pixels."""
    from .render import RenderConfig, contrast_signal
    origin, step = steps(train_classes)
    return {name: (origin, c, contrast_signal(origin, c, cfg or RenderConfig(), n)) for name, c in step.items()}


def step_counts(train_classes, weights: dict, total: int = 5000) -> tuple:
    """Training counts for a star-shaped set with the neighbour along each variable named in ``weights``
    shown that many times as often as the origin and the other neighbours (section 4.3's lever, the data
    frequency of a concept): ``{"shape": 2}`` from the mirrored set gives ``011`` 2000 of 5000 images and
    the other three 1000 each.  As ``TrainConfig.counts``, sorted ((class, count), ...)."""
    from .data import check_counts
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


def corner_summary(frame: pd.DataFrame, last_k: int = LAST_K) -> pd.DataFrame:
    """One row per (candidate, corner, seed) of a corner-search record (``emergence.record_frame`` of
    ``benchmarks/corner_search.py``'s output): the last step, whether the run finished, its far class, that
    class's accuracy (with rejection) at the last evaluation and the lowest of its last ``last_k``
    evaluations, its rejections and per-variable accuracies (evaluator) at the last, the worst
    distance-1 class there, its best accuracy at any evaluation, Fig. 5's order (``fig5_order``) and
    ``emergence_order``'s verdict (the stricter one that needs the onsets apart by more than sampling noise)."""
    rows = []
    for (cand, corner, seed), g in frame.groupby(["candidate", "corner", "seed"], sort=False):
        train = sorted(g[g.in_train].concept_class.unique())
        far = far_class(train)
        curve = g[g.concept_class == far].sort_values("step")
        last = g[g.step == g.step.max()].set_index("concept_class")
        reach = first_reach(g.assign(seed=seed)).sort_index()  # first step each distance group reaches the bar
        rows.append({"candidate": cand, "corner": corner, "seed": seed, "step": int(g.step.max()),
                     "finished": bool(g["finished"].iloc[0]) if "finished" in g else True, "far": far,
                     "final": last.loc[far, "acc"], f"last {last_k} min": low_tail(curve.acc, last_k),
                     "reject": last.loc[far, "reject_rate"],
                     **{v: last.loc[far, f"measured_{v}"] for v in ("shape", "color", "size")},
                     "worst distance 1": last[last.distance == 1].acc.min(), "best": curve.acc.max(),
                     "order": fig5_order(reach),
                     "order verdict": emergence_order(g.assign(seed=seed))["verdict"].iloc[0]})
    return pd.DataFrame(rows).set_index(["candidate", "corner", "seed"])


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


def run_table(summary: pd.DataFrame, corners=tuple(CORNERS), last_k: int = LAST_K) -> pd.DataFrame:
    """Every candidate of ``corner_summary`` on every run, one row per candidate (in the record's order): per
    (corner, seed), the far class's lowest accuracy at the run's last ``last_k`` evaluations (the verdict's
    number; NaN where a run was not judged), the steps its runs reached (``"960"``, or ``"960-1954"`` when
    they differ) and ``corner_verdict``'s first word(s): ``passes``, ``fails``, ``fails the screen``, ...
    The README's table of the corner search (``benchmarks/readme.py``)."""
    col = f"last {last_k} min"
    summary = summary[summary.index.get_level_values("corner").isin(corners)]
    wide = summary[col].unstack(["corner", "seed"])
    wide = wide.reindex(columns=sorted(wide.columns, key=lambda k: (list(corners).index(k[0]), k[1])))
    wide = wide.reindex(list(dict.fromkeys(summary.index.get_level_values(0))))
    steps = summary.step.groupby(level=0).agg(lambda s: f"{s.min()}" if s.min() == s.max() else f"{s.min()}-{s.max()}")
    verdict = corner_verdict(summary, corners=corners, last_k=last_k).verdict.str.split(":").str[0]
    wide.columns = [f"{c} {far_class(CORNERS[c]) if c in CORNERS else ''} seed {s}" for c, s in wide.columns]
    return wide.assign(steps=steps, verdict=verdict)


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


def corner_outcome(finals) -> str:
    """``composes`` when the far class's mean over seeds is at ``REACHED`` or more, ``fails`` below half of
    it, ``partly`` in between (``finals``: the far class's accuracy per seed)."""
    m = float(np.mean(finals))
    return "composes" if m >= REACHED else "fails" if m < REACHED / 2 else "partly"


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
