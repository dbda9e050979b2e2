import pytest

from cglib import rerun


def test_chapters_and_parameters_listed():
    assert "04_emergence" in rerun.chapters()
    p = rerun.parameters("04_emergence")
    assert p["scale"] == "auto" and "seed" in p and "train_classes" in p


def test_unknown_chapter_refused(capsys):
    with pytest.raises(SystemExit, match="unknown chapter '99_nope'; chapters: 01_concept_graphs"):
        rerun.main(["99_nope"])


def test_unknown_parameter_refused():
    with pytest.raises(SystemExit, match="unknown parameter 'sede' for 04_emergence; parameters: scale, seed"):
        rerun.main(["04_emergence", "-p", "sede", "3"])


def test_scale_env_override(monkeypatch):
    from cglib.book import resolve_scale
    monkeypatch.setenv("CGLIB_SCALE", "smoke")
    assert resolve_scale("auto") == "smoke" and resolve_scale("paper") == "paper"
    monkeypatch.delenv("CGLIB_SCALE")
    assert resolve_scale("auto") == "cpu"
    with pytest.raises(ValueError, match="allowed: smoke, cpu, paper"):
        resolve_scale("big")
