"""The book's figures.

Colours follow the paper's Fig. 5: training classes light blue, concept
distance 1 pink, distance 2 dark pink, distance 3 purple.

Used in: every chapter.
"""
from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np

from . import readable  # noqa: F401  (with CGLIB_FIGURE_CHECK set, every figure's text is checked)
from .concepts import all_classes, check_train_set, class_values, describe, distances

DIST_COLORS = {0: "#6baed6", 1: "#f768a1", 2: "#ae017e", 3: "#49006a"}
DIST_LABELS = {0: "training class", 1: "distance 1", 2: "distance 2", 3: "distance 3"}


# ---------------------------------------------------------------- concept graphs (Figs. 3, 4, 5a, 16)


def node_positions(n_variables: int) -> dict[str, np.ndarray]:
    """2-D positions of the hypercube's nodes: an oblique cube, and for 4 variables two cubes side by side,
    the second shifted down so that no edge passes through a node it does not join (tests/test_plots.py)."""
    axes = [np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([0.5, 0.4]), np.array([2.1, -0.5])]
    return {c: sum(v * a for v, a in zip(class_values(c), axes)) for c in all_classes(n_variables)}


def plot_concept_graph(train, n_variables: int | None = None, ax=None, values: dict | None = None,
                       title: str | None = None, fmt: str = "{:.2f}"):
    """Draw the concept graph with training nodes and the others coloured by concept distance.

    ``values`` (class -> number) is printed under each node, e.g. a final accuracy.
    """
    train = check_train_set(train, n_variables)
    n = len(train[0])
    dist = distances(train, n)
    pos = node_positions(n)
    ax = ax or plt.subplots(figsize=(4.5 if n == 3 else 7, 4))[1]
    for a, b in itertools.combinations(pos, 2):
        if sum(x != y for x, y in zip(a, b)) == 1:
            ax.plot(*np.array([pos[a], pos[b]]).T, color="0.75", lw=1, zorder=1)
    for c, p in pos.items():
        ax.scatter(*p, s=650, color=DIST_COLORS[dist[c]], edgecolor="k" if c in train else "none", zorder=2)
        ax.text(*p, c, ha="center", va="center", fontsize=9, color="w" if dist[c] >= 2 else "k", zorder=3)
        if values is not None and c in values:
            ax.text(p[0], p[1] - 0.17, fmt.format(values[c]), ha="center", va="top", fontsize=8.5, zorder=3)
    xy = np.array(list(pos.values()))
    ax.set_xlim(xy[:, 0].min() - 0.3, xy[:, 0].max() + 0.3)  # room for the nodes at the edges (no clipping)
    ax.set_ylim(xy[:, 1].min() - (0.45 if values is not None else 0.3), xy[:, 1].max() + 0.3)
    for d in sorted(set(dist.values())):
        ax.scatter([], [], color=DIST_COLORS[d], label=DIST_LABELS[d])
    ax.legend(loc="upper left", fontsize=8.5, frameon=False, bbox_to_anchor=(1, 1))
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title or f"concept graph, {n} variables")
    return ax


# ---------------------------------------------------------------- images


def show_grid(images: np.ndarray, row_labels=None, col_labels=None, ax=None, scale: float = 0.7, title=None):
    """Tile images (R, C, 3, S, S) (or (N, 3, S, S) as one row) into one picture with labels."""
    images = np.asarray(images)
    if images.ndim == 4:
        images = images[None]
    r, c, _, s, _ = images.shape
    pad = 1
    canvas = np.ones((r * (s + pad) - pad, c * (s + pad) - pad, 3)) * 0.6
    for i in range(r):
        for j in range(c):
            canvas[i * (s + pad):i * (s + pad) + s, j * (s + pad):j * (s + pad) + s] = images[i, j].transpose(1, 2, 0)
    ax = ax or plt.subplots(figsize=(max(2.0, c * scale + 1), max(1.0, r * scale)))[1]
    ax.imshow(np.clip(canvas, 0, 1), interpolation="nearest")
    ax.set_xticks([j * (s + pad) + s / 2 for j in range(c)] if col_labels is not None else [])
    ax.set_yticks([i * (s + pad) + s / 2 for i in range(r)] if row_labels is not None else [])
    if col_labels is not None:
        ax.set_xticklabels(col_labels, fontsize=8)
    if row_labels is not None:
        ax.set_yticklabels(row_labels, fontsize=8)
    for sp in ax.spines.values():
        sp.set_visible(False)
    ax.tick_params(length=0)
    if title:
        ax.set_title(title)
    return ax


