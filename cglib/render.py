"""A vectorised numpy renderer of one shape on a plain background.

Paper: appendix A.1 and Fig. 11.  The paper renders with Blender; we draw the
same objects analytically so that (a) rendering 5000 images takes a few
milliseconds and (b) we know exactly what each concept value looks like, which
the analytic evaluator in ``measure.py`` relies on.

Concept variables drawn: shape (circle, triangle), color (red, blue), size
(large, small) and, for the 4-variable graph, background (white, black).
Free variables that change between objects of one class: location (uniform,
the shape fully inside the frame), and a small jitter of colour shade and of
size inside each value's range (the paper samples colour and size along
continuous axes).  A circle and a triangle of one size value have the same
bounding box, so "large" means the same extent for both shapes; with
``RenderConfig.triangle = "equal_area"`` the triangle's box is instead scaled so
that it covers as many pixels as the circle of the same size radius (the size
concept signal equal on both shapes).

Used in: book/01_concept_graphs, and every chapter through ``data.py``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .concepts import check_class, class_values

# ---------------------------------------------------------------- value ranges

#: Radius (half the bounding-box side) as a fraction of the image side, per size value.
SIZE_RANGES = {0: (0.26, 0.32), 1: (0.13, 0.17)}  # large, small
#: Dominant-channel range and other-channel range per colour value (RGB in [0, 1]).
DOMINANT, OTHER = (0.80, 1.00), (0.00, 0.15)
COLOR_CHANNEL = {0: 0, 1: 2}  # red -> R channel, blue -> B channel
BACKGROUNDS = {0: (1.0, 1.0, 1.0), 1: (0.0, 0.0, 0.0)}  # white, black
MARGIN = 1.0  # pixels kept free between the shape's bounding box and the frame
#: How a triangle's box half-side follows the size radius r: "box" draws it in the circle's box (half the
#: box's area: 2 r^2 against the circle's pi r^2), "equal_area" scales the box by sqrt(pi / 2) so that a
#: triangle covers a circle's area of the same r.
TRIANGLE_SCALE = {"box": 1.0, "equal_area": float(np.sqrt(np.pi / 2))}


@dataclass(frozen=True)
class RenderConfig:
    """How objects are drawn; every field has a default matching the paper's 28x28 images.

    ``large`` and ``small`` set the *concept signal* of size (how much an image changes when the size
    value changes; Park et al. 2024): the further apart, the stronger the signal."""

    image_size: int = 28  # side of the square image in pixels (paper: 28)
    jitter_color: bool = True  # vary the colour shade inside each colour value's range
    jitter_size: bool = True  # vary the size inside each size value's range
    random_location: bool = True  # uniform location; False puts every object in the centre
    large: tuple = SIZE_RANGES[0]  # radius range of "large", fraction of the side
    small: tuple = SIZE_RANGES[1]  # radius range of "small", fraction of the side
    triangle: str = "box"  # "box" (the circle's bounding box) or "equal_area" (the circle's area); TRIANGLE_SCALE

    def __post_init__(self):
        if not isinstance(self.image_size, int) or self.image_size < 12:
            raise ValueError(f"image_size={self.image_size!r} is not allowed; use an integer >= 12 (paper: 28)")
        for name in ("large", "small"):
            lo_hi = tuple(getattr(self, name))
            object.__setattr__(self, name, lo_hi)
            if len(lo_hi) != 2 or not 0.05 <= lo_hi[0] <= lo_hi[1] <= 0.34:
                raise ValueError(f"RenderConfig.{name}={lo_hi!r} is not allowed; give (low, high) radius fractions "
                                 "with 0.05 <= low <= high <= 0.34")
        if self.small[1] >= self.large[0]:
            raise ValueError(f"RenderConfig.small={self.small!r} overlaps large={self.large!r}; every small radius "
                             "must lie below every large one")
        if self.triangle not in TRIANGLE_SCALE:
            raise ValueError(f"RenderConfig.triangle={self.triangle!r} is not allowed; use one of "
                             f"{', '.join(map(repr, TRIANGLE_SCALE))}")
        fit = 0.5 - MARGIN / self.image_size
        if self.large[1] * self.triangle_scale > fit:
            raise ValueError(f"RenderConfig.large={self.large!r} with triangle={self.triangle!r} draws triangles of "
                             f"half-side {self.large[1] * self.triangle_scale:.3f} of the image, past the frame "
                             f"({fit:.3f}); lower the largest large radius")

    @property
    def triangle_scale(self) -> float:
        """A triangle's box half-side per unit of size radius (``TRIANGLE_SCALE``)."""
        return TRIANGLE_SCALE[self.triangle]

    def size_range(self, value: int) -> tuple:
        """The radius range (fractions of the side) of size value 0 (large) or 1 (small)."""
        return self.small if value else self.large

    @property
    def size_split(self) -> float:
        """The radius fraction halfway between the largest small and the smallest large object."""
        return (self.small[1] + self.large[0]) / 2


