import numpy as np
import pytest

from cglib.finetune import ADDITIONS, ADVERSARIAL, adversarial_config, finetune_config, parent_of, what_is_drawn
from cglib.runs import Run, run_id
from cglib.train import train


def test_adversarial_set_is_the_papers_translated_by_meaning():
    """Paper 4.1 writes (shape, size, colour): {000, 100, 001, 111} = large red circle, large red triangle,
    large blue circle, small blue triangle; "small" appears only on the small blue triangle."""
    from cglib.concepts import describe
    assert [describe(c) for c in ADVERSARIAL] == ["circle, red, large", "triangle, red, large",
                                                  "circle, blue, large", "triangle, blue, small"]
    assert [c for c in ADVERSARIAL if c[2] == "1"] == ["111"]
    assert ADDITIONS == {"add_110": ("110",), "add_001_011": ("001", "011")}


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
    ft = finetune_config(adversarial_config("smoke", seed=9), ["110"], "smoke")
    with pytest.raises(ValueError, match="parent run .* is not finished"):
        train(ft, run_root, progress=False)
    assert not (run_root / f"run-{run_id(ft)}").exists()


def test_finetune_is_a_cached_run_that_finds_its_parent(run_root):
    base_cfg = adversarial_config("smoke", seed=4)
    base = train(base_cfg, run_root, progress=False)
    ft = train(finetune_config(base_cfg, ["001", "011"], "smoke"), run_root, progress=False)
    assert ft.finished and parent_of(ft, run_root).path == base.path and parent_of(base, run_root) is None
    assert Run.load(ft.path).cfg.train.init_from == base.id
    assert {r["concept_class"] for r in ft.metrics() if r["in_train"]} == set(ADVERSARIAL) | {"001", "011"}


def test_what_is_drawn_reads_what_the_model_draws(run_root, monkeypatch):
    """Whatever is asked, a model that always draws small blue triangles is read as exactly that."""
    import cglib.train
    from cglib.render import render
    base = train(adversarial_config("smoke", seed=4), run_root, progress=False)
    monkeypatch.setattr(cglib.train, "generate", lambda model, diffusion, classes, n, *a, **k:
                        render(["111"] * (len(classes) * n), seed=1))
    drawn = what_is_drawn(base, ["001", "011"], n=6)
    assert list(drawn.columns) == ["valid", "triangle", "blue", "small"]
    assert np.allclose(drawn.to_numpy(), 1.0)
    monkeypatch.setattr(cglib.train, "generate", lambda model, diffusion, classes, n, *a, **k:
                        np.ones((len(classes) * n, 3, 28, 28), np.float32))  # empty canvases
    empty = what_is_drawn(base, ["001"], n=3)
    assert empty.loc["001", "valid"] == 0 and np.isnan(empty.loc["001", "triangle"])
