"""How the corner finding moves with scale: each corner's far class trained at several network widths.

The book's finding beyond the paper (chapter 8) is that at the `cpu` preset the far class composes from the
paper's corner (the minimal set) and not from its mirror.  Is that a property of diffusion models on this
task, or of a 0.5M-parameter network trained for 1,954 steps?  ``axis_configs`` lists the runs of the axis
(``scales.SCALE_AXIS``: widths x corners x seeds, everything else the preset's); ``axis_points`` reads each
run's far class (first reach, the last evaluation on 200 samples, the lowest of the last three, its cost in
minutes on the machine that trained it); ``moved`` says whether a corner's far class moved between the
smallest and the largest scale by more than sampling noise, on every seed.  Points from another source (the
`paper` preset on a GPU, a record) are rows of the same table, so ``plots.scale_axis`` draws them alongside.

Used in: book/08_beyond_the_paper, benchmarks/scale_axis.py.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .config import ExperimentConfig, preset
from .corners import CORNERS as CORNER_SETS, far_class
from .emergence import REACHED
from .records import RecordedRun, decode_images, runs_or_record
from .retention import LAST_K, low_tail
from .runs import run_id
from .scales import SCALE_AXIS
NOISE = 0.1  # a move smaller than this on a seed is within the 40-200-sample noise of one evaluation


def axis_configs(scale: str) -> dict[tuple, ExperimentConfig]:
    """The runs of the scale axis at ``scale``: {(corner, width, seed): config}, the preset's own width
    included (those runs are chapter 4's and chapter 8's), plus the minimal set's retention seeds at the
    preset's width."""
    spec = SCALE_AXIS[scale]
    own = preset(scale).model.width
    out = {(c, w, s): preset(scale, seed=s, width=w, train_classes=tr)
           for c, tr in CORNER_SETS.items() for w in spec["widths"] for s in spec["seeds"]}
    out.update({("minimal", own, s): preset(scale, seed=s, train_classes=CORNER_SETS["minimal"])
                for s in spec["retention_seeds"]})
    return out


def n_parameters(cfg: ExperimentConfig) -> int:
    """The trained parameters of a config's network (built on the CPU, never trained)."""
    import torch

    from .train import build
    model, _ = build(cfg, torch.device("cpu"))
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def axis_points(frame: pd.DataFrame, threshold: float = REACHED, last_k: int = LAST_K) -> pd.DataFrame:
    """One row per run of a metrics frame with columns ``corner``, ``width``, ``seed`` (and optionally
    ``params``, ``minutes``, ``source``): the run's far class, its first step at ``threshold`` (NaN: never),
    its accuracy at the last evaluation (``final``), the lowest of the last ``last_k`` (``kept``), its peak,
    the shape read right at the end and the run's cost in minutes."""
    rows = []
    keys = [k for k in ("source", "corner", "width", "seed") if k in frame]
    for key, g in frame.groupby(keys, sort=True):
        lab = dict(zip(keys, key))
        far = far_class(sorted(g[g.in_train.astype(bool)].concept_class.unique()))
        c = g[g.concept_class == far].sort_values("step")
        hit = c[c.acc >= threshold]
        rows.append({**lab, "far": far, "params": int(g["params"].iloc[0]) if "params" in g else np.nan,
                     "first_reach": float(hit.step.iloc[0]) if len(hit) else np.nan,
                     "final": float(c.acc.iloc[-1]), "kept": low_tail(c.acc.reset_index(drop=True), last_k),
                     "peak": float(c.acc.max()), "shape": float(c.measured_shape.iloc[-1]),
                     "minutes": float(g["minutes"].iloc[0]) if "minutes" in g else float(g.wall_s.max()) / 60})
    return pd.DataFrame(rows)


