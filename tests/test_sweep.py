import math
import os

import numpy as np
import pandas as pd
import pytest

import cglib.train
from cglib.config import preset, with_steps
from cglib.runs import Run
from cglib.onsets import critical_count, onset_count, onset_order
from cglib.sweep import sweep, sweep_table


def _count_cfg(k, **kw):
    return preset("smoke", counts={"000": 64, "100": 64, "001": 64, "010": k}, **kw)


def test_interrupted_sweep_trains_only_missing_points(run_root, monkeypatch):
    cfgs = [_count_cfg(k) for k in (0, 8, 32)]
    done = sweep(cfgs[:1], run_root, progress=False)[0]
    assert done.finished
    cglib.train.train(cfgs[1], run_root, progress=False, stop_after=4)  # interrupted half-way
    assert not Run.open(cfgs[1], run_root).finished
    before = (done.path / "metrics.jsonl").stat().st_mtime_ns

    calls = []
    real = cglib.train.train

    def spy(cfg, *a, **k):
        calls.append(cfg)
        return real(cfg, *a, **k)

    monkeypatch.setattr(cglib.train, "train", spy)
    runs = sweep(cfgs + [cfgs[2]], run_root, progress=False)  # a duplicate point trains once
    assert calls == cfgs[1:]
    assert all(r.finished for r in runs) and runs[3].path == runs[2].path
    assert (done.path / "metrics.jsonl").stat().st_mtime_ns == before
    resumed = runs[1].metrics()
    assert sorted({r["step"] for r in resumed})[0] == 4  # the first evaluation was kept, not redone

    calls.clear()
    sweep(cfgs, run_root, progress=False)
    assert calls == []  # everything is cached now

    tab = sweep_table(runs[:3], [{"count": k} for k in (0, 8, 32)])
    assert len(tab) == 3 * 8 and set(tab["count"]) == {0, 8, 32}
    assert tab.groupby("count").concept_class.nunique().eq(8).all()
    assert len(sweep_table(runs[:3], final=False)) == sum(len(r.metrics()) for r in runs[:3])


@pytest.mark.slow
def test_sweep_in_a_process_pool(run_root):
    cfgs = [_count_cfg(k, seed=7) for k in (4, 16)]
    runs = sweep(cfgs, run_root, workers=2, progress=False)
    assert [r.path for r in runs] == [Run.open(c, run_root).path for c in cfgs]
    assert all(r.finished and len(r.final()) == 8 for r in runs)