def class_label(c: str) -> str:
    return f"{c}\n{describe(c)}"


# ---------------------------------------------------------------- learning curves (Figs. 5b, 6, 8, 9, 10b, 16)


#: markers that tell apart the classes of one distance group (which distance-1 class collapsed?)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def plot_curves(table, measure: str = "acc", ax=None, x: str = "step", title: str | None = None, band=None):
    """One line per concept class of ``measure`` against ``x``, coloured by concept distance, with a marker
    of its own inside its distance group (the legend names each class and its distance).

    ``table`` is a run's (or several seeds') metrics DataFrame; with a ``seed``
    column, lines show the mean over seeds and a band the min-max spread.
    """
    ax = ax or plt.subplots(figsize=(6, 3.6))[1]
    rank = {}
    for c, g in sorted(table.groupby("concept_class"), key=lambda cg: (int(cg[1]["distance"].iloc[0]), cg[0])):
        d = int(g["distance"].iloc[0])
        m = MARKERS[rank.setdefault(d, 0) % len(MARKERS)]
        rank[d] += 1
        agg = g.groupby(x)[measure]
        mean = agg.mean()
        ax.plot(mean.index, mean.values, color=DIST_COLORS[d], lw=2 if d else 1.4, ls="-" if d else "--",
                marker=m, ms=4, markevery=max(1, len(mean) // 8), label=f"{c} ({DIST_LABELS[d]})")
        if "seed" in g and g["seed"].nunique() > 1:
            ax.fill_between(mean.index, agg.min().values, agg.max().values, color=DIST_COLORS[d], alpha=0.15)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel(x)
    ax.set_ylabel(measure)
    ax.legend(fontsize=8.5, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    return ax


def record_curves(frame, cls: str = "111", ax=None, title: str | None = None, keys=None):
    """``cls``'s accuracy in a recorded search (``emergence.record_frame``): one line per variant, each drawn
    from its own evaluations (variants evaluated on other step grids keep unbroken lines), coloured by
    candidate where the record has candidates and seeds (``keys``: every candidate in colour order, so that
    panels of one record drawn apart give each candidate the same colour)."""
    ax = ax or plt.subplots(figsize=(8, 3.6))[1]
    sub = frame[frame.concept_class == cls]
    by = "candidate" if "candidate" in sub else "variant"
    keys = list(keys) if keys is not None else list(sub[by].unique())
    cmap = plt.cm.tab10 if len(keys) <= 10 else plt.cm.tab20
    colours = {k: cmap(i % cmap.N) for i, k in enumerate(keys)}
    seen = set()
    for variant, g in sub.groupby("variant", sort=False):
        key = g[by].iloc[0]
        g = g.sort_values("step")
        ax.plot(g.step, g.acc, color=colours[key], lw=1.2, label=None if key in seen else key)
        seen.add(key)
    ax.set(xlabel="step", ylabel=f"accuracy of {cls}", ylim=(-0.02, 1.02), title=title)
    ax.legend(fontsize=8.5, frameon=False, bbox_to_anchor=(1, 1), loc="upper left",
              title="one line per seed" if by == "candidate" else None, title_fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def corner_curves(frame, title: str = ""):
    """A corner search's record (``emergence.record_frame`` with a ``corner`` column): one panel per corner
    with its own far class (``corners.far_class``), one line per run, each candidate one colour in every panel."""
    from .corners import ALL_CORNERS, far_class
    groups = list(frame.groupby("corner", sort=False))
    fig, axes = plt.subplots(len(groups), 1, figsize=(8, 3.3 * len(groups)), squeeze=False)
    for ax, (corner, g) in zip(axes[:, 0], groups):
        cls = far_class(ALL_CORNERS[corner])
        record_curves(g, cls, ax=ax, title=f"{cls} over training, {corner} set{title}", keys=frame.candidate.unique())
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- images over training (Fig. 5c) and means (Figs. 13-15)


def samples_over_time(run, classes=None, n_steps: int = 6, k: int = 1, ax=None, title=None):
    """Generated images of each class (rows) at evenly chosen evaluations (columns), ``k`` per cell."""
    steps = run.sample_steps()
    pick = [steps[round(i)] for i in np.linspace(0, len(steps) - 1, min(n_steps, len(steps)))]
    first = run.samples(pick[0])
    classes = classes or first["classes"]
    rows = []
    for c in classes:
        row = []
        for s in pick:
            sm = run.samples(s)
            row.extend(sm["grid"][sm["classes"].index(c), :k])
        rows.append(row)
    labels = [f"step {s}" if j == 0 else "" for s in pick for j in range(k)]
    return show_grid(np.array(rows), row_labels=classes, col_labels=labels, ax=ax, title=title)


def mean_images(run, probes_table=None, step=None, title=None, ncols: int = 4):
    """The mean generated image per class (appendix Figs. 13-15), one panel per class, contrast-stretched
    per panel (a small object at a random place averages to a faint blur), titled with the probes'
    accuracies (``shape``, ``color``, ``size``: the fraction of samples each probe reads right)."""
    s = run.samples(step)
    classes = s["classes"]
    nrows = -(-len(classes) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.75 * ncols, 2.4 * nrows), squeeze=False, layout="constrained")
    for ax, c, m in zip(axes.flat, classes, s["means"]):
        img = np.asarray(m).transpose(1, 2, 0)
        lo, hi = img.min(), img.max()
        ax.imshow((img - lo) / (hi - lo) if hi > lo else img, interpolation="nearest")
        label = f"{c} {describe(c)}"
        if probes_table is not None:
            label += "\n" + " ".join(f"{v[4:]} {probes_table.loc[c, v]:.2f}" for v in ("acc_shape", "acc_color"))
            label += f"\nsize {probes_table.loc[c, 'acc_size']:.2f}"
        ax.set_title(label, fontsize=8, linespacing=1.15)
        ax.axis("off")
    for ax in axes.flat[len(classes):]:
        ax.axis("off")
    fig.suptitle(title or f"mean generated image per class, step {s['step']} (contrast stretched per panel)",
                 fontsize=10)
    return fig


# ---------------------------------------------------------------- one run at one evaluation (slider panels, Figs. 8, 9)


def run_panel(run, step=None, k: int = 4, title: str | None = None):
    """A figure of one run at one evaluation: ``k`` samples per class (left) and each class's
    multiplicative accuracy with rejection (right), coloured by concept distance."""
    s = run.samples(step)
    rows = {r["concept_class"]: r for r in run.metrics() if r["step"] == s["step"]}
    classes = s["classes"]
    fig, (a, b) = plt.subplots(1, 2, figsize=(7.2, 3.3), gridspec_kw={"width_ratios": [1.1, 1]})
    show_grid(s["grid"][:, :k], row_labels=[f"{c} {describe(c)}" for c in classes], ax=a, scale=0.5)
    accs = [rows[c]["acc"] if c in rows else np.nan for c in classes]
    cols = [DIST_COLORS[int(rows[c]["distance"])] if c in rows else "0.7" for c in classes]
    b.barh(range(len(classes)), accs, color=cols)
    b.set_yticks(range(len(classes)), classes, fontsize=8)
    b.invert_yaxis()
    b.set_xlim(0, 1)
    b.set_xlabel("accuracy (with rejection)")
    for i, v in enumerate(accs):
        b.text(min(v, 0.84) + 0.02 if v == v else 0.02, i, f"{v:.2f}", va="center", fontsize=8)
    fig.suptitle(title or f"step {s['step']}", fontsize=10)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- the network (Fig. 12)

#: where each block of ``unet.UNet`` sits in the U: (column, level); level 0 is full resolution
_UNET_LAYOUT = {"inp": (0, 0), "down0": (1, 0), "down1": (2, 1), "mid0": (3, 2), "attn": (4, 2), "mid1": (5, 2),
                "up1": (6, 1), "up0": (7, 0), "out": (8, 0)}


def unet_diagram(model, image_size: int, ax=None, title: str | None = None):
    """Fig. 12 for this library's ``unet.UNet``, drawn from the model itself: one box per block with the
    shape of its output (traced with forward hooks on one input), skip connections dashed, and where the
    concept-class condition enters (``ModelConfig.cond``) marked in pink."""
    import torch
    shapes, hooks = {}, []
    for name in _UNET_LAYOUT:
        mod = getattr(model, name)
        hooks.append(mod.register_forward_hook(lambda m, i, o, name=name: shapes.__setitem__(name, tuple(o.shape[1:]))))
    n_var = next(iter(model.parameters())).new_zeros(1)  # device and dtype of the model
    with torch.no_grad():
        model(torch.zeros(1, 3, image_size, image_size, device=n_var.device), n_var, torch.zeros(1, 3, device=n_var.device))
    for h in hooks:
        h.remove()
    cond = model.cfg.cond
    enters = {"film": {"down0", "down1", "mid0", "mid1", "up1", "up0"}, "up": {"mid1", "up1", "up0"},
              "multiply": {"up1", "up0"}}[cond]
    ax = ax or plt.subplots(figsize=(7.6, 3.4))[1]
    for name, (x, lvl) in _UNET_LAYOUT.items():
        c, h, w = shapes[name]
        is_attn = name == "attn" and model.cfg.attention
        face = "#fde0ef" if name in enters else ("#fff2cc" if is_attn else "#deebf7")
        ax.add_patch(plt.Rectangle((x - 0.42, -lvl - 0.32), 0.84, 0.64, facecolor=face, edgecolor="0.3"))
        label = name if name != "attn" or model.cfg.attention else "(no attn)"
        ax.text(x, -lvl + 0.14, label, ha="center", va="center", fontsize=9)
        ax.text(x, -lvl - 0.13, f"{c} ch\n{h}x{w}", ha="center", va="center", fontsize=8, linespacing=1.1)
        if x:
            px, pl = next(v for v in _UNET_LAYOUT.values() if v[0] == x - 1)
            ax.annotate("", (x - 0.42, -lvl), (px + 0.42, -pl), arrowprops=dict(arrowstyle="->", color="0.3"))
    for a, b in (("down0", "up0"), ("down1", "up1")):  # skip connections: concatenated before the up block
        (xa, la), (xb, _) = _UNET_LAYOUT[a], _UNET_LAYOUT[b]
        ax.annotate("", (xb, -la + 0.32), (xa, -la + 0.32),
                    arrowprops=dict(arrowstyle="->", ls="--", color="0.5", connectionstyle="arc3,rad=-0.25"))
    ax.set(xlim=(-0.6, 8.6), ylim=(-2.6, 0.9))
    ax.axis("off")
    ax.set_title(title or f"U-Net ({cond} condition: pink blocks receive it; each box: its output, channels and size)", fontsize=10)
    return ax


def shape_reading(tables: dict, title: str = ""):
    """The evaluator's shape reading of each training set's far class over training (issue: is the judge
    symmetric?): per corner (``tables``: name -> metrics table with a ``seed`` column and ``skew_q*``), the
    percentiles 10-90 and 25-75 of the objects' vertical skewness as bands and the median as a line (each the
    mean over seeds), with the cut (``measure.TRIANGLE_SKEW``), the band the banded judge rejects
    (``measure.BETWEEN``) and the ideal circle (0) and triangle (-0.57).  Used in: book/08_beyond_the_paper."""
    from .corners import far_class
    from .measure import BETWEEN, TRIANGLE_SKEW
    fig, axes = plt.subplots(len(tables), 1, figsize=(6.4, 2.6 * len(tables)), sharex=True, squeeze=False)
    for ax, (name, tab) in zip(axes[:, 0], tables.items()):
        cls = far_class(sorted(set(tab[tab.in_train.astype(bool)].concept_class)))
        q = tab[tab.concept_class == cls].groupby("step")[[f"skew_q{p}" for p in (10, 25, 50, 75, 90)]].mean()
        ax.fill_between(q.index, q.skew_q10, q.skew_q90, color="C0", alpha=0.18, lw=0, label="10-90%")
        ax.fill_between(q.index, q.skew_q25, q.skew_q75, color="C0", alpha=0.35, lw=0, label="25-75%")
        ax.plot(q.index, q.skew_q50, "-o", color="C0", ms=3, lw=1.3, label="median")
        ax.axhspan(*BETWEEN, color="0.85", zorder=0, label="rejected as in-between")
        ax.axhline(TRIANGLE_SKEW, color="k", ls=":", lw=1, label="cut: triangle below")
        for y, txt in ((0.0, "circle"), (-0.57, "triangle")):
            ax.axhline(y, color="0.4", lw=0.6)
            ax.text(1.01, y, txt, transform=ax.get_yaxis_transform(), va="center", fontsize=9)
        ax.set(ylabel="skewness", ylim=(-0.8, 0.35), title=f"{name} set: {cls}{title}")
    axes[0, 0].legend(fontsize=8.5, frameon=False, loc="upper left", bbox_to_anchor=(1.12, 1))
    axes[-1, 0].set(xlabel="step")
    fig.tight_layout()
    return fig
