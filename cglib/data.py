"""Training sets with controlled concept-class frequencies.

Paper: section 3.1 (5000 samples from the training classes) and section 4.1
(Fig. 8, where the count of one class is varied from 0 to 300).

A training set is given by *counts per concept class*, e.g.
``{"000": 2000, "100": 1000, "010": 1000, "001": 1000}``; a zero count holds a
class out.  ``counts_for`` splits a total evenly over a list of classes.

Used in: book/01_concept_graphs, book/05_frequency, and ``train.py``.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .concepts import check_class, class_values
from .render import RenderConfig, draw, sample_params, value_coordinates


def check_counts(counts: dict) -> dict[str, int]:
    """Validate per-class counts; return them as a plain ``{class: int}`` dict.

    Raises ``ValueError`` for an unknown class or one of the wrong length, a
    value index out of range, a negative or non-integer count, or an empty set.
    """
    if not isinstance(counts, dict) or not counts:
        raise ValueError("counts is empty; give counts per concept class, e.g. {'000': 1250, '100': 1250}")
    n = len(next(iter(counts)))
    out = {}
    for c, k in counts.items():
        check_class(c, n)
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 0:
            raise ValueError(f"count {k!r} for class {c!r} is not allowed; counts must be integers >= 0")
        out[c] = int(k)
    if sum(out.values()) == 0:
        raise ValueError(f"the training set is empty: every count in {out} is 0; give at least one positive count")
    return out


def counts_for(classes, total: int = 5000) -> dict[str, int]:
    """Split ``total`` samples as evenly as possible over ``classes`` (the paper's default total: 5000)."""
    classes = list(classes)
    if not classes:
        raise ValueError("the list of classes is empty; give at least one concept class")
    if isinstance(total, bool) or not isinstance(total, numbers.Integral) or total <= 0:
        raise ValueError(f"total={total!r} is not allowed; it must be a positive integer")
    base, extra = divmod(int(total), len(classes))
    return check_counts({c: base + (i < extra) for i, c in enumerate(classes)})


@dataclass(frozen=True)
class ConceptDataset:
    """Images with their concept classes."""

    images: np.ndarray  # (N, 3, S, S) float32 in [0, 1]
    values: np.ndarray  # (N, n_variables) int value indices
    classes: tuple[str, ...]  # the classes with a positive count, in the order given
    coords: np.ndarray | None = None  # (N, n_variables) float value coordinates of what was drawn (render.py)
    params: dict | None = None  # what was drawn: shape, cx, cy, r, rgb, background (render.sample_params)

    def __len__(self):
        return len(self.images)


def make_dataset(counts: dict, seed: int = 0, render_cfg: RenderConfig = RenderConfig()) -> ConceptDataset:
    """Render a training set with exactly ``counts[c]`` objects of each class ``c`` (seeded, shuffled)."""
    counts = check_counts(counts)
    labels = [c for c, k in counts.items() for _ in range(k)]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(labels))
    labels = [labels[i] for i in order]
    values = np.array([class_values(c) for c in labels], dtype=np.int64)
    params = sample_params(values, rng, render_cfg)  # the same draws as render(labels, rng, render_cfg)
    images = draw(**params, size=render_cfg.image_size)
    return ConceptDataset(images, values, tuple(c for c, k in counts.items() if k > 0),
                          value_coordinates(params, render_cfg), params)
