import pytest

from cglib.finetune import ADDITIONS, ADVERSARIAL, adversarial_config, finetune_config, parent_of, what_is_drawn
from cglib.runs import Run, run_id
from cglib.train import train


def test_finetune_config_names_its_parent_and_keeps_lr():
    base = adversarial_config("cpu")
    assert base.train.train_classes == ADVERSARIAL and base.train.steps == 960
    for added in ADDITIONS.values():
        ft = finetune_config(base, added, "cpu")
        assert ft.train.init_from == run_id(base)
        assert ft.train.lr == base.train.lr  # as large as training's (the paper)
        assert ft.train.train_classes == ADVERSARIAL + added
        assert set(dict(ft.train.counts).values()) == {max(base.train.class_counts().values())}
        assert ft.train.steps == 400 and run_id(ft) != run_id(base)
    assert finetune_config(base, ["101"], "cpu", lr=1e-4).train.lr == 1e-4


@pytest.mark.parametrize("added, words", [([], "no classes"), (["100"], "already in the parent"), (["1x1"], "1x1")])
def test_finetune_config_rejects_bad_additions(added, words):
    with pytest.raises(ValueError, match=words):
        finetune_config(adversarial_config("smoke"), added, "smoke")


def test_finetune_of_a_missing_parent_stops_and_writes_nothing(run_root):
    ft = finetune_config(adversarial_config("smoke", seed=9), ["101"], "smoke")
    with pytest.raises(ValueError, match="parent run .* is not finished"):
        train(ft, run_root, progress=False)
    assert not (run_root / f"run-{run_id(ft)}").exists()


def test_finetune_is_a_cached_run_that_finds_its_parent(run_root):
    base_cfg = adversarial_config("smoke", seed=4)
    base = train(base_cfg, run_root, progress=False)
    ft = train(finetune_config(base_cfg, ["010", "011"], "smoke"), run_root, progress=False)
    assert ft.finished and parent_of(ft, run_root).path == base.path and parent_of(base, run_root) is None
    assert Run.load(ft.path).cfg.train.init_from == base.id
    drawn = what_is_drawn(ft, ["010", "011"], n=4)
    assert list(drawn.index) == ["010", "011"] and list(drawn.columns) == ["valid", "triangle", "blue", "small"]
    assert ((drawn["valid"] >= 0) & (drawn["valid"] <= 1)).all()
