"""An analytic evaluator that can say "no valid object".

Forced-choice probes (``probes.py``) must answer *some* class for every image,
so they can read an empty canvas or a few specks as a "small blue triangle".
Because we own the renderer, we can instead *measure* each generated image:

1. estimate the background from the border pixels;
2. separate the object from the background and label connected components;
3. reject an image with no object, with several objects, with a speck, or with
   an object outside the range the renderer draws for any size value;
4. measure the one object's extent (size), its mean colour (colour) and its
   shape; reject objects that no ideal circle or triangle of the measured extent
   fits (IoU) and colours that are neither red nor blue.

Shape is read from how the object's mass is spread vertically: a triangle (apex
up, as the renderer draws it) widens downwards, so its intensity-weighted
vertical profile is skewed (skewness -0.57 for an ideal triangle), while a
circle's is symmetric (0).  Unlike the best-fitting template, the skewness
survives the softening of generated samples (a blur adds variance but no
skew): on renders blurred with a Gaussian of 1.1 px, 62% of small triangles fit
the circle template better, while their skewness stays below -0.23 and every
blurred circle's within +-0.05 (``tests/test_measure.py`` checks both, and that
a ragged blob stays a circle).

Accuracy with rejection (rejected images count as wrong) is this book's
headline measure of multiplicative accuracy (paper eq. 2); the probes' verdict
is reported beside it.

Used in: book/03_diffusion, book/04_emergence and every training run.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .concepts import class_values, variables
from .render import RenderConfig, _coverage

# ---------------------------------------------------------------- thresholds (fractions of the image side)

FG_DIFF = 0.35  # a pixel is foreground when it differs from the background by this much (max over RGB)
NOISE_PX = 4  # components smaller than this many pixels are noise, not objects
R_MIN_BELOW, R_MAX_ABOVE = 0.03, 0.05  # accepted half-extent: this far below small / above large (fractions)
IOU_MIN = 0.62  # the best ideal shape must overlap the object at least this well
TRIANGLE_SKEW = -0.15  # vertical skewness below which an object is a triangle (ideal: triangle -0.57, circle 0)
#: In-between shapes: skewness no render reaches (every blurred circle above -0.05, every blurred small triangle
#: below -0.23; tests/test_measure.py).  The banded judge rejects them instead of calling them triangles.
BETWEEN = (-0.23, -0.05)
SKEW_QUANTILES = (10, 25, 50, 75, 90)  # the shape reading's distribution each evaluation keeps (percentiles)
COLOR_MARGIN = 0.25  # |R - B| of the object's mean colour must exceed this
BG_TOL = 0.3  # the background must be this close (max over RGB) to white or black

REASONS = ("ok", "empty", "multiple", "speck", "too_large", "shape", "color", "background")


@dataclass(frozen=True)
class Measurement:
    """What ``measure`` read off each image; arrays have length B."""

    valid: np.ndarray  # (B,) bool: exactly one object, inside the renderer's ranges
    reason: np.ndarray  # (B,) str: "ok" or why the image was rejected (see REASONS)
    values: np.ndarray  # (B, n_variables) int value indices, -1 where not measured
    radius: np.ndarray  # (B,) size radius, pixels: the half-extent (a triangle's / triangle_scale; nan if none)
    iou: np.ndarray  # (B,) IoU of the best-fitting ideal shape (nan if none)
    skew: np.ndarray  # (B,) skewness of the object's vertical intensity profile (nan if none)

    def part(self, sl: slice) -> "Measurement":
        """The measurements of images ``sl`` only (e.g. one class's block of a batch)."""
        return Measurement(*(getattr(self, f.name)[sl] for f in dataclasses.fields(self)))


def measure(images: np.ndarray, n_variables: int = 3, render_cfg: RenderConfig = RenderConfig()) -> Measurement:
    """Measure generated images (B, 3, S, S) with values in [0, 1]; ``render_cfg`` gives the size ranges
    (the size split lies halfway between the largest small and the smallest large radius)."""
    images = np.clip(np.asarray(images, np.float32), 0, 1)
    b, _, s, _ = images.shape
    r_min, r_max = render_cfg.small[0] - R_MIN_BELOW, render_cfg.large[1] + R_MAX_ABOVE
    values = np.full((b, n_variables), -1, int)
    reason = np.full(b, "ok", dtype=object)
    radius, iou, skew = np.full(b, np.nan), np.full(b, np.nan), np.full(b, np.nan)
    border = np.concatenate([images[:, :, 0], images[:, :, -1], images[:, :, :, 0], images[:, :, :, -1]], axis=2)
    bg = np.median(border, axis=2)  # (B, 3)
    dist_white, dist_black = np.abs(bg - 1).max(1), np.abs(bg).max(1)
    bg_value = (dist_black < dist_white).astype(int)
    diff = np.abs(images - bg[:, :, None, None]).max(1)  # (B, S, S)
    masks = diff > FG_DIFF
    boxes = np.zeros((b, 3))  # cx, cy, r of each object
    comps = np.zeros((b, s, s), bool)
    for i in range(b):
        if min(dist_white[i], dist_black[i]) > BG_TOL:
            reason[i] = "background"
            continue
        lab, n = ndimage.label(masks[i], structure=np.ones((3, 3)))
        areas = np.bincount(lab.ravel(), minlength=n + 1)[1:]
        big = np.flatnonzero(areas >= NOISE_PX)
        if len(big) == 0:
            reason[i] = "empty"
            continue
        if len(big) > 1:
            reason[i] = "multiple"
            continue
        comp = lab == big[0] + 1
        ys, xs = np.nonzero(comp)
        w, h = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
        r = max(w, h) / 2  # the box half-side
        skew[i] = _vertical_skew(diff[i] * ndimage.binary_dilation(comp))  # the soft edge counts too
        radius[i] = r / (render_cfg.triangle_scale if skew[i] < TRIANGLE_SKEW else 1.0)  # the size radius
        if radius[i] < r_min * s:
            reason[i] = "speck"
            continue
        if radius[i] > r_max * s:
            reason[i] = "too_large"
            continue
        boxes[i] = ((xs.min() + xs.max() + 1) / 2, (ys.min() + ys.max() + 1) / 2, r)
        comps[i] = comp
    todo = np.flatnonzero(reason == "ok")
    if len(todo):
        cx, cy, r = boxes[todo].T
        fits = [_coverage(np.full(len(todo), k), cx, cy, r, s) > 0.5 for k in (0, 1)]  # circle, triangle
        c = comps[todo]
        ious = np.stack([(c & f).sum((1, 2)) / np.maximum((c | f).sum((1, 2)), 1) for f in fits], 1)
        shape = (skew[todo] < TRIANGLE_SKEW).astype(int)
        iou[todo] = ious.max(1)
        # colour from the object's core pixels (away from the anti-aliased edge)
        eroded = [ndimage.binary_erosion(m) for m in c]
        core = [e if e.sum() >= 3 else m for e, m in zip(eroded, c)]
        rgb = np.stack([images[i][:, m].mean(1) for i, m in zip(todo, core)])  # (n, 3)
        color = (rgb[:, 2] > rgb[:, 0]).astype(int)
        values[todo, 0] = shape
        values[todo, 1] = color
        values[todo, 2] = (radius[todo] < render_cfg.size_split * s).astype(int)
        if n_variables > 3:
            values[todo, 3] = bg_value[todo]
        reason[todo[iou[todo] < IOU_MIN]] = "shape"
        bad_color = np.abs(rgb[:, 2] - rgb[:, 0]) < COLOR_MARGIN
        reason[todo[bad_color & (reason[todo] == "ok")]] = "color"
    valid = reason == "ok"
    values[~valid] = -1
    return Measurement(valid, reason.astype(str), values, radius, iou, skew)


def _vertical_skew(weight: np.ndarray) -> float:
    """Skewness of the row profile of an (S, S) weight image (negative: mass towards the bottom)."""
    p = weight.sum(1)
    p = p / p.sum()
    y = np.arange(len(p)) + 0.5
    mu = (p * y).sum()
    var = (p * (y - mu) ** 2).sum()
    return float((p * (y - mu) ** 3).sum() / max(var, 1e-9) ** 1.5)


def measured_scores(m: Measurement, target: str) -> dict[str, float]:
    """Accuracy with rejection for one target class: ``acc`` (eq. 2, rejected = wrong), ``reject_rate``,
    and ``acc_<variable>`` per concept variable measured (rejected images count wrong).  Also the shape reading
    as a distribution, so that a verdict resting on the cut at ``TRIANGLE_SKEW`` can be checked: ``skew_q<p>``,
    percentiles of the skewness of every image with one object (nan if none), ``shape_between``, the share of
    those inside ``BETWEEN``, and ``acc_banded``, the accuracy of a judge that rejects those in-between shapes."""
    want = np.array(class_values(target))
    hit = m.values[:, :len(want)] == want[None]  # (B, n); -1 never matches
    out = {"acc": float(hit.all(1).mean()), "reject_rate": float(1 - m.valid.mean())}
    for j, v in enumerate(variables(len(target))):
        out[f"measured_{v.name}"] = float(hit[:, j].mean())
    read = m.skew[np.isfinite(m.skew)]
    between = (m.skew > BETWEEN[0]) & (m.skew < BETWEEN[1])  # nan compares False
    q = np.percentile(read, SKEW_QUANTILES) if len(read) else np.full(len(SKEW_QUANTILES), np.nan)
    out.update({f"skew_q{p}": round(float(v), 4) for p, v in zip(SKEW_QUANTILES, q)})
    out["shape_between"] = float(between[np.isfinite(m.skew)].mean()) if len(read) else float("nan")
    out["acc_banded"] = float((hit.all(1) & ~between).mean())
    return out