def axis_summary(points: pd.DataFrame) -> pd.DataFrame:
    """Per corner and width: seeds, the far class's final mean with its lowest and highest seed, the kept
    mean, how many seeds emerged and kept it, and the median minutes a run took."""
    keys = [k for k in ("source", "corner", "width") if k in points]
    g = points.groupby(keys, sort=True)
    return pd.DataFrame({"seeds": g.seed.count(), "params": g.params.first(), "final": g.final.mean(),
                         "final_lo": g.final.min(), "final_hi": g.final.max(), "kept": g.kept.mean(),
                         "emerged": g.first_reach.count(),
                         "kept_seeds": g.kept.apply(lambda k: int((k >= REACHED).sum())),
                         "minutes": g.minutes.median()})


def moved(points: pd.DataFrame, corner: str, measure: str = "final", noise: float = NOISE) -> tuple[str, pd.DataFrame]:
    """Did ``corner``'s far class move between the smallest and the largest width it was trained at?  Per seed
    trained at both: the change of ``measure``.  "moved up" / "moved down" when it changed by more than
    ``noise`` the same way on every such seed, "did not move" when the mean change is within ``noise``, else
    "not settled".  Returns (verdict with the numbers, per-seed table)."""
    p = points[points.corner == corner]
    widths = sorted(p.width.unique())
    if len(widths) < 2:
        return f"not judged (one width only: {widths})", pd.DataFrame()
    lo, hi = widths[0], widths[-1]
    t = p.pivot_table(index="seed", columns="width", values=measure)[[lo, hi]].dropna()
    if t.empty:
        return f"not judged (no seed trained at both width {lo} and {hi})", t
    d = t[hi] - t[lo]
    verdict = ("moved up" if (d > noise).all() else "moved down" if (d < -noise).all()
               else "did not move" if abs(d.mean()) <= noise else "not settled")
    nums = ", ".join(f"seed {s} {t.loc[s, lo]:.2f} → {t.loc[s, hi]:.2f}" for s in t.index)
    return f"{verdict} (width {lo} → {hi}, {measure}: {nums})", t


def run_rows(key: tuple, cfg: ExperimentConfig, metrics: list[dict], wall_s: float, params: int) -> list[dict]:
    """A run's metrics rows labelled with its place on the axis, its size and its cost."""
    corner, width, seed = key
    labels = {"corner": corner, "width": width, "seed": seed, "params": params, "minutes": wall_s / 60,
              "run_id": run_id(cfg)}
    return [{**m, **labels} for m in metrics]


def capacity_verdict(points: pd.DataFrame, noise: float = NOISE) -> str:
    """The account "the mirrored corner fails only for lack of capacity", judged on the axis (chapter 8 states the
    rule before the runs): supported when the mirrored far class moves up with width on every seed (``moved``);
    refuted when it does not move while the minimal far class moves up or holds at ``REACHED`` (mean over
    seeds) at the largest width; else not settled."""
    up, mir = moved(points, "minimal", noise=noise)[0], moved(points, "mirrored", noise=noise)[0]
    top = points[(points.corner == "minimal") & (points.width == points.width.max())].final.mean()
    if mir.startswith("moved up"):
        return "supported: the mirrored far class rises with width on every seed"
    if mir.startswith("did not move") and (up.startswith("moved up") or top >= REACHED):
        return (f"refuted on this range: the mirrored far class does not move with width, while the minimal one "
                f"{'rises' if up.startswith('moved up') else 'holds'} (mean {top:.2f} at the largest width)")
    return "not settled on this range"


def far_extras(run, far: str) -> dict:
    """What a page shows of a run's far class besides its metrics: ``fade`` (``retention.fade_table``, the drawn
    radius and the share of specks or empty canvases at every evaluation) and ``grids``, the stored samples at
    the peak evaluation and at the last, as {"peak" | "end": (step, images (k, 3, S, S) in [0, 1])}."""
    from .retention import fade_table
    fade = fade_table(run, far)
    c = run.table().query("concept_class == @far").sort_values("step")
    peak_step = int(c.loc[c.acc.idxmax(), "step"])
    grids = {}
    for name, step in (("peak", peak_step), ("end", None)):
        smp = run.samples(step)
        grids[name] = (int(smp["step"]), smp["grid"][smp["classes"].index(far)])
    return {"fade": fade, "grids": grids}


