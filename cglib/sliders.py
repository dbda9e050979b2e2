"""Sliders that work both in Jupyter and in the static book.

``slider(render, axes)`` shows ``render(**point)`` (a matplotlib figure) for one point of a grid of
values, chosen with one slider per axis.

* In a live Jupyter session it is an ipywidgets ``interactive``: each move re-renders.
* In a static build (``CGLIB_STATIC=1``; see ``cglib.progress.live``) every point is rendered once to a
  PNG and embedded in the page with plain ``<input type="range">`` sliders and a few lines of inline
  JavaScript that swap the picture.  No kernel, no widget library and no network are needed: the
  page carries everything it shows.

Used in: book/05_frequency (count and training-time sliders), book/02_toy_model.
"""
from __future__ import annotations

import base64
import html
import io
import itertools
import json
import uuid

import matplotlib.pyplot as plt

from . import readable  # noqa: F401  (with CGLIB_FIGURE_CHECK set, slider frames are checked too)
from .progress import live


def _png(fig, dpi: int) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def static_slider_html(render, axes: dict[str, list], start: dict | None = None, dpi: int = 100,
                       title: str = "", labels: dict | None = None) -> str:
    """The self-contained HTML of a slider over every combination of ``axes`` values (name -> values);
    ``labels`` (name -> text) names the controls for a reader (default: the parameter names)."""
    names = list(axes)
    values = [list(axes[n]) for n in names]
    if not names or any(len(v) == 0 for v in values):
        raise ValueError(f"every slider axis needs at least one value; got {axes}")
    panels = {}
    for idx in itertools.product(*(range(len(v)) for v in values)):
        panels[",".join(map(str, idx))] = _png(render(**{n: v[i] for n, v, i in zip(names, values, idx)}), dpi)
    start = start or {}
    start_idx = [v.index(start[n]) if n in start else 0 for n, v in zip(names, values)]
    sid = "cglib-slider-" + uuid.uuid4().hex[:8]
    labels = {n: (labels or {}).get(n, n) for n in names}
    rows = "".join(
        f'<div class="cglib-slider-row"><label style="display:inline-block;min-width:12em">{html.escape(labels[n])}'
        f'</label><input type="range" min="0" max="{len(v) - 1}" step="1" value="{i}" data-axis="{k}" '
        f'aria-label="{html.escape(labels[n])}" style="width:20em;vertical-align:middle"> '
        f'<output class="cglib-slider-value">{html.escape(str(v[i]))}</output></div>'
        for k, (n, v, i) in enumerate(zip(names, values, start_idx)))
    first = panels[",".join(map(str, start_idx))]
    head = f"<div><b>{html.escape(title)}</b></div>" if title else ""
    script = (
        "(function(){"
        f"var root=document.getElementById({json.dumps(sid)});"
        f"var panels={json.dumps(panels)};"
        f"var labels={json.dumps([[str(x) for x in v] for v in values])};"
        "var inputs=root.querySelectorAll('input[type=range]');"
        "var outs=root.querySelectorAll('output.cglib-slider-value');"
        "var img=root.querySelector('img.cglib-slider-image');"
        "function show(){var idx=[];inputs.forEach(function(e,k){idx.push(e.value);outs[k].textContent=labels[k][+e.value];});"
        "img.src=panels[idx.join(',')];img.setAttribute('data-point',idx.join(','));}"
        "inputs.forEach(function(e){e.addEventListener('input',show);});"
        "})();")
    return (f'<div class="cglib-slider" id="{sid}">{head}{rows}'
            f'<img class="cglib-slider-image" data-point="{",".join(map(str, start_idx))}" src="{first}" '
            f'alt="{html.escape(title or "slider panel")}" style="max-width:100%"></div>'
            f"<script>{script}</script>")


def slider(render, axes: dict[str, list], start: dict | None = None, title: str = "", dpi: int = 100,
           labels: dict | None = None):
    """Show ``render(**point)`` with one slider per axis: live widgets in Jupyter, an embedded
    precomputed slider in the static book.  ``labels`` (axis name -> text) names the controls for a
    reader.  Returns the widget or the HTML object (display it)."""
    if live():
        import ipywidgets as w
        from IPython.display import display

        def show(**point):
            fig = render(**point)
            display(fig)
            plt.close(fig)

        start = start or {}
        controls = {n: w.SelectionSlider(options=list(v), value=start.get(n, list(v)[0]),
                                         description=(labels or {}).get(n, n),
                                         continuous_update=False, style={"description_width": "initial"},
                                         layout=w.Layout(width="32em"))
                    for n, v in axes.items()}
        return w.interactive(show, **controls)
    from IPython.display import HTML
    return HTML(static_slider_html(render, axes, start, dpi, title, labels))
