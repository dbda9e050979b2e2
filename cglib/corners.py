"""The corners of the concept cube a training set can sit at, and how one run is read from its corner.

The concept graph has no preferred corner.  The book trains from the minimal set {000, 100, 010, 001}
(section 3.1) and from its mirror {111, 011, 101, 110} (every value flipped), where the theory predicts the
same order of emergence; chapter 8 adds the two other corners of shape and size (``PROBE_CORNERS``).  Each
has a far class (``far_class``), a concept signal per step (``contrasts``), and a reading of its runs
(``corner_summary``: the far class at the last evaluation and the lowest of the last ``LAST_K``, Fig. 5's
order) with a one-word outcome (``corner_outcome``).  The corner search's verdicts built on these live in
``recipe_search/verdicts.py``.

Used in: book/08_beyond_the_paper, book/01_concept_graphs, book/research_log, plots.py.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .concepts import PRESETS, distances, mirror
from .emergence import REACHED, emergence_order, fig5_order, first_reach
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


def corner_outcome(finals) -> str:
    """``composes`` when the far class's mean over seeds is at ``REACHED`` or more, ``fails`` below half of
    it, ``partly`` in between (``finals``: the far class's accuracy per seed)."""
    m = float(np.mean(finals))
    return "composes" if m >= REACHED else "fails" if m < REACHED / 2 else "partly"