# ---------------------------------------------------------------- coverage


def _coverage(shape, cx, cy, r, size: int) -> np.ndarray:
    """Anti-aliased coverage in [0, 1] of each pixel, shape (B, S, S).

    A pixel's coverage is ``clip(0.5 - d, 0, 1)`` where ``d`` is the signed
    distance (pixels) from the pixel centre to the shape's edge.
    """
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) + np.float32(0.5)  # pixel centres
    d = np.empty((len(shape), size, size), np.float32)
    for k in (0, 1):  # compute each object's own shape only
        idx = np.flatnonzero(shape == k)
        if not len(idx):
            continue
        x = xs[None] - cx[idx, None, None]  # (b, S, S)
        y = ys[None] - cy[idx, None, None]
        rr = r[idx, None, None]
        if k == 0:  # circle
            d[idx] = np.sqrt(x * x + y * y) - rr
        else:  # isosceles triangle filling the bounding box: apex at top centre, base at the bottom
            slant = (2 * np.abs(x) - (y + rr)) * np.float32(1 / np.sqrt(5.0))
            d[idx] = np.maximum(y - rr, slant)
    return np.clip(0.5 - d, 0.0, 1.0)


def draw(shape, cx, cy, r, rgb, background, size: int, bg_value=None) -> np.ndarray:
    """Draw objects from explicit parameters. Arrays of length B; ``rgb`` and ``background`` are (B, 3)
    (``bg_value``, the background's value index, is not needed to draw).

    Returns float32 images (B, 3, S, S) in [0, 1].
    """
    cov = _coverage(np.asarray(shape), np.asarray(cx, np.float32), np.asarray(cy, np.float32),
                    np.asarray(r, np.float32), size)[:, None]  # (B, 1, S, S)
    bg = np.asarray(background, np.float32)[:, :, None, None]
    fg = np.asarray(rgb, np.float32)[:, :, None, None]
    return bg + (fg - bg) * cov


# ---------------------------------------------------------------- sampling objects


def sample_params(values: np.ndarray, rng: np.random.Generator, cfg: RenderConfig) -> dict:
    """Sample free variables for objects whose concept values are the rows of ``values`` (B, n)."""
    b, s = len(values), cfg.image_size
    shape, color, size = values[:, 0], values[:, 1], values[:, 2]
    bg_idx = values[:, 3] if values.shape[1] > 3 else np.zeros(b, int)
    lo = np.array([cfg.size_range(v)[0] for v in (0, 1)])[size] * s
    hi = np.array([cfg.size_range(v)[1] for v in (0, 1)])[size] * s
    u = rng.random(b) if cfg.jitter_size else np.full(b, 0.5)
    r = (lo + u * (hi - lo)) * np.where(shape == 1, cfg.triangle_scale, 1.0)  # the box half-side drawn
    if cfg.random_location:
        cx = r + MARGIN + rng.random(b) * (s - 2 * (r + MARGIN))
        cy = r + MARGIN + rng.random(b) * (s - 2 * (r + MARGIN))
    else:
        cx = cy = np.full(b, s / 2)
    if cfg.jitter_color:
        other = OTHER[0] + rng.random((b, 3)) * (OTHER[1] - OTHER[0])
        dom = DOMINANT[0] + rng.random(b) * (DOMINANT[1] - DOMINANT[0])
    else:
        other = np.full((b, 3), np.mean(OTHER))
        dom = np.full(b, np.mean(DOMINANT))
    rgb = other.copy()
    rgb[np.arange(b), np.array([COLOR_CHANNEL[0], COLOR_CHANNEL[1]])[color]] = dom
    background = np.array([BACKGROUNDS[0], BACKGROUNDS[1]])[bg_idx]
    out = dict(shape=shape, cx=cx, cy=cy, r=r, rgb=rgb, background=background)
    if values.shape[1] > 3:
        out["bg_value"] = bg_idx
    return out


# ---------------------------------------------------------------- value coordinates (continuous conditions)

#: The nominal (mean) dominant-minus-other channel difference of a colour value.
_COLOR_GAP = float(np.mean(DOMINANT) - np.mean(OTHER))


