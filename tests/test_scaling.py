"""The scale axis (cglib.scaling) on constructed runs: which runs it is, and verdicts that can fail."""
import json

import numpy as np
import pandas as pd
import pytest

from cglib.concepts import all_classes, distances
from cglib.config import preset
from cglib.corners import CORNERS
from cglib.runs import run_id
from cglib.records import decode_images, encode_images
from cglib.scaling import (axis_configs, axis_frame, axis_points, axis_summary, moved,
                           plot_axis)


def test_the_axis_holds_both_corners_at_every_width_and_six_minimal_seeds_at_the_presets_width():
    cfgs = axis_configs("cpu")
    assert len(cfgs) == 2 * 2 * 3 + 3
    assert {w for _, w, _ in cfgs} == {16, 32}
    for s in range(6):  # the preset's width on seeds 0-5 of the minimal set: chapter 4's runs and three more
        assert run_id(cfgs[("minimal", 32, s)]) == run_id(preset("cpu", seed=s))
    assert cfgs[("mirrored", 16, 2)].train.train_classes == CORNERS["mirrored"]
    assert cfgs[("mirrored", 16, 2)].model.width == 16 and cfgs[("mirrored", 16, 2)].train.steps == 1954


def frame(curves):
    """Metrics rows: {(corner, width, seed): far-class curve over steps 160, 320, ...}; other classes at 1."""
    rows = []
    for (corner, width, seed), curve in curves.items():
        dist = distances(CORNERS[corner])
        for i, acc in enumerate(curve):
            for c in all_classes(3):
                a = acc if dist[c] == max(dist.values()) else 1.0
                rows.append(dict(corner=corner, width=width, seed=seed, step=160 * (i + 1), concept_class=c,
                                 acc=a, in_train=dist[c] == 0, measured_shape=a, wall_s=600.0 * width / 16,
                                 params=1000 * width))
    return pd.DataFrame(rows)


def test_points_and_the_moved_verdict_can_say_up_no_move_or_not_settled():
    f = frame({("minimal", 16, s): (0.2, 0.9, 0.95, 0.9) for s in range(3)}
              | {("minimal", 32, s): (0.5, 0.95, 0.9, 0.92) for s in range(3)}
              | {("mirrored", 16, s): (0.0, 0.0, 0.05, 0.0) for s in range(3)}
              | {("mirrored", 32, s): (0.1, 0.6, 0.5, 0.4 + 0.1 * s) for s in range(3)})
    p = axis_points(f)
    assert len(p) == 12 and set(p.far) == {"111", "000"}
    r = p.set_index(["corner", "width", "seed"]).loc[("mirrored", 32, 2)]
    assert np.allclose((r.final, r.kept, r.peak, r.minutes), (0.6, 0.5, 0.6, 20.0)) and np.isnan(r.first_reach)
    assert p.set_index(["corner", "width", "seed"]).loc[("minimal", 16, 0)].first_reach == 320
    assert moved(p, "mirrored")[0].startswith("moved up (width 16 → 32")
    assert moved(p, "minimal")[0].startswith("did not move")
    mixed = f.copy()
    mixed.loc[(mixed.corner == "mirrored") & (mixed.width == 32) & (mixed.seed == 0), "acc"] = 0.0
    assert moved(axis_points(mixed), "mirrored")[0].startswith("not settled")
    s = axis_summary(p)
    assert s.loc[("minimal", 16), "kept_seeds"] == 3 and s.loc[("mirrored", 32), "emerged"] == 0
    assert np.allclose(s.loc[("mirrored", 32), ["final_lo", "final_hi"]].astype(float), (0.4, 0.6))
    assert moved(p[p.width == 16], "minimal")[0].startswith("not judged")
    from cglib.scaling import capacity_verdict
    assert capacity_verdict(p).startswith("supported")  # the mirrored far class rose on every seed
    flat = f.copy()
    flat.loc[(flat.corner == "mirrored") & (flat.width == 32), "acc"] = 0.02
    assert capacity_verdict(axis_points(flat)).startswith("refuted on this range")  # minimal holds, mirrored flat
    low = flat.copy()
    low.loc[low.corner == "minimal", "acc"] = 0.3
    assert capacity_verdict(axis_points(low)).startswith("not settled")  # neither corner composes at any width
    fig = plot_axis(p)
    assert len(fig.axes) == 2


def test_grids_survive_the_record_within_one_level_of_eight_bits():
    from cglib.render import render
    imgs = render(["111", "000", "101"], seed=3)
    back = decode_images(encode_images(imgs), 3)
    assert back.shape == imgs.shape and np.abs(back - imgs).max() <= 1 / 255 + 1e-6


def test_the_axis_is_read_from_a_record_when_the_store_lacks_its_runs(tmp_path):
    cfgs = axis_configs("smoke")
    assert axis_frame(cfgs, tmp_path, tmp_path) is None  # neither the store nor a record: a page says how to train
    imgs = np.full((4, 3, 28, 28), 0.5)
    entry = lambda k, c: {"run_id": run_id(c), "finished": True, "wall_s": 60.0, "corner": k[0], "width": k[1],
                          "seed": k[2], "metrics": [{"step": 4, "concept_class": cl, "acc": 0.5, "in_train": False,
                                                     "measured_shape": 0.5} for cl in all_classes(3)],
                          "fade": [{"step": 4, "radius": 3.0, "tiny": 0.0}],
                          "grids": {"peak": {"step": 4, "k": 4, "png": encode_images(imgs)}}}
    rec = {"date": "2026-12-07", "machine": {"cores": 2, "cpu": "AMD EPYC"},
           "runs": [entry(k, c) for k, c in cfgs.items()]}
    (tmp_path / "scale_axis_2026-12-07.json").write_text(json.dumps(rec))
    partial = {**rec, "runs": rec["runs"][:-1]}
    (tmp_path / "scale_axis_2026-12-08.json").write_text(json.dumps(partial))  # newer, but missing a run
    got, extras, source = axis_frame(cfgs, tmp_path, tmp_path)
    assert source.startswith("the record scale_axis_2026-12-07.json (trained 2026-12-07 on 2 cores of AMD EPYC")
    assert len(got) == 8 * len(cfgs) and set(got.minutes) == {1.0}
    k = next(iter(cfgs))
    assert extras[k]["fade"].loc[4, "radius"] == 3.0 and extras[k]["grids"]["peak"][1].shape == imgs.shape
