"""When the sampler decides a shape, and how far the network looks then (a test of locality accounts).

Kamb and Ganguli (*An analytic theory of creativity in convolutional diffusion models*) predict what a CNN
diffusion model draws from its locality: at each noise level the network's output at a pixel depends on a
patch of the input, and the patch shrinks as the noise falls.  Applied to this book's corners: a far class
composes when its shape is decided while the network's sensitivity field is smaller than the object (the
shape is then put together from local pieces, edges and corners, that look alike at every size), and fails
when the shape is decided while the field still covers the whole object (the network then draws a whole
object it has seen, whose shape is bound to its size).  Two measurements per sample along the deterministic
DDIM trajectory: the **commit step** (the first step from which the shape read off the predicted clean image,
``measure.measure``'s skewness against ``TRIANGLE_SKEW``, no longer changes) and the **field radius** there
(the RMS distance, weighted by |d x0_hat[centre] / d x_t|, of the input pixels the predicted clean image's
centre pixel depends on), against the object's radius.

Used in: book/08_beyond_the_paper.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from .diffusion import ddim_times
from .measure import TRIANGLE_SKEW, measure
from .sampling import sampler_prompt


def field_radius(grad: torch.Tensor, cy: np.ndarray, cx: np.ndarray) -> np.ndarray:
    """RMS distance in pixels from (cy, cx) of a sensitivity map: ``grad`` (B, C, S, S), the gradient of one
    output pixel per sample with respect to the input; each input pixel weighted by its |gradient| summed over
    channels.  A network that reads a k x k patch gives about k / sqrt(6); one that reads everything, more."""
    w = grad.abs().sum(1).cpu().numpy()  # (B, S, S)
    s = w.shape[-1]
    yy, xx = np.mgrid[0:s, 0:s] + 0.5
    d2 = (yy[None] - cy[:, None, None]) ** 2 + (xx[None] - cx[:, None, None]) ** 2
    return np.sqrt((w * d2).sum((1, 2)) / np.maximum(w.sum((1, 2)), 1e-12))


def commit_steps(readings: np.ndarray) -> np.ndarray:
    """Per sample, the index of the first step from which its reading (steps x samples, nan where no object was
    read) equals its final reading at every later step; the last index where it never settles."""
    final = readings[-1]
    same = readings == final[None]  # nan never equals
    k = len(readings)
    out = np.full(readings.shape[1], k - 1)
    for j in range(readings.shape[1]):
        bad = np.flatnonzero(~same[:, j])
        out[j] = bad[-1] + 1 if len(bad) else 0
    return np.minimum(out, k - 1)


def trajectory(model, diffusion, cls: str, n: int, image_size: int, seed: int, render_cfg, n_grad: int = 8) -> dict:
    """Follow ``n`` samples of class ``cls`` through the deterministic DDIM sampler: at every step the predicted
    clean image's shape reading (1 triangle, 0 circle, nan no object), and for the first ``n_grad`` samples the
    field radius of x0_hat at the final object's centre.  Returns the step times, readings (steps x n), radii
    (steps x n_grad), the final objects' radii and readings, and each sample's commit step."""
    dev = diffusion.device
    cond = sampler_prompt(model, [cls], n).to(dev)
    gen = torch.Generator(device=dev).manual_seed(seed)
    x = torch.randn((n, 3, image_size, image_size), device=dev, generator=gen)
    times = ddim_times(diffusion.T, diffusion.cfg.sample_steps)
    xs, x0s = [], []
    with torch.no_grad():
        for i, tt in enumerate(times):
            t = torch.full((n,), tt, device=dev, dtype=torch.long)
            x0, eps = diffusion.predict(model, x, t, cond)
            xs.append(x.clone())
            x0s.append(diffusion.to_unit(x0).float().cpu().numpy())
            t_prev = torch.full((n,), times[i + 1] if i + 1 < len(times) else -1, device=dev, dtype=torch.long)
            x = diffusion.step_ddim(x0, eps, t_prev, t)
    end = measure(diffusion.to_unit(x).float().cpu().numpy(), len(cls), render_cfg)
    readings = np.stack([np.where(np.isfinite(m.skew), (m.skew < TRIANGLE_SKEW).astype(float), np.nan)
                         for m in (measure(a, len(cls), render_cfg) for a in x0s)])
    cy, cx = _centres(diffusion.to_unit(x).float().cpu().numpy()[:n_grad])
    radii = []
    for xt, tt in zip(xs, times):
        xt = xt[:n_grad].clone().requires_grad_(True)
        t = torch.full((len(xt),), tt, device=dev, dtype=torch.long)
        x0, _ = diffusion.predict(model, xt, t, cond[:n_grad], clip=False)
        iy, ix = torch.as_tensor(cy.astype(int)), torch.as_tensor(cx.astype(int))
        x0[torch.arange(len(xt)), :, iy, ix].sum().backward()
        radii.append(field_radius(xt.grad, cy, cx))
    return {"times": times, "readings": readings, "field": np.stack(radii), "object_radius": end.radius,
            "final": readings[-1], "commit": commit_steps(readings)}


#: How chapter 8 follows a far class: this many samples, from this noise seed.
N_TRAJECTORY, TRAJECTORY_SEED = 40, 123


def run_trajectory(run, cls: str, device: str = "cpu") -> dict:
    """``trajectory`` of class ``cls`` for a trained run, as chapter 8 measures it (``N_TRAJECTORY`` samples from
    noise seed ``TRAJECTORY_SEED``): read back when ``run`` is a ``records.RecordedRun`` whose record carries it
    (``trajectory_entry``; a record keeps no network), else computed from the run's network."""
    entry = getattr(run, "entry", None)
    if entry is not None:
        if "trajectory" not in entry or entry["trajectory"]["class"] != cls:
            raise ValueError(f"the record of run {run.id} carries no trajectory of class {cls} and no network; "
                             "train the run (the chapter's train_... parameter) to measure it")
        out = {k: np.array(v, dtype=float) for k, v in entry["trajectory"].items() if k != "class"}  # null: nan
        return out | {"commit": out["commit"].astype(int)}
    from .train import load_model
    model, diffusion = load_model(run, device)
    return trajectory(model, diffusion, cls, N_TRAJECTORY, run.cfg.train.image_size, seed=TRAJECTORY_SEED,
                      render_cfg=run.cfg.train.render_config())


