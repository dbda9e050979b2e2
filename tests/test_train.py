import json

import pytest

from cglib.config import ExperimentConfig, preset
from cglib.runs import Run, run_id
from cglib.train import train

KEYS_THAT_VARY = {"wall_s"}


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
    resumed = train(cfg, run_root, progress=False)
    assert resumed.finished
    assert _strip(resumed.metrics()) == _strip(whole)


def test_cache_key_changes_with_config():
    assert run_id(preset("smoke")) != run_id(preset("smoke", seed=1))
    assert run_id(preset("smoke")) == run_id(preset("smoke"))


def test_fields_added_later_keep_old_run_ids_at_their_defaults():
    # the smoke preset's id from before p_drop_variable, optimizer and eta were added
    assert run_id(preset("smoke")) == "ee3e7e79b103"
    for over in ({"p_drop_variable": 0.2}, {"optimizer": "adamw"}, {"lr_schedule": "cosine"}):
        assert run_id(preset("smoke", **over)) != run_id(preset("smoke"))


def test_per_variable_dropout_and_adamw_train(run_root):
    run = train(preset("smoke", p_drop_variable=0.3, optimizer="adamw", weight_decay=0.05, seed=7), run_root,
                progress=False)
    assert run.finished and len(run.metrics()) == 2 * 8


@pytest.mark.parametrize("over, words", [
    ({"width": 12}, ["ModelConfig.width", "12", "multiple of 8"]),
    ({"cond": "concat"}, ["ModelConfig.cond", "'concat'", "'up' or 'film'"]),
    ({"T": -3}, ["DiffusionConfig.T", "-3", "positive integer"]),
    ({"sampler": "euler"}, ["DiffusionConfig.sampler", "euler", "'ddim' or 'ddpm'"]),
    ({"batch": 0}, ["TrainConfig.batch", "0", "positive integer"]),
    ({"train_classes": ("000", "1x0")}, ["1x0", "out of range"]),
    ({"train_classes": ()}, ["empty"]),
    ({"image_size": 30}, ["TrainConfig.image_size", "30", "multiple of 4"]),
    ({"guidance": 2.0}, ["guidance", "p_uncond"]),
    ({"p_drop_variable": 1.0}, ["ModelConfig.p_drop_variable", "1.0", "[0, 1)"]),
    ({"optimizer": "sgd"}, ["TrainConfig.optimizer", "'sgd'", "'adam' or 'adamw'"]),
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
