import json

import pytest

from cglib.config import ExperimentConfig, preset
from cglib.runs import run_id
from cglib.train import train

KEYS_THAT_VARY = {"wall_s", "eval_s"}


def _strip(rows):
    return [{k: v for k, v in r.items() if k not in KEYS_THAT_VARY} for r in rows]


def test_smoke_run_writes_the_run_store(run_root):
    cfg = preset("smoke")
    run = train(cfg, run_root, progress=False)
    assert run.finished and (run.path / "config.json").exists() and run.checkpoint_path.exists()
    rows = run.metrics()
    steps = sorted({r["step"] for r in rows})
    assert steps == [4, 8] and len(rows) == 2 * 8
    need = {"step", "epoch", "wall_s", "concept_class", "distance", "in_train", "acc", "reject_rate", "acc_probe",
            "acc_additive", "acc_prob", "acc_shape", "acc_color", "acc_size"}
    assert need <= set(rows[0])
    r111 = next(r for r in rows if r["concept_class"] == "111")
    assert r111["distance"] == 2 and not r111["in_train"]
    assert run.samples()["grid"].shape == (8, 4, 3, 28, 28)
    assert ExperimentConfig.from_dict(json.loads((run.path / "config.json").read_text())) == cfg
    # the time spent evaluating, so far, beside the whole time: part of it, growing
    t = sorted({(r["step"], r["eval_s"], r["wall_s"]) for r in rows})
    assert all(0 < e <= w for _, e, w in t) and t[1][1] > t[0][1]
    assert json.loads((run.path / "DONE").read_text())["eval_s"] == t[-1][1]


def test_finished_run_is_read_back_not_retrained(run_root):
    cfg = preset("smoke", seed=3)
    run = train(cfg, run_root, progress=False)
    before = (run.path / "metrics.jsonl").stat().st_mtime_ns
    again = train(cfg, run_root, progress=False)
    assert again.path == run.path and (run.path / "metrics.jsonl").stat().st_mtime_ns == before


def test_resume_gives_identical_metrics(run_root, tmp_path):
    cfg = preset("smoke", epochs=2.0, seed=5)  # 16 steps, evaluations at 4, 8, 12, 16
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "probes").symlink_to(run_root / "probes", target_is_directory=True)
    whole = train(cfg, tmp_path / "a", progress=False).metrics()
    part = train(cfg, run_root, progress=False, stop_after=8)
    assert not part.finished and max(r["step"] for r in part.metrics()) == 8
    again = train(cfg, run_root, progress=False, stop_after=8)  # a screen run twice trains nothing more
    assert not again.finished and max(r["step"] for r in again.metrics()) == 8
    resumed = train(cfg, run_root, progress=False)
    assert resumed.finished
    assert _strip(resumed.metrics()) == _strip(whole)


def test_a_checkpoint_from_before_evaluation_was_timed_resumes_with_it_unknown(run_root):
    import torch
    cfg = preset("smoke", seed=6)
    part = train(cfg, run_root, progress=False, stop_after=4)
    ck = torch.load(part.checkpoint_path, weights_only=False)
    del ck["eval_s"]
    torch.save(ck, part.checkpoint_path)
    rows = train(cfg, run_root, progress=False).metrics()
    assert [r["eval_s"] is None for r in rows if r["concept_class"] == "000"] == [False, True]


