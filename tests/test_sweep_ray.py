"""Sweeps on Ray (a local Ray with 2 CPUs here): the same metrics as the local executor, finished points
read back, a killed task resumed, bad configs refused before any task starts."""
import threading
import time

import pytest
import torch

from cglib.config import preset
from cglib.runs import Run
from cglib.sweep import sweep

ray = pytest.importorskip("ray")
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ray")]

VARY = {"wall_s", "eval_s"}  # seconds: differ between any two runs


def _strip(rows):
    return [{k: v for k, v in r.items() if k not in VARY} for r in rows]


@pytest.fixture(scope="module")
def local_ray():
    import os
    os.environ.setdefault("RAY_raylet_start_wait_time_s", "300")  # a busy 2-core machine starts Ray slowly
    # "local": a fresh local Ray, never a cluster that `ray start` left behind (test_sweep_ray_cli.py runs one)
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the same threads per run as each Ray task gets
    yield
    torch.set_num_threads(before)


def _cfgs(seed=11):
    return [preset("smoke", seed=seed, counts={"000": 64, "100": 64, "001": 64, "010": k}) for k in (0, 16)]


def _root(tmp_path, probe_root, name):
    root = tmp_path / name
    root.mkdir()
    (root / "probes").symlink_to(probe_root / "probes", target_is_directory=True)
    return root


def test_ray_gives_the_local_metrics_and_reads_back(local_ray, one_thread, tmp_path, probe_root):
    cfgs = _cfgs()
    local = sweep(cfgs, _root(tmp_path, probe_root, "local"), progress=False)
    remote_root = _root(tmp_path, probe_root, "ray")
    remote = sweep(cfgs, remote_root, progress=False, executor="ray")
    assert [r.id for r in remote] == [r.id for r in local] and all(r.finished for r in remote)
    for a, b in zip(local, remote):
        assert _strip(a.metrics()) == _strip(b.metrics())
    stamp = [(r.path / "metrics.jsonl").stat().st_mtime_ns for r in remote]
    again = sweep(cfgs, remote_root, progress=False, executor="ray")  # finished: read back, never retrained
    assert [(r.path / "metrics.jsonl").stat().st_mtime_ns for r in again] == stamp


def test_a_killed_task_resumes_and_ends_as_if_uninterrupted(local_ray, one_thread, tmp_path, probe_root):
    import psutil
    cfg = preset("smoke", seed=12, epochs=12.0)  # 96 steps, a checkpoint every 4
    whole = sweep([cfg], _root(tmp_path, probe_root, "whole"), progress=False)[0]
    root = _root(tmp_path, probe_root, "killed")
    run = Run.open(cfg, root)
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("runs", sweep([cfg], root, progress=False, executor="ray")))
    t.start()
    killed = None
    deadline = time.time() + 240
    while killed is None and time.time() < deadline:
        steps = {r["step"] for r in run.metrics()} if (run.path / "metrics.jsonl").exists() else set()
        if steps and max(steps) >= 8 and not run.finished:
            for p in psutil.process_iter(["cmdline"]):
                if any("_train_job" in part for part in (p.info["cmdline"] or [])) or "_train_job" in (p.name() or ""):
                    p.kill()
                    killed = max(steps)
                    break
        time.sleep(0.05)
    t.join(600)
    assert killed is not None, "never caught the task mid-run"
    assert box["runs"][0].finished
    assert _strip(run.metrics()) == _strip(whole.metrics())


def test_bad_config_fails_before_any_task(local_ray, tmp_path):
    good = preset("smoke", seed=13)
    bad = good.to_dict()
    bad["train"]["n_train"] = -5
    with pytest.raises(ValueError, match="sweep point 1 is not a valid config: TrainConfig.n_train=-5"):
        sweep([good, bad], tmp_path, executor="ray", progress=False)
    with pytest.raises(ValueError, match="sweep point 1 .*not an ExperimentConfig"):
        sweep([good, "cpu"], tmp_path, executor="ray", progress=False)
    assert not list(tmp_path.glob("run-*")), "nothing may be written before every point is checked"
    with pytest.raises(ValueError, match="executor='spark'"):
        sweep([good], tmp_path, executor="spark")


@pytest.mark.parametrize("chapter, params", [
    ("04_emergence", {"n_seeds": 2, "fig16": False}),
    ("06_finetuning", {"n_check": 4}),
])
def test_chapters_run_their_sweeps_on_ray(chapter, params, local_ray, tmp_path, probe_root, monkeypatch):
    """Under papermill with -p executor ray; each chapter's kernel joins this test's local Ray through
    RAY_ADDRESS, as it would join a cluster.  (Chapter 5 runs on a cluster started with the README's own CLI
    commands: test_sweep_ray_cli.py.)"""
    from test_chapters import glued, prose_refs, run_chapter
    root = _root(tmp_path, probe_root, "runs")
    monkeypatch.setenv("CGLIB_RUNS", str(root))
    monkeypatch.setenv("RAY_ADDRESS", ray.get_runtime_context().gcs_address)
    nb = run_chapter(chapter, tmp_path, probe_root, scale="smoke", executor="ray", **params)
    assert prose_refs(chapter) <= set(glued(nb))
    done = list(root.glob("run-*/DONE"))
    assert len(done) == {"04_emergence": 2, "06_finetuning": 3}[chapter]
