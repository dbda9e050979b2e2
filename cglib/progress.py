"""Progress bars for long work, in a live notebook and in the static book alike.

Used in: training (train.py), sweeps, probes, CelebA decoding and sliders.py.
"""
from __future__ import annotations

import os


def live() -> bool:
    """True in a live Jupyter session; False while the static book is built (``CGLIB_STATIC=1``, which the
    book's own Sphinx extension ``book/_ext/offline.py`` sets for every build, whatever command starts it),
    where kernel-bound widgets would render as dead controls."""
    return not os.environ.get("CGLIB_STATIC")


def progress_bar(*args, **kwargs):
    """A tqdm progress bar: a widget in live Jupyter, plain text in a static build (no widget scripts)."""
    if live():
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm
    return tqdm(*args, **kwargs)
