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


@pytest.mark.parametrize("args, words", [
    (["-p", "n_seeds", "'three'"], ["n_seeds='three'", "wrong type", "default is 3"]),
    (["-p", "fig16", "1"], ["fig16=1", "default is True"]),
    (["-p", "seed", "0.5"], ["seed=0.5"]),
])
def test_parameter_values_are_type_checked(args, words):
    with pytest.raises(SystemExit) as e:
        rerun.main(["04_emergence", *args])
    for w in words:
        assert w in str(e.value)


def test_value_checks_accept_what_chapters_take():
    assert rerun.check_value("train_classes", ["111", "011"], "auto") is None  # a list for an "auto" string
    assert rerun.check_value("workers", "auto", 1) is None
    assert rerun.check_value("threshold", 1, 0.8) is None
    assert rerun.check_value("scale", "paper", "auto") is None


def test_a_chapter_that_stops_on_a_bad_value_says_why(tmp_path, monkeypatch):
    """Run for real (smoke): the tracked .ipynb is not touched and the chapter's own message is printed."""
    import os
    nb = rerun.BOOK / "04_emergence.ipynb"
    before = (nb.stat().st_mtime_ns, nb.read_bytes())
    os.utime(rerun.BOOK / "04_emergence.py")  # a newer .py must not make the runner rewrite the .ipynb
    with pytest.raises(SystemExit, match="n_seeds=0 is not allowed"):
        rerun.main(["04_emergence", "-p", "scale", "smoke", "-p", "n_seeds", "0", "--out", str(tmp_path)])
    assert (nb.stat().st_mtime_ns, nb.read_bytes()) == before


def test_the_kernel_runs_headless_and_the_caller_env_is_restored(tmp_path, monkeypatch, capsys):
    """papermill has no frontend: the chapter's kernel gets CGLIB_STATIC=1 (static sliders, no live widget
    for nbclient to wait on), and the caller's environment is as before afterwards."""
    import os
    import papermill as pm
    seen = {}
    monkeypatch.delenv("CGLIB_STATIC", raising=False)
    monkeypatch.setattr(pm, "execute_notebook", lambda *a, **k: seen.setdefault("static", os.environ.get("CGLIB_STATIC")))
    rerun.main(["01_concept_graphs", "-p", "scale", "smoke", "--out", str(tmp_path)])
    assert seen["static"] == "1"
    assert "CGLIB_STATIC" not in os.environ
    shown = dict(line.split(":", 1) for line in capsys.readouterr().out.splitlines() if ":" in line)
    assert shown["library"].strip() == str(rerun.BOOK.parent / "cglib")  # the library this checkout holds