def size_radius(params: dict, cfg: RenderConfig = RenderConfig()) -> np.ndarray:
    """The size radius (pixels) of drawn objects: the box half-side ``params["r"]``, a triangle's divided
    by ``cfg.triangle_scale``."""
    shape = np.asarray(params["shape"])
    return np.asarray(params["r"], np.float64) / np.where(shape == 1, cfg.triangle_scale, 1.0)


def value_coordinates(params: dict, cfg: RenderConfig = RenderConfig()) -> np.ndarray:
    """Each drawn object's *value coordinates* (B, n): per concept variable a number that is 0 at the
    nominal (mid-range) value 0 and 1 at the nominal value 1, read from what was actually drawn:
    shape and background are categorical (exactly 0 or 1); colour is (B - R) of the object's RGB,
    scaled so that the mean red is 0 and the mean blue 1; size is the radius, scaled so that the
    middle of the large range is 0 and the middle of the small range 1.  The conditions of
    ``ModelConfig.cond_values = "drawn"`` (the official code and Park et al. 2024 condition on each
    image's own colour and size)."""
    rgb = np.asarray(params["rgb"], np.float64)
    color = ((rgb[:, 2] - rgb[:, 0]) / _COLOR_GAP + 1) / 2
    r = size_radius(params, cfg) / cfg.image_size
    mid_l, mid_s = np.mean(cfg.large), np.mean(cfg.small)
    size = (r - mid_l) / (mid_s - mid_l)
    cols = [np.asarray(params["shape"], np.float64), color, size]
    if "bg_value" in params:
        cols.append(np.asarray(params["bg_value"], np.float64))
    return np.stack(cols, 1).astype(np.float32)


def render(classes, seed: int | np.random.Generator = 0, cfg: RenderConfig = RenderConfig()) -> np.ndarray:
    """Render one object per entry of ``classes`` (concept-class strings such as ``"011"``).

    Deterministic for a given seed.  Returns float32 images (B, 3, S, S) in [0, 1].
    Paper: appendix A.1, Fig. 11.
    """
    classes = list(classes)
    if not classes:
        return np.zeros((0, 3, cfg.image_size, cfg.image_size), np.float32)
    n = len(classes[0])
    values = np.array([class_values(check_class(c, n)) for c in classes], dtype=int)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return draw(**sample_params(values, rng, cfg), size=cfg.image_size)


def size_signal(cfg: RenderConfig = RenderConfig(), n: int = 400, seed: int = 0) -> dict[str, tuple[float, float, float]]:
    """The concept signal of size on each shape (Park et al. 2024): the object's area in pixels (summed
    coverage) as (mean, min, max) over ``n`` renders of each of ``large circle``, ``small circle``,
    ``large triangle`` and ``small triangle`` at ``cfg``'s size ranges.  A triangle fills half its box and
    a circle pi/4 of it, so in the circle's box (``triangle="box"``) size changes a circle's image more than
    a triangle's; ``triangle="equal_area"`` evens the two."""
    rng = np.random.default_rng(seed)
    out = {}
    for shape, sname in ((0, "circle"), (1, "triangle")):
        for size, zname in ((0, "large"), (1, "small")):
            p = sample_params(np.tile([shape, 0, size], (n, 1)), rng, cfg)
            area = _coverage(p["shape"], p["cx"].astype(np.float32), p["cy"].astype(np.float32),
                             p["r"].astype(np.float32), cfg.image_size).sum((1, 2))
            out[f"{zname} {sname}"] = (float(area.mean()), float(area.min()), float(area.max()))
    return out


def contrast_signal(a: str, b: str, cfg: RenderConfig = RenderConfig(), n: int = 400, seed: int = 0) -> float:
    """The concept signal of the step from class ``a`` to class ``b`` (Park et al. 2024): how much the image
    changes, as the sum over pixels of the absolute change averaged over the three channels (a full-contrast
    pixel counts 1), mean over ``n`` pairs drawn from the same random numbers (the same jitter, place and
    colour draws; only the changed values differ).  A training set teaches each concept value through such
    steps from its origin class; a step on a small object or a triangle changes fewer pixels."""
    n_var = len(check_class(a))
    va, vb = (np.tile(class_values(check_class(c, n_var)), (n, 1)) for c in (a, b))
    img_a, img_b = (draw(**sample_params(v, np.random.default_rng(seed), cfg), size=cfg.image_size) for v in (va, vb))
    return float(np.abs(img_a - img_b).mean(1).sum((1, 2)).mean())