def trajectory_entry(traj: dict, cls: str) -> dict:
    """A ``trajectory`` as JSON for a run's record entry (nan as null), which ``run_trajectory`` reads back."""
    return {"class": cls, **{k: np.where(np.isnan(np.asarray(v, dtype=float)), None, np.asarray(v, dtype=float))
                             .tolist() for k, v in traj.items()}}


def _centres(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each image's centre of ink (its difference from the border's median colour), pixel coordinates."""
    border = np.concatenate([images[:, :, 0], images[:, :, -1]], axis=2)
    diff = np.abs(images - np.median(border, axis=2)[:, :, None, None]).max(1)  # (B, S, S)
    s = images.shape[-1]
    yy, xx = np.mgrid[0:s, 0:s] + 0.5
    w = diff / np.maximum(diff.sum((1, 2), keepdims=True), 1e-12)
    return (w * yy).sum((1, 2)), (w * xx).sum((1, 2))


def commit_summary(traj: dict) -> dict:
    """One trajectory's numbers: the median commit step (as a fraction of the trajectory, 0 the first step), the
    median field radius at the commit step over the samples it was measured on, the median object radius,
    their ratio, and the share of final samples read as a triangle."""
    k = len(traj["times"])
    m = traj["field"].shape[1]
    at_commit = traj["field"][np.minimum(traj["commit"][:m], k - 1), np.arange(m)]
    obj = np.nanmedian(traj["object_radius"])
    return {"commit": float(np.median(traj["commit"]) / max(k - 1, 1)), "field": float(np.median(at_commit)),
            "object": float(obj), "ratio": float(np.median(at_commit) / obj) if obj == obj else float("nan"),
            "triangle": float(np.nanmean(traj["final"]))}


def locality_verdict(table: pd.DataFrame, margin: float = 0.2) -> str:
    """The locality account against per-run ``commit_summary`` rows with a ``corner`` column: ``minimal`` (the
    corner that composes) and one or more that fail (``mirrored``, and the probe corners when trained).
    Supported when the minimal corner commits with a field smaller than its object (ratio < 1) and every failing
    corner with a field at least as large (ratio >= 1); refuted when a failing corner's median ratio and commit
    step are both within ``margin`` of the minimal corner's, or its ratio is no larger; else not settled."""
    med = table.groupby("corner")[["ratio", "commit"]].median()
    a = med.loc["minimal"]
    others = [c for c in ("mirrored", *sorted(set(med.index) - {"minimal", "mirrored"})) if c in med.index]
    refuted = [c for c in others if a.ratio >= med.loc[c, "ratio"] or
               (abs(a.ratio - med.loc[c, "ratio"]) < margin and abs(a.commit - med.loc[c, "commit"]) < margin)]
    verdict = ("refuted" if refuted else
               "supported" if a.ratio < 1 and all(med.loc[c, "ratio"] >= 1 for c in others) else "not settled")
    return (f"{verdict}: the minimal corner commits at {a.commit:.2f} of the trajectory with a field {a.ratio:.2f} "
            f"of its object, " + ", ".join(f"the {c} at {med.loc[c, 'commit']:.2f} with {med.loc[c, 'ratio']:.2f}"
                                             for c in others))