@pytest.mark.slow
def test_the_last_run_of_a_pool_takes_the_freed_cores(run_root):
    """Three runs on a pool of two (chapter 4's seeds on 2 cores): the third starts when the first ends and, once
    the second ends too, trains on every core instead of one (it asks for its share every 20 steps)."""
    import os
    cores = os.cpu_count() or 1
    cfgs = [preset("smoke", seed=s, epochs=e, eval_every=40) for s, e in ((20, 6.0), (21, 6.0), (22, 14.0))]
    runs = sweep(cfgs, run_root, workers=2, progress=False)
    ends = [r.summary()["threads_at_end"] for r in runs]
    assert ends[:2] == [max(1, cores // 2)] * 2 and ends[2] == cores, ends


def test_sweep_rejects_bad_input(run_root):
    with pytest.raises(ValueError, match="empty"):
        sweep([], run_root)
    with pytest.raises(ValueError, match="workers=0"):
        sweep([preset("smoke")], run_root, workers=0)
    with pytest.raises(ValueError, match="'auto'"):
        sweep([preset("smoke")], run_root, workers="many")
    with pytest.raises(ValueError, match="threads=0"):
        sweep([preset("smoke")], run_root, threads=0)


def test_one_after_another_honours_threads_and_restores_them(run_root, monkeypatch):
    import torch
    seen = []
    monkeypatch.setattr(cglib.train, "train", lambda cfg, *a, **k: seen.append(torch.get_num_threads()))
    before = torch.get_num_threads()
    want = 1 if before != 1 else 2
    sweep([_count_cfg(3, seed=11), _count_cfg(5, seed=11)], run_root, threads=want, progress=False)
    assert seen == [want, want] and torch.get_num_threads() == before
    seen.clear()
    sweep([_count_cfg(3, seed=11)], run_root, progress=False)  # without threads: torch's own setting
    assert seen == [before]


def test_default_workers_on_this_machine(monkeypatch):
    from cglib import sweep as sw
    monkeypatch.setattr(sw.os, "cpu_count", lambda: 2)
    assert sw.default_workers("cpu") == 2
    monkeypatch.setattr(sw.os, "cpu_count", lambda: 64)
    assert sw.default_workers("cpu") == 4


def _synthetic(threshold, counts=(0, 5, 10, 20, 50, 100, 200, 300)):
    rows = []
    for k in counts:
        for c, shift in (("110", 0), ("111", 1.0)):
            acc = 1 / (1 + math.exp(min(50.0, -(k - threshold - shift) * 2)))  # crosses 0.5 just past the threshold
            rows.append({"count": k, "concept_class": c, "acc": acc})
        rows.append({"count": k, "concept_class": "000", "acc": 1.0})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("threshold, expect", [(7, 10), (30, 50), (150, 200), (0.5, 5)])
def test_critical_count_on_synthetic_curves(threshold, expect):
    assert critical_count(_synthetic(threshold), ["110", "111"], threshold=0.8) == expect


def test_critical_count_needs_every_class_and_every_larger_count():
    t = _synthetic(30)
    assert critical_count(t, ["110"], threshold=0.8) == 50
    dip = t.copy()
    dip.loc[(dip["count"] == 100) & (dip.concept_class == "111"), "acc"] = 0.1  # a relapse at 100
    assert critical_count(dip, ["110", "111"], threshold=0.8) == 200
    assert math.isnan(critical_count(_synthetic(1000), ["110", "111"]))
    assert critical_count(t, ["000"]) == 0
    with pytest.raises(ValueError, match="no rows"):
        critical_count(t, ["011"])


def test_with_steps_fixes_the_optimisation_budget():
    for k in (0, 7, 300):
        cfg = with_steps(preset("cpu", counts={"000": 1250, "100": 1250, "001": 1250, "010": k}), 800)
        assert cfg.train.steps == 800
    with pytest.raises(ValueError, match="steps"):
        with_steps(preset("cpu"), 0)
    t = preset("cpu").train
    assert np.isclose(with_steps(preset("cpu"), 1000).train.epochs, 1000 * t.batch / t.n_train)


def test_onset_count_is_the_first_reach_and_critical_count_asks_it_to_stay():
    rows = [{"count": k, "concept_class": c, "acc": a} for k, a110, a011 in
            ((0, 0.0, 0.0), (10, 0.93, 0.85), (30, 0.98, 0.97), (100, 0.99, 0.98), (300, 0.71, 1.0))
            for c, a in (("110", a110), ("011", a011))]
    t = pd.DataFrame(rows)
    assert onset_count(t, ["110", "011"]) == 10  # first reached at 10
    assert math.isnan(critical_count(t, ["110", "011"]))  # but 110 falls back below at 300
    assert onset_count(t, ["011"]) == 10 and critical_count(t, ["011"]) == 10
    assert math.isnan(onset_count(t, ["110"], threshold=0.995))


def _acc_table(points):
    """rows of a sweep table from {count: {class: acc}}"""
    return pd.DataFrame([{"count": k, "concept_class": c, "acc": a} for k, accs in points.items()
                         for c, a in accs.items()])


def test_onset_order_counts_a_gap_only_beyond_sampling_noise():
    # chapter 5's shape sweep of 2026-11-29: at 100 triangles the triangle class is at 0.79 and its
    # distance-1 classes at 0.81: the onsets differ (300 against 100) by 0.02, within sampling noise
    t = _acc_table({10: {"100": 0.04, "101": 0.00, "110": 0.02}, 30: {"100": 0.17, "101": 0.08, "110": 0.14},
                    100: {"100": 0.79, "101": 0.81, "110": 0.81}, 300: {"100": 0.99, "101": 0.93, "110": 1.00}})
    r = onset_order((t, ["100"]), (t, ["101", "110"]), n_samples=200)
    assert (r["first"], r["second"], r["at"]) == (300, 100, 100)
    assert r["order"] == "within noise" and r["lagging"] == 0.79
    assert abs(r["margin"] - 2 * (0.16 / 200) ** 0.5) < 1e-12
    # the same gap with the training class far below: a real "later"
    t2 = t.assign(acc=t.acc.where(~((t["count"] == 100) & (t.concept_class == "100")), 0.60))
    assert onset_order((t2, ["100"]), (t2, ["101", "110"]), n_samples=200)["order"] == "later"
    # ... and with a 40-sample evaluation even 0.70 is within noise (margin 0.13)
    t3 = t.assign(acc=t.acc.where(~((t["count"] == 100) & (t.concept_class == "100")), 0.70))
    assert onset_order((t3, ["100"]), (t3, ["101", "110"]), n_samples=40)["order"] == "within noise"
    assert onset_order((t3, ["100"]), (t3, ["101", "110"]), n_samples=200)["order"] == "later"


def test_onset_order_across_two_sweeps_and_when_never_reached():
    col = _acc_table({10: {"010": 0.99, "011": 0.67}, 30: {"010": 1.0, "011": 0.99}})
    sha = _acc_table({10: {"100": 0.04, "101": 0.0}, 30: {"100": 0.17, "101": 0.08}})
    r = onset_order((col, ["011"]), (sha, ["101"]))
    assert r["order"] == "earlier" and r["first"] == 30 and math.isnan(r["second"]) and r["lagging"] == 0.08
    assert onset_order((sha, ["101"]), (col, ["011"]))["order"] == "later"
    assert onset_order((col, ["010"]), (col, ["011"]))["order"] == "earlier"  # 10 against 30; 0.67 at 10
    r = onset_order((sha, ["100"]), (sha, ["101"]))
    assert r["order"] == "same" and math.isnan(r["first"]) and math.isnan(r["second"])
    assert onset_order((col, ["010"]), (col, ["010"]))["order"] == "same"
    with pytest.raises(ValueError, match="n_samples"):
        onset_order((col, ["010"]), (col, ["011"]), n_samples=0)
    with pytest.raises(ValueError, match="threshold"):
        onset_order((col, ["010"]), (col, ["011"]), threshold=1.0)


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (an exited child nobody has reaped yet)."""
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    from pathlib import Path
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads the process table from /proc")
def test_killing_the_sweeps_parent_stops_its_pool_workers(run_root, probes):
    """A sweep's parent killed outright (no signal the pool sees) leaves no worker training as an orphan."""
    import subprocess
    import sys
    import time
    script = ("from cglib.config import preset\nfrom cglib.sweep import sweep\n"
              f"sweep([preset('smoke', seed=s, epochs=400) for s in (0, 1)], {str(run_root)!r}, workers=2, "
              "progress=False)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "OMP_NUM_THREADS": "1"})
    deadline, kids = time.time() + 120, []
    while time.time() < deadline and len(list(run_root.glob("run-*/metrics.jsonl"))) < 2:  # both are training
        time.sleep(0.5)
    kids = _children(proc.pid)
    assert len(kids) >= 2, kids  # the pool's workers (and its manager)
    proc.kill()
    proc.wait()
    deadline = time.time() + 30
    while time.time() < deadline and any(map(_running, kids)):
        time.sleep(0.5)
    alive = {k: open(f"/proc/{k}/cmdline").read().replace("\0", " ")[-60:] for k in kids if _running(k)}
    for k in alive:  # do not leave them behind whatever the verdict
        os.kill(k, 9)
    assert not alive, f"workers {alive} outlived their killed parent"
