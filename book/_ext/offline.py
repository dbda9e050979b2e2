"""Keep the built book offline and current: MathJax served from the book itself, no Thebe (kernel
launching) scripts, static sliders and progress bars, and no pages cached from an older library.

Jupyter Book 1 loads MathJax from a CDN and always adds sphinx-thebe, whose inline script is
injected twice (a console error) and points at a CDN.  This extension serves the MathJax copy that
the ``sphinx-mathjax-offline`` package ships from ``_static/mathjax`` and drops every Thebe script.
"""
import importlib.util
import os
from pathlib import Path

from sphinx.util.fileutil import copy_asset


def _mathjax_dir():
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    return os.path.join(os.path.dirname(spec.origin), "static", "mathjax")


def _copy_mathjax(app, exc):
    if exc is None:
        copy_asset(_mathjax_dir(), os.path.join(app.outdir, "_static", "mathjax"))


def _config_inited(app, config):
    config.mathjax_path = "mathjax/tex-chtml.js"


def _drop_thebe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if scripts:
        context["script_files"] = [s for s in scripts if "thebe" not in str(s).lower()
                                   and "thebe" not in str(getattr(s, "attributes", {}).get("body", "")).lower()]


def _fresh_cache(app, config):
    """Chapters executed with another version of cglib are executed again (the run store keeps the runs)."""
    from cglib.book import refresh_execution_cache
    cache = getattr(config, "nb_execution_cache_path", "") or Path(app.outdir).parent / ".jupyter_cache"
    if refresh_execution_cache(cache):
        print(f"cglib changed since the last build: emptied the execution cache {cache}")


def setup(app):
    # the kernels that execute the chapters inherit this: sliders and progress bars are rendered static,
    # whether the build was started by the Makefile or by `jupyter-book build .`
    os.environ["CGLIB_STATIC"] = "1"
    app.connect("config-inited", _config_inited, priority=900)
    app.connect("config-inited", _fresh_cache, priority=950)
    app.connect("build-finished", _copy_mathjax)
    app.connect("html-page-context", _drop_thebe, priority=900)
    return {"parallel_read_safe": True}
