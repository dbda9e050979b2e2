"""The one-call GPU script for chapter 4 works end to end (here at smoke scale on the CPU)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _gpu_call(tmp_path, probe_root, *args):
    (tmp_path / "probes").symlink_to(probe_root / "probes", target_is_directory=True)
    return subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_chapter4.py"), "--scale", "smoke", "--device",
                           "cpu", "--seeds", "0,1", "--root", str(tmp_path), "--threads", "1", "--reps", "2",
                           "--out", str(tmp_path / "out"), "--paper-path", *args],
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_gpu_chapter4_script_plans_then_trains_and_records(tmp_path, probe_root):
    res = _gpu_call(tmp_path, probe_root)
    assert res.returncode == 0, res.stderr[-2000:]
    out = res.stdout
    # the plan comes before any training: every precision measured, then the projection split in two
    assert out.index("  fp32: training step") < out.index("plan: ") < out.index("seed 0: step")
    assert "s training +" in out and "s sampling" in out and "projected" in out
    assert "seed 1: step 8/8" in out and "ms a step" in out  # each process reports its progress
    rec = json.loads(next((tmp_path / "out").glob("paper_gpu_chapter4_minimal_*.json")).read_text())
    assert [r["seed"] for r in rec["runs"]] == [0, 1] and all(r["finished"] for r in rec["runs"])
    assert rec["precision"] == rec["plan"][0]["precision"]  # auto: the fastest of the preflight
    assert {"cpu", "torch"} <= set(rec["machine"]) and rec["plan"][0]["samples_per_seed"] == 8 * 4 + 8 * 4
    assert sorted(p.name for p in (tmp_path / "out").glob("grid_*.png")) == ["grid_minimal_seed0.png",
                                                                            "grid_minimal_seed1.png"]
    assert "seed 1: finished at step 8 of 8" in out and "official judge" in out
    # the paper's code path ran: its network, inputs and sampler, and its judge's reading in the record
    from cglib.config import ExperimentConfig
    cfg = ExperimentConfig.from_dict(json.loads((tmp_path / f"run-{rec['runs'][0]['run_id']}" / "config.json")
                                                .read_text()))
    assert (cfg.model.arch, cfg.model.cond_values, cfg.diffusion.sampler) == ("context_unet", "official", "ddpm_beta")
    assert cfg.train.precision == rec["precision"]
    assert all("acc_official" in m for m in rec["runs"][0]["metrics"])
    from cglib.emergence import record_frame
    from recipe_search.verdicts import seed_search_summary
    summ = seed_search_summary(record_frame(rec))
    assert len(summ) == 2 and summ["111"].between(0, 1).all()


@pytest.mark.slow
def test_gpu_chapter4_script_stops_with_its_plan_when_the_plan_does_not_fit(tmp_path, probe_root):
    res = _gpu_call(tmp_path, probe_root, "--deadline", "1", "--corner", "mirrored")
    assert res.returncode == 3, res.stderr[-2000:]
    assert "does not fit: projected" in res.stdout and "seed 0: step" not in res.stdout
    assert not list(tmp_path.glob("run-*"))  # nothing trained
    rec = json.loads(next((tmp_path / "out").glob("paper_gpu_plan_mirrored_*.json")).read_text())
    assert rec["plan"][0]["total_s"] > 0 and not rec["runs"] and not list((tmp_path / "out").glob("*.png"))


def _seed_search():
    from recipe_search import seed_search
    return seed_search


def test_seed_search_candidates_are_valid_configs():
    from cglib.runs import run_id
    ss = _seed_search()
    for name in ss.CANDIDATES:
        for s in ss.SEEDS:
            ss.config(name, s)  # every candidate is a valid config (bad fields stop here)
    decay = ss.config("b64_drawn_wide_decay", 0)
    assert decay.train.lr_schedule == "linear" and run_id(decay) != run_id(ss.config("b64_drawn_wide", 0))


def test_seed_search_budget_steps_changes_the_budget_and_nothing_else():
    import dataclasses
    ss = _seed_search()
    full = ss.make_jobs(["b64_drawn_ratio59"], [0, 1])
    short = ss.make_jobs(["b64_drawn_ratio59"], [0, 1], budget_steps=640)
    assert [(n, s) for n, s, _ in short] == [(n, s) for n, s, _ in full] == [("b64_drawn_ratio59", 0), ("b64_drawn_ratio59", 1)]
    for (_, _, a), (_, _, b) in zip(full, short):
        assert a.train.steps == 1954 and b.train.steps == 640
        assert dataclasses.replace(b.train, epochs=a.train.epochs) == a.train and b.model == a.model and b.diffusion == a.diffusion
        assert a.train.lr_schedule == "constant"  # why a shorter run is the longer one's beginning


def test_the_gpu_scripts_paper_path_is_the_paper_presets():
    """--paper-path (tested at smoke above) sets exactly what the `paper` preset sets, and the chapter's
    "paper's own network" is the paper preset's network."""
    import importlib.util
    from cglib.config import preset
    from cglib.scales import PAPER_NETWORK
    spec = importlib.util.spec_from_file_location("gpu_chapter4", ROOT / "benchmarks" / "gpu_chapter4.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    paper = preset("paper")
    flat = {**paper.model.__dict__, **paper.diffusion.__dict__}
    assert all(flat[k] == v for k, v in {**mod.PAPER_PATH, **PAPER_NETWORK}.items())
    assert paper.model.width == 256 and paper.train.steps == 3907 and paper.train.n_eval == 64


def test_bench_engine_counts_a_cpu_runs_evaluation_samples():
    """The counts behind the evaluation share the engine benchmark prints (issue 23): the cpu preset's 1954-step
    run evaluates at steps 160, ..., 1920 and at the end (12 + 1 evaluations): 8 classes x 40 before the end and
    x 200 at it; the far class overprompted at 5 strengths x 40 at all 13, or at 3 + 1 every 640 steps."""
    import importlib.util

    from cglib.config import preset
    spec = importlib.util.spec_from_file_location("bench_engine", ROOT / "benchmarks" / "bench_engine.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    t = preset("cpu").train
    assert t.steps == 1954 and t.eval_every == 160
    assert mod.evaluation_samples(t) == (12 * 320 + 1600, 13 * 5 * 40)
    assert mod.evaluation_samples(t, overprompt_every=640) == (5440, 4 * 5 * 40)
    assert mod.evaluation_samples(t, overprompt=False) == (5440, 0)


@pytest.mark.slow
@pytest.mark.parametrize("section", ["paper_network", "mirrored"])
def test_chapter8_record_is_read_back_as_the_runs_it_holds(section, tmp_path, probe_root):
    """benchmarks/chapter8_runs.py trains one of chapter 8's recorded sections and records it; a store without its
    runs reads the record back (``records.runs_or_record``), labelled, with the same metrics and grids (and, for
    the mirrored set, the same far-class trajectories the locality test would measure on the networks); a record
    lacking a seed is not read, and a store holding every run is preferred to any record."""
    import numpy as np

    from cglib.corners import far_class
    from cglib.mechanism import commit_summary, run_trajectory
    from cglib.records import RecordedRun, runs_or_record
    from cglib.runs import Run
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from chapter8_runs import configs
    store, results = tmp_path / "store", tmp_path / "results"
    store.mkdir()
    (store / "probes").symlink_to(probe_root / "probes", target_is_directory=True)
    out = results / f"{section}_smoke_2026-12-07.json"
    script = ROOT / "benchmarks" / "chapter8_runs.py"
    res = subprocess.run([sys.executable, str(script), section, "--scale", "smoke", "--train", "--workers", "1",
                          "--root", str(store), "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.count("seed ") == 3 and "wrote " in res.stdout
    cfgs, pattern, name = configs(section, "smoke"), f"{section}_smoke_*.json", f"benchmarks/chapter8_runs.py {section}"
    runs, source = runs_or_record(cfgs, store, results, pattern, name)
    assert source == "this build's run store" and all(isinstance(r, Run) for r in runs)
    got, source = runs_or_record(cfgs, tmp_path / "empty", results, pattern, name)
    assert source.startswith(f"the record {section}_smoke_2026-12-07.json (trained ")
    assert source.endswith(f"`{name}` remakes it)")
    grids = ("grid", "grid_ddpm_beta") if section == "paper_network" else ("grid",)
    for r, g in zip(runs, got):
        assert isinstance(g, RecordedRun) and g.id == r.id and g.cfg == r.cfg
        assert g.table().equals(r.table()) and g.summary() == r.summary()
        a, b = r.samples(), g.samples()
        assert a["classes"] == b["classes"] and a["step"] == b["step"]
        for grid in grids:  # the grids of every sampler, every class, within one level of 8 bits
            assert b[grid].shape == a[grid].shape and np.abs(b[grid] - a[grid]).max() <= 1 / 255 + 1e-6
        far = far_class(r.cfg.train.train_classes)
        if section == "mirrored":  # the locality test reads the record's trajectory as it would measure the network
            assert far == "000"
            t, u = run_trajectory(r, far), run_trajectory(g, far)
            assert set(t) == set(u) and all(np.allclose(t[k], u[k], equal_nan=True) for k in t)
            assert commit_summary(t) == pytest.approx(commit_summary(u), nan_ok=True)
        else:
            with pytest.raises(ValueError, match=f"record of run {g.id} carries no trajectory of class {far}"):
                run_trajectory(g, far)
    rec = json.loads(out.read_text())
    rec["runs"] = rec["runs"][:2]
    (results / f"{section}_smoke_2026-12-08.json").write_text(json.dumps(rec))  # newer, but lacks seed 2
    assert runs_or_record(cfgs, tmp_path / "empty", results, pattern, "x")[1].startswith(
        f"the record {section}_smoke_2026-12-07.json")
    assert runs_or_record(cfgs, tmp_path / "empty", results, "nothing_*.json", "x") is None
