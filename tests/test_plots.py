"""The figures as a reader sees them: text no smaller than about 9 px in the book's column, the network
diagram drawn from the model, curves that tell the classes of one distance apart."""
import os
import subprocess
import sys

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from cglib import plots, readable  # noqa: E402


def test_text_size_follows_figure_width_dpi_and_font():
    fig, ax = plt.subplots(figsize=(5, 3), dpi=100)
    ax.plot([0, 1]); ax.legend(["a line"], fontsize=8)
    px, text = readable.text_px(fig)
    assert text == "a line" and px == pytest.approx(8 * 100 / 72)  # narrower than the column: shown at full size
    wide, ax = plt.subplots(figsize=(14, 3), dpi=100)
    ax.plot([0, 1]); ax.legend(["a line"], fontsize=8)
    px_wide, _ = readable.text_px(wide)
    assert px_wide < 0.7 * px  # a figure far wider than the column is shown scaled down to it
    with pytest.raises(ValueError, match="would show at .* px in the book's"):
        readable.check_readable(wide)
    readable.check_readable(fig)
    low, ax = plt.subplots(figsize=(5, 3), dpi=60)
    ax.legend(ax.plot([0, 1]), ["a line"], fontsize=8)
    with pytest.raises(ValueError):  # 8 pt at 60 dpi is under 7 px
        readable.check_readable(low)
    plt.close("all")


def test_the_check_runs_on_every_rendered_figure_when_asked(tmp_path):
    code = ("import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt; import cglib.readable; "
            "fig, ax = plt.subplots(figsize=(14, 3)); ax.legend(ax.plot([0, 1]), ['tiny'], fontsize=6); "
            f"fig.savefig({str(tmp_path / 'x.png')!r})")
    env = {**os.environ, "CGLIB_FIGURE_CHECK": "1"}
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert res.returncode != 0 and "'tiny' would show at" in res.stderr
    env.pop("CGLIB_FIGURE_CHECK")
    assert subprocess.run([sys.executable, "-c", code], env=env).returncode == 0  # off unless asked


@pytest.mark.parametrize("scale, over", [("smoke", {}), ("cpu", {}),
                                         ("cpu", dict(cond="multiply", cond_embed="per_variable_mlp", attention=True))])
def test_unet_diagram_is_drawn_from_the_model(scale, over):
    from cglib.config import preset
    from cglib.unet import UNet
    cfg = preset(scale, **over)
    model = UNet(cfg.model, cfg.train.n_variables)
    ax = plots.unet_diagram(model, cfg.train.image_size)
    texts = [t.get_text() for t in ax.texts]
    w, s = cfg.model.width, cfg.train.image_size
    assert f"{w} ch\n{s}x{s}" in texts and f"{2 * w} ch\n{s // 4}x{s // 4}" in texts and "3 ch\n" + f"{s}x{s}" in texts
    assert ("attn" in texts) == cfg.model.attention
    readable.check_readable(ax.figure)
    plt.close("all")


def test_the_paper_presets_network_lists_its_blocks():
    """At `paper` chapter 3 lists the code's ContextUnet block by block instead of drawing the U-Net."""
    import torch
    from cglib.config import preset
    from cglib.train import build
    cfg = preset("paper", width=16)
    model, _ = build(cfg, torch.device("cpu"))
    shapes = model.block_shapes(cfg.train.image_size)
    assert shapes["down2"] == (32, 7, 7) and shapes["to_vec"] == (32, 1, 1) and shapes["out"] == (3, 28, 28)


def test_curves_give_each_class_of_a_distance_its_own_marker():
    rows = [{"concept_class": c, "distance": d, "step": st, "acc": 0.5}
            for c, d in (("000", 0), ("100", 0), ("011", 1), ("101", 1), ("110", 1), ("111", 2)) for st in (1, 2)]
    ax = plots.plot_curves(pd.DataFrame(rows))
    by_class = {line.get_label(): line.get_marker() for line in ax.get_lines()}
    d1 = [m for label, m in by_class.items() if "distance 1" in label]
    assert len(d1) == 3 and len(set(d1)) == 3
    plt.close("all")


def test_mean_images_one_panel_per_class_readable():
    class FakeRun:
        def samples(self, step=None):
            return {"classes": ["000", "111"], "means": np.random.default_rng(0).random((2, 3, 8, 8)), "step": 4}
    tab = pd.DataFrame({"acc_shape": [1.0, 0.5], "acc_color": [1.0, 0.25], "acc_size": [0.75, 1.0]},
                       index=["000", "111"])
    fig = plots.mean_images(FakeRun(), probes_table=tab)
    titles = [a.get_title() for a in fig.axes if a.get_title()]
    assert titles[1].startswith("111 triangle, blue, small\nshape 0.50 color 0.25\nsize 1.00")
    readable.check_readable(fig)
    plt.close("all")


@pytest.mark.parametrize("n", [3, 4])
def test_no_concept_graph_edge_passes_through_another_node(n):
    import itertools
    from cglib.concepts import all_classes
    pos = plots.node_positions(n)
    for a, b in itertools.combinations(all_classes(n), 2):
        if sum(x != y for x, y in zip(a, b)) != 1:
            continue
        A, B = pos[a], pos[b]
        for c, Q in pos.items():
            if c not in (a, b):
                t = np.clip(np.dot(Q - A, B - A) / np.dot(B - A, B - A), 0, 1)
                assert np.linalg.norm(A + t * (B - A) - Q) > 0.2, f"edge {a}-{b} passes through node {c}"