def entry_extras(entry: dict) -> dict:
    """``far_extras`` read back from a record's run entry (``benchmarks/scale_axis.py``)."""
    fade = pd.DataFrame(entry["fade"]).set_index("step")
    grids = {k: (g["step"], decode_images(g["png"], g["k"])) for k, g in entry["grids"].items()}
    return {"fade": fade, "grids": grids}


def axis_frame(cfgs: dict, root=None, results=None) -> tuple[pd.DataFrame, dict, str] | None:
    """The axis's metrics, one row per evaluation and class of every run of ``cfgs`` (``axis_configs``), each
    run's ``far_extras`` by key, and where they came from: this run store when every run in it finished, else
    the newest record in ``results`` (``benchmarks/scale_axis.py --out``) that holds every one finished, named
    with the machine that trained it; None when neither has them all (a page then trains them, or says how)."""
    one_per_width = {k[1]: c for k, c in cfgs.items()}
    params = {w: n_parameters(c) for w, c in one_per_width.items()}  # one network built per width, not per run
    found = runs_or_record(list(cfgs.values()), root, results, "scale_axis_*.json", "benchmarks/scale_axis.py")
    if found is None:
        return None
    runs, source = found
    rows = [x for k, r in zip(cfgs, runs) for x in run_rows(k, r.cfg, r.metrics(), r.summary()["wall_s"], params[k[1]])]
    extras = {k: entry_extras(r.entry) if isinstance(r, RecordedRun) else
              far_extras(r, far_class(r.cfg.train.train_classes)) for k, r in zip(cfgs, runs)}
    return pd.DataFrame(rows), extras, source


def plot_axis(points: pd.DataFrame, title: str = ""):
    """The scale figure: per corner, the far class at the last evaluation (left) and the lowest of the last
    three (right) against the network's trained parameters (log axis), every seed a dot, the mean a line,
    each point labelled with its width and the median minutes a run took.  Rows from another source (a GPU record
    of the `paper` preset) are drawn the same way, so the axis extends to the paper's scale."""
    import matplotlib.pyplot as plt
    colors = {"minimal": "#ae017e", "mirrored": "#2b8cbe"}
    fig, axes = plt.subplots(1, 2, figsize=(7.0, 3.1), sharey=True)
    for ax, col, name in zip(axes, ("final", "kept"), ("at the last evaluation", f"lowest of the last {LAST_K}")):
        for corner, g in points.groupby("corner", sort=False):
            color = colors.get(corner, "#555555")
            ax.scatter(g.params, g[col], s=16, color=color, alpha=0.6)
            m = g.groupby("params").agg(v=(col, "mean"), width=("width", "first"), minutes=("minutes", "median"))
            ax.plot(m.index, m.v, "-o", color=color, ms=5, label=f"{corner} ({g.far.iloc[0]})")
            if col == "final":
                for x, r in m.iterrows():
                    ax.annotate(f"w{int(r.width)}, {r.minutes:.0f} min", (x, r.v), textcoords="offset points",
                                xytext=(4, -11 if corner == "mirrored" else 5), fontsize=8, color=color)
        ax.axhline(REACHED, color="0.6", lw=0.8, ls="--")
        ax.set(xscale="log", xlabel="trained parameters", title=name, ylim=(-0.03, 1.05))
        xs = sorted(points.params.unique())
        ax.set_xlim(xs[0] / 1.8, xs[-1] * 2.6)
        ax.set_xticks(xs, [f"{x / 1e6:.1f}M" if x >= 1e6 else f"{x / 1e3:.0f}k" for x in xs])
        ax.minorticks_off()
    axes[0].set_ylabel("far class accuracy")
    axes[1].legend(fontsize=8.5, frameon=False, loc="lower right")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
