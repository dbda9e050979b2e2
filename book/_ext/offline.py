"""Keep the built book offline: MathJax served from the book itself, no Thebe (kernel launching) scripts.

Jupyter Book 1 loads MathJax from a CDN and always adds sphinx-thebe, whose inline script is
injected twice (a console error) and points at a CDN.  This extension serves the MathJax copy that
the ``sphinx-mathjax-offline`` package ships from ``_static/mathjax`` and drops every Thebe script.
"""
import importlib.util
import os

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


def setup(app):
    app.connect("config-inited", _config_inited, priority=900)
    app.connect("build-finished", _copy_mathjax)
    app.connect("html-page-context", _drop_thebe, priority=900)
    return {"parallel_read_safe": True}
