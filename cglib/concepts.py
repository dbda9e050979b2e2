"""Concept variables, concept classes, concept distance and the concept graph.

Paper: section 3, definitions 1-6 (Fig. 3, Fig. 4).

A *concept class* is written as a string of value indices, one character per
concept variable, in a fixed order.  This project's order is always
``(shape, color, size[, background])``: ``"011"`` is a blue, small circle.
(The paper's own text is inconsistent about tuple order: its section 3.1 lists
``001`` as a "large blue circle" while its Fig. 3 caption orders shape, size,
color.  We fix one order and keep it everywhere.)

Used in: book/01_concept_graphs and every later chapter.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

# ---------------------------------------------------------------- variables


@dataclass(frozen=True)
class ConceptVariable:
    """A concept variable (definition 1) and its concept values (definition 2)."""

    name: str  # e.g. "shape"
    values: tuple[str, ...]  # value names; index i is written as the digit i


SHAPE = ConceptVariable("shape", ("circle", "triangle"))
COLOR = ConceptVariable("color", ("red", "blue"))
SIZE = ConceptVariable("size", ("large", "small"))
BACKGROUND = ConceptVariable("background", ("white", "black"))

#: All variables this project knows, in tuple order.
ALL_VARIABLES = (SHAPE, COLOR, SIZE, BACKGROUND)


def variables(n_variables: int = 3) -> tuple[ConceptVariable, ...]:
    """The first ``n_variables`` concept variables (3: shape, color, size; 4 adds background)."""
    if n_variables not in (3, 4):
        raise ValueError(f"n_variables={n_variables!r} is not allowed; use 3 (shape, color, size) "
                         "or 4 (shape, color, size, background)")
    return ALL_VARIABLES[:n_variables]


# ---------------------------------------------------------------- classes


def check_class(c: str, n_variables: int = 3) -> str:
    """Return ``c`` if it is a valid concept class for ``n_variables``; raise ``ValueError`` otherwise."""
    vs = variables(n_variables)
    if not isinstance(c, str):
        raise ValueError(f"concept class {c!r} must be a string of value indices such as '011'")
    if len(c) != len(vs):
        raise ValueError(f"concept class {c!r} has length {len(c)}; with {len(vs)} concept variables "
                         f"({', '.join(v.name for v in vs)}) it must have length {len(vs)}, e.g. {'0' * len(vs)!r}")
    for ch, v in zip(c, vs):
        if not ch.isdigit() or int(ch) >= len(v.values):
            raise ValueError(f"concept class {c!r}: value {ch!r} for {v.name} is out of range; "
                             f"allowed: {', '.join(f'{i}={n}' for i, n in enumerate(v.values))}")
    return c


def all_classes(n_variables: int = 3) -> list[str]:
    """Every concept class of the graph, in lexicographic order ("000", "001", ...)."""
    vs = variables(n_variables)
    return ["".join(map(str, t)) for t in itertools.product(*[range(len(v.values)) for v in vs])]


def class_values(c: str) -> tuple[int, ...]:
    """The value indices of a concept class: ``"011" -> (0, 1, 1)``."""
    return tuple(int(ch) for ch in c)


def describe(c: str) -> str:
    """Human words for a class: ``"011" -> "circle, blue, small"``."""
    vs = variables(len(c))
    return ", ".join(v.values[i] for v, i in zip(vs, class_values(check_class(c, len(c)))))


# ---------------------------------------------------------------- distance and graph


def concept_distance(a: str, b: str) -> int:
    """Concept distance (definition 4): the number of differing concept values (Hamming)."""
    if len(a) != len(b):
        raise ValueError(f"classes {a!r} and {b!r} have different lengths")
    return sum(x != y for x, y in zip(a, b))


def distance_to_set(c: str, train: list[str] | tuple[str, ...]) -> int:
    """The concept distance of class ``c`` to the nearest class of a training set."""
    if not train:
        raise ValueError("the training set is empty; give at least one concept class")
    return min(concept_distance(c, t) for t in train)


def distances(train: list[str] | tuple[str, ...], n_variables: int | None = None) -> dict[str, int]:
    """Distance of every class of the graph to a training set (0 for the training classes)."""
    train = check_train_set(train, n_variables)
    n = len(train[0])
    return {c: distance_to_set(c, train) for c in all_classes(n)}


@dataclass(frozen=True)
class ConceptGraph:
    """A concept graph (definition 5): nodes are classes, edges join classes at distance 1."""

    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]


def concept_graph(n_variables: int = 3) -> ConceptGraph:
    """Build the concept graph on all classes of ``n_variables`` binary variables (a hypercube)."""
    nodes = tuple(all_classes(n_variables))
    edges = tuple((a, b) for a, b in itertools.combinations(nodes, 2) if concept_distance(a, b) == 1)
    return ConceptGraph(nodes, edges)


# ---------------------------------------------------------------- training-set presets

#: The paper's training sets.  Keys are the names chapters accept.
PRESETS: dict[str, tuple[str, ...]] = {
    "minimal": ("000", "100", "010", "001"),  # section 3.1: 000 and its three neighbours
    "adversarial": ("000", "100", "010", "111"),  # section 4.1, Fig. 9 (paper's (shape, size, colour) order translated)
    "minimal4": ("0000", "1000", "0100", "0010", "0001"),  # Fig. 16, background added
    "mirrored": ("111", "011", "101", "110"),  # the minimal set from the other corner: 111 and its neighbours
}


def mirror(classes) -> tuple[str, ...]:
    """Every value flipped (``000`` <-> ``111``): the same training set seen from the opposite corner of the
    cube.  The concept graph has no preferred corner, so the theory predicts the same order from both."""
    return tuple("".join("1" if ch == "0" else "0" for ch in c) for c in classes)


def check_train_set(train, n_variables: int | None = None) -> tuple[str, ...]:
    """Validate a training set given as a preset name or a list of classes; return the classes.

    Raises ``ValueError`` naming the bad class, or saying the set is empty.
    """
    if isinstance(train, str) and train.strip().startswith("["):  # a list written as text (papermill's -p)
        import ast
        train = ast.literal_eval(train)
    if isinstance(train, str):
        if train not in PRESETS:
            raise ValueError(f"unknown training-set preset {train!r}; presets: {', '.join(PRESETS)}, "
                             "or give a list of classes such as ['000', '100']")
        train = PRESETS[train]
    train = tuple(train)
    if not train:
        raise ValueError("the training set is empty; give at least one concept class, e.g. ['000', '100']")
    if n_variables is None and all(isinstance(c, str) for c in train):  # the classes' lengths say the count
        need = "one value per concept variable: 3 (shape, color, size), e.g. '011', or 4 (adds background), e.g. '0110'"
        bad = [c for c in train if len(c) not in (3, 4)]
        if bad:
            raise ValueError(f"concept class {bad[0]!r} in the training set {list(train)} has {len(bad[0])} "
                             f"characters; a class needs {need}")
        lengths = [len(c) for c in train]
        common = max(set(lengths), key=lengths.count)
        odd = [c for c in train if len(c) != common]
        if odd:
            raise ValueError(f"concept class {odd[0]!r} in the training set {list(train)} has {len(odd[0])} "
                             f"characters where the others have {common}; every class of a set needs the same count, {need}")
    n = n_variables or len(train[0])
    for c in train:
        check_class(c, n)
    if len(set(train)) != len(train):
        raise ValueError(f"the training set {list(train)} lists a class twice")
    return train