def test_a_torn_checkpoint_stops_a_resume_with_the_run_the_file_and_the_remedy(run_root):
    from cglib.runs import DamagedRun
    cfg = preset("smoke", seed=7)
    part = train(cfg, run_root, progress=False, stop_after=4)
    data = part.checkpoint_path.read_bytes()
    part.checkpoint_path.write_bytes(data[: len(data) // 2])  # a copy cut short
    with pytest.raises(DamagedRun) as e:
        train(cfg, run_root, progress=False)
    msg = str(e.value)
    assert str(part.path) in msg and "checkpoint.pt cannot be read" in msg and f"mv {part.path}" in msg
    assert "miniz" not in msg.split("(")[0]  # torch's own words only inside the parenthesis
    assert part.checkpoint_path.stat().st_size == len(data) // 2 and not part.finished  # nothing deleted or rewritten


def test_a_torn_metrics_line_names_the_file_the_line_and_the_remedy(run_root):
    from cglib.runs import DamagedRun
    run = train(preset("smoke", seed=12), run_root, progress=False)
    good = (run.path / "metrics.jsonl").read_text()
    n = len(good.splitlines())
    (run.path / "metrics.jsonl").write_text(good + '{"concept_class": "111", "acc": 0.5')  # a torn last line
    with pytest.raises(DamagedRun, match=rf"metrics.jsonl line {n + 1} is not a JSON object.*mv {run.path}"):
        run.metrics()
    assert (run.path / "metrics.jsonl").read_text().startswith(good)  # nothing rewritten


def test_cache_key_changes_with_config():
    assert run_id(preset("smoke")) != run_id(preset("smoke", seed=1))
    assert run_id(preset("smoke")) == run_id(preset("smoke"))


def test_fields_added_or_retired_later_keep_old_run_ids():
    # the smoke preset's id from before p_drop_variable, optimizer and eta were added (and since retired)
    assert run_id(preset("smoke")) == "ee3e7e79b103"
    for over in ({"lr_schedule": "linear"}, {"overprompt_every": 8}):
        assert run_id(preset("smoke", **over)) != run_id(preset("smoke"))
    for gone in ("p_drop_variable", "optimizer", "eta", "compile", "triangle", "cond_stages"):
        with pytest.raises(ValueError, match=f"unknown config field '{gone}'"):
            preset("smoke", **{gone: None})


@pytest.mark.parametrize("over, words", [
    ({"width": 12}, ["ModelConfig.width", "12", "multiple of 8"]),
    ({"cond": "concat"}, ["ModelConfig.cond", "'concat'", "film, up, multiply"]),
    ({"lr": "fast"}, ["TrainConfig.lr", "'fast'", "must be a number"]),
    ({"cond_frozen": "yes"}, ["ModelConfig.cond_frozen", "'yes'", "True or False"]),
    ({"cond_values": "measured"}, ["ModelConfig.cond_values", "'measured'", "'nominal', 'drawn' or 'official'"]),
    ({"data_range": "0-255"}, ["DiffusionConfig.data_range", "'0-255'", "'[0, 1]'"]),
    ({"second_sampler": "euler"}, ["TrainConfig.second_sampler", "'euler'", "'ddpm_beta'"]),
    ({"second_sampler_every": 5}, ["TrainConfig.second_sampler_every", "5", "multiple of eval_every=4"]),
    ({"size_small": (0.2, 0.3)}, ["size_small", "overlaps"]),
    ({"overprompt": (0.5,)}, ["TrainConfig.overprompt", "> 1"]),
    ({"n_eval_final": -1}, ["TrainConfig.n_eval_final", ">= 0"]),
    ({"T": -3}, ["DiffusionConfig.T", "-3", "positive integer"]),
    ({"sampler": "euler"}, ["DiffusionConfig.sampler", "euler", "'ddim', 'ddpm' or 'ddpm_beta'"]),
    ({"batch": 0}, ["TrainConfig.batch", "0", "positive integer"]),
    ({"train_classes": ("000", "1x0")}, ["1x0", "out of range"]),
    ({"train_classes": ()}, ["empty"]),
    ({"image_size": 30}, ["TrainConfig.image_size", "30", "multiple of 4"]),
    ({"guidance": 2.0}, ["guidance", "p_uncond"]),
    ({"lr_schedule": "cosine"}, ["TrainConfig.lr_schedule", "'cosine'", "'constant' or 'linear'"]),
    ({"weight_decay": -1e-3}, ["TrainConfig.weight_decay", "-0.001", ">= 0"]),
    ({"bogus": 1}, ["unknown config field", "bogus"]),
])
def test_bad_configs_name_field_value_and_allowed(over, words):
    with pytest.raises(ValueError) as e:
        preset("smoke", **over)
    for w in words:
        assert w in str(e.value)


def test_unknown_scale():
    with pytest.raises(ValueError, match="unknown scale 'huge'; allowed: smoke, cpu, paper"):
        preset("huge")


def test_finetune_starts_from_parent_weights(run_root):
    import torch
    parent = train(preset("smoke", seed=7), run_root, progress=False)
    child_cfg = preset("smoke", seed=7, init_from=parent.id, epochs=0.125, eval_every=1000,
                       train_classes=("000", "100", "001", "111"))
    child = train(child_cfg, run_root, progress=False)
    p = torch.load(parent.checkpoint_path, weights_only=False)["ema"]
    c = torch.load(child.checkpoint_path, weights_only=False)["model"]
    # one step of Adam moves each weight by at most ~lr; from scratch they would differ by O(1)
    diffs = [(p[k] - c[k]).abs().max().item() for k in p if p[k].dtype.is_floating_point]
    assert max(diffs) < 5 * child_cfg.train.lr


@pytest.mark.parametrize("device, words", [("tpu", ["device='tpu'", "'cpu', 'cuda'"]),
                                           ("cuda", ["device='cuda'", "no CUDA device", "device='auto'"]),
                                           ("gpu0", ["device='gpu0'", "'auto'"])])
def test_bad_device_stops_before_anything_is_written(device, words, run_root):
    import torch
    if device == "cuda" and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    cfg = preset("smoke", seed=21)
    with pytest.raises(ValueError) as e:
        train(cfg, run_root, device=device, progress=False)
    for w in words:
        assert w in str(e.value)
    assert not (run_root / f"run-{run_id(cfg)}").exists()


def test_new_options_keep_old_run_ids_and_change_their_own():
    """Options added for the seed search leave every existing config's id as it was (ids recorded before)."""
    assert run_id(preset("smoke")) == "ee3e7e79b103"
    defaults = dict(cond_frozen=False, cond_values="nominal", size_large=(0.26, 0.32), size_small=(0.13, 0.17),
                    n_eval_final=0, overprompt=())
    assert run_id(preset("smoke", **defaults)) == "ee3e7e79b103"
    for over in ({"cond_values": "drawn"}, {"cond_frozen": True}, {"size_small": (0.11, 0.17)}, {"n_eval_final": 200},
                 {"overprompt": (1.5,)}, {"cond": "multiply"}, {"cond_embed": "per_variable_mlp"},
                 {"lr_schedule": "linear"}):
        assert run_id(preset("smoke", **over)) != run_id(preset("smoke"))


def test_continuous_conditions_and_overprompting_train(run_root):
    cfg = preset("smoke", seed=8, cond_values="drawn", overprompt=(1.5, 2.0), n_eval_final=6)
    run = train(cfg, run_root, progress=False)
    rows = run.metrics()
    far = [r for r in rows if r["concept_class"] == "111"]
    assert all("acc_over" in r and r["over_strength"] in (1.5, 2.0) and "acc_over_1.5" in r for r in far)
    assert all("acc_over" not in r for r in rows if r["concept_class"] != "111")
    assert run.samples()["grid"].shape[1] == 4  # grid_k of the smoke preset
    assert ExperimentConfig.from_dict(json.loads((run.path / "config.json").read_text())) == cfg


def test_official_mechanism_trains_with_its_frozen_condition(run_root):
    import torch
    cfg = preset("smoke", seed=9, cond="multiply", cond_embed="per_variable_mlp", cond_frozen=True,
                 cond_values="drawn", lr_schedule="linear", ema=0.0)
    run = train(cfg, run_root, progress=False)
    from cglib.train import build
    torch.manual_seed(cfg.train.seed)  # as train does: the same seed draws the same random condition networks
    fresh, _ = build(cfg, torch.device("cpu"))
    trained = torch.load(run.checkpoint_path, weights_only=False)["model"]
    for name, p in fresh.state_dict().items():
        if name.startswith(("cond1.", "cond0.")):
            assert torch.equal(p, trained[name]), name
    assert run.finished and run.checkpoint_path.exists()
