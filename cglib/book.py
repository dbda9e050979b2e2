"""Small helpers the chapters share: the scale parameter, numbers for the prose, the run root.

Used in: every chapter.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from .config import check_scale

DEFAULT_SCALE = "cpu"


def resolve_scale(scale: str = "auto") -> str:
    """A chapter's scale: an explicit value (e.g. papermill's ``-p scale paper``) wins; ``"auto"`` takes
    ``$CGLIB_SCALE`` if set, else ``"cpu"``.  Unknown scales stop with the list of allowed ones."""
    if scale in (None, "", "auto"):
        scale = os.environ.get("CGLIB_SCALE") or DEFAULT_SCALE
    return check_scale(scale)


def glue(name: str, value, fmt: str | None = None):
    """Make ``value`` available to the prose as ``{glue:text}`name``` (myst-nb), formatted with ``fmt``.

    Returns nothing, so a ``glue`` on a cell's last line prints nothing.
    """
    text = format(value, fmt) if fmt else str(value)
    try:
        from myst_nb import glue as _glue
    except ImportError as e:
        raise ImportError("cglib.book.glue needs myst-nb (pip install -r requirements.txt), which the book's "
                          "prose reads its numbers through") from e
    _glue(name, text, display=False)


# ---------------------------------------------------------------- the book's execution cache


def library_hash() -> str:
    """A hash of the library's source (every ``cglib/*.py``): it changes whenever the library does."""
    h = hashlib.sha1()
    for p in sorted(Path(__file__).parent.glob("*.py")):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


def refresh_execution_cache(cache_dir, source_hash: str | None = None) -> bool:
    """Empty the book's execution cache (``_build/.jupyter_cache``) if it was filled by another version of
    the library, so that no page shows numbers an older ``cglib`` computed; then stamp it with this
    version.  Runs are not touched: re-executed chapters read them back from the run store.  Returns True
    if the cache was emptied."""
    cache_dir = Path(cache_dir)
    source_hash = source_hash or library_hash()
    stamp = cache_dir / "cglib-source-hash"
    stale = cache_dir.exists() and (not stamp.exists() or stamp.read_text().strip() != source_hash)
    if stale:
        shutil.rmtree(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    stamp.write_text(source_hash)
    return stale
