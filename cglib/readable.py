"""Figures a reader can read: the size of a figure's text as the book shows it, and a check that every
rendered figure keeps it at about 9 px or more in the book's content column, where labels of 5 px
once hid what a figure showed.

With ``CGLIB_FIGURE_CHECK`` set (``make book-smoke`` and the tests set it) every figure rendered to an image,
a chapter's inline output or a slider frame, first passes ``check_readable``; a figure that fails stops
its cell with a message that says how to fix it.

Used in: cglib.plots and cglib.sliders (which import it), tests/test_plots.py, tests/test_browser.py.
"""
from __future__ import annotations

import os

#: the book's content column (CSS px) in a 1280 px wide window, as Chromium lays it out (tests/test_browser.py
#: measures it and fails if the column is narrower than this)
COLUMN_PX = 688
#: the smallest text (em size, CSS px) a figure may show in that column
MIN_TEXT_PX = 9.0


def text_px(fig, dpi: float | None = None, column_px: float = COLUMN_PX) -> tuple[float, str]:
    """The smallest text of ``fig`` as the book shows it: rendered at ``dpi`` (default the figure's),
    cropped to its tight bounding box (as the notebook's inline backend and ``sliders`` save figures), and
    scaled down to fit ``column_px`` when wider.  Returns (its em size in CSS px, the text)."""
    import matplotlib.text
    dpi = float(dpi or fig.dpi)
    renderer = fig.canvas.get_renderer()
    width_in = fig.get_tightbbox(renderer).width
    scale = min(1.0, column_px / (width_in * dpi))
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()
             and t.get_figure() is not None]
    if not texts:
        return float("inf"), ""
    t = min(texts, key=lambda t: t.get_fontsize())
    return t.get_fontsize() * dpi / 72 * scale, t.get_text()


def check_readable(fig, dpi: float | None = None, column_px: float = COLUMN_PX):
    """Raise ``ValueError`` if ``fig`` would show text smaller than ``MIN_TEXT_PX`` in the book's column."""
    px, text = text_px(fig, dpi, column_px)
    if px < MIN_TEXT_PX:
        w, h = fig.get_size_inches()
        raise ValueError(f"figure text {text[:40]!r} would show at {px:.1f} px in the book's {column_px} px column "
                         f"(figure {w:.1f} x {h:.1f} in at {float(dpi or fig.dpi):.0f} dpi); at least {MIN_TEXT_PX} px "
                         "is readable: make the figure narrower, its font larger, or its dpi higher")


def _check_every_rendered_figure():
    """With ``CGLIB_FIGURE_CHECK`` set (the smoke build and the tests set it), every figure rendered to an
    image (a chapter's inline output, a slider frame) first passes ``check_readable``."""
    from matplotlib.backend_bases import FigureCanvasBase
    if getattr(FigureCanvasBase.print_figure, "cglib_checked", False):
        return
    original = FigureCanvasBase.print_figure

    def print_figure(self, filename, dpi=None, *args, **kwargs):
        check_readable(self.figure, None if dpi in (None, "figure") else dpi)
        return original(self, filename, dpi, *args, **kwargs)

    print_figure.cglib_checked = True
    FigureCanvasBase.print_figure = print_figure


if os.environ.get("CGLIB_FIGURE_CHECK"):
    _check_every_rendered_figure()

