"""Small helpers the chapters share: the scale parameter, numbers for the prose, the run root.

Used in: every chapter.
"""
from __future__ import annotations

import os

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
        _glue(name, text, display=False)
    except ImportError:  # pragma: no cover - myst-nb is in requirements.txt
        pass


def live() -> bool:
    """True in a live Jupyter session; False while the static book is built (``CGLIB_STATIC=1``), where
    kernel-bound widgets would render as dead controls."""
    return not os.environ.get("CGLIB_STATIC")


def progress_bar(*args, **kwargs):
    """A tqdm progress bar: a widget in live Jupyter, plain text in a static build (no widget scripts)."""
    if live():
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm
    return tqdm(*args, **kwargs)
