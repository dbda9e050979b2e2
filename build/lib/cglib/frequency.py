"""Critical data frequency: sweeps over the count of the one class that carries a concept value.

Paper: section 4.1, Fig. 8.  In the minimal training set {000, 100, 010, 001} the only blue class is
``010`` and the only triangle class is ``100`` (the paper's text names the blue class ``001``; this
project's tuple order is fixed as (shape, color, size)).  Varying that class's count with the other
three fixed shows how many examples a capability needs before the classes that use it out of
distribution can be generated.

Every point of a sweep trains for the same number of optimisation steps (``with_steps``), so points
differ only in their data.

Used in: book/05_frequency.
"""
from __future__ import annotations

import numbers

from .concepts import PRESETS, check_class
from .config import ExperimentConfig, check_scale, preset, with_steps
from .scales import FREQUENCY

#: The capability each varied class carries, and the out-of-distribution classes that need it.
CAPABILITY = {"010": ("color", ("110", "011", "111")), "100": ("shape", ("110", "101", "111"))}


def count_sweep(scale: str, varied: str, counts=None, base_count: int | None = None, steps: int | None = None,
                seed: int = 0, **overrides) -> list[ExperimentConfig]:
    """Configs of one Fig. 8 panel: ``varied`` (a class of the minimal set) at each count in ``counts``,
    the other minimal-set classes at ``base_count``; ``None`` takes the scale's default."""
    d = FREQUENCY[check_scale(scale)]
    check_class(varied, 3)
    minimal = PRESETS["minimal"]
    if varied not in minimal:
        raise ValueError(f"varied class {varied!r} is not in the minimal training set {list(minimal)}; "
                         f"vary one of {', '.join(minimal)} (Fig. 8 uses 010 for colour and 100 for shape)")
    counts = d["counts"] if counts is None else counts
    base_count = d["base_count"] if base_count is None else base_count
    steps = d["steps"] if steps is None else steps
    if isinstance(counts, (str, bytes)) or not len(counts):
        raise ValueError(f"counts={counts!r} is not allowed; give a non-empty list of integers >= 0, e.g. [0, 10, 100]")
    for k in list(counts) + [base_count]:
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 0:
            raise ValueError(f"count {k!r} is not allowed; counts must be integers >= 0")
    if base_count == 0:
        raise ValueError("base_count=0 would leave only the varied class; give the other classes a positive count")
    out = []
    for k in sorted(set(int(k) for k in counts)):
        cfg = preset(scale, seed=seed, train_classes=minimal,
                     counts={c: (int(k) if c == varied else int(base_count)) for c in minimal},
                     **{**d["overrides"], **overrides})
        out.append(with_steps(cfg, int(steps)))
    return out
