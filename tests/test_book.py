"""The book's helpers: glue needs myst-nb, and the execution cache follows the library's source."""
import builtins

import pytest

from cglib import book


def test_execution_cache_is_emptied_when_the_library_changes(tmp_path):
    cache = tmp_path / ".jupyter_cache"
    assert not book.refresh_execution_cache(cache, "aaa")  # a fresh cache: nothing to empty
    (cache / "executed.db").write_text("pages executed with library aaa")
    assert not book.refresh_execution_cache(cache, "aaa")  # same library: the cached pages stay
    assert (cache / "executed.db").exists()
    assert book.refresh_execution_cache(cache, "bbb")  # another library: they go
    assert not (cache / "executed.db").exists() and (cache / "cglib-source-hash").read_text() == "bbb"
    (cache / "old.db").write_text("")
    (cache / "cglib-source-hash").unlink()
    assert book.refresh_execution_cache(cache, "bbb")  # a cache of unknown origin is not trusted


def test_library_hash_follows_the_source():
    h = book.library_hash()
    assert h == book.library_hash() and len(h) == 16


def test_glue_without_myst_nb_says_what_is_missing(monkeypatch):
    real = builtins.__import__

    def no_myst(name, *a, **k):
        if name.startswith("myst_nb"):
            raise ImportError("No module named 'myst_nb'")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_myst)
    with pytest.raises(ImportError, match="needs myst-nb"):
        book.glue("x", 1)
