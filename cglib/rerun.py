"""Rerun one chapter with papermill: ``python -m cglib.rerun 04_emergence -p scale paper -p seed 3``.

Makes a notebook from the chapter's ``.py`` (what people edit) in the output folder, leaving the
tracked ``.ipynb`` alone; checks every ``-p`` name against the chapter's parameters cell (papermill
alone only warns) and every value against its default's type; prints the run store that will be
used; runs it; and writes the executed notebook to ``out/<chapter>/<parameters>/``.  A chapter that
stops on a bad value prints the chapter's own message.

The kernel runs as the static book does (``CGLIB_STATIC=1``, see ``cglib.progress.live``): papermill has
no frontend to drive live widgets, the executed notebook then carries self-contained sliders and
plain-text progress, and nbclient can wait forever on a cell that opens an ipywidgets ``interactive``
with nobody to answer it (jupyter/nbclient#312; seen here on chapter 5's slider cell).
"""
from __future__ import annotations

import argparse
import ast
import os
import sys
from contextlib import contextmanager
from pathlib import Path

BOOK = Path(__file__).resolve().parents[1] / "book"


def chapters() -> list[str]:
    return sorted(p.stem for p in BOOK.glob("[0-9]*.py"))


def parameters(chapter: str) -> dict:
    """The names and default values of a chapter's parameters cell."""
    import jupytext
    nb = jupytext.read(BOOK / f"{chapter}.py")
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    out = {}
    for node in ast.parse(cell.source).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            out[node.targets[0].id] = ast.literal_eval(node.value)
    return out


def _value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def check_value(name: str, value, default):
    """A ``-p`` value must have its default's type: a number for a number, True/False for a flag; a
    parameter whose default is a string (often ``"auto"``) also takes a number or a list, and one whose
    default is a number also takes ``"auto"``.  Returns an error message, or ``None``."""
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = (isinstance(value, int) and not isinstance(value, bool)) or value == "auto"
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    else:
        ok = True
    if ok:
        return None
    return (f"parameter {name}={value!r} has the wrong type: its default is {default!r} "
            f"({type(default).__name__}); write lists as -p {name} '[...]'")


@contextmanager
def headless():
    """``CGLIB_STATIC=1`` for the kernels started inside (they inherit this process's environment), the
    old value restored after: a papermill kernel has no frontend for live widgets."""
    before = os.environ.get("CGLIB_STATIC")
    os.environ["CGLIB_STATIC"] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("CGLIB_STATIC", None)
        else:
            os.environ["CGLIB_STATIC"] = before


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("chapter", help="one of: " + ", ".join(chapters()))
    ap.add_argument("-p", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    ap.add_argument("--out", default="out")
    a = ap.parse_args(argv)
    if a.chapter not in chapters():
        sys.exit(f"unknown chapter {a.chapter!r}; chapters: {', '.join(chapters())}")
    allowed = parameters(a.chapter)
    params = {}
    for name, value in a.p:
        if name not in allowed:
            sys.exit(f"unknown parameter {name!r} for {a.chapter}; parameters: {', '.join(allowed)}")
        params[name] = _value(value)
        bad = check_value(name, params[name], allowed[name])
        if bad:
            sys.exit(bad)
    tag = "-".join(f"{k}={v}" for k, v in sorted(params.items())).replace("/", "_").replace(" ", "") or "defaults"
    out = Path(a.out) / a.chapter / tag
    out.mkdir(parents=True, exist_ok=True)
    import jupytext
    import papermill as pm
    src = out / f"{a.chapter}.input.ipynb"  # made from the .py people edit; the tracked .ipynb is never written
    jupytext.write(jupytext.read(BOOK / f"{a.chapter}.py"), src)
    from .runs import run_root
    if params.get("run_root"):  # relative to where the command runs, not to the chapter's folder
        params["run_root"] = str(Path(params["run_root"]).resolve())
    print(f"run store:         {run_root(params.get('run_root') or None).resolve()}")
    print(f"library:           {Path(__file__).resolve().parent}")  # an editable install can point elsewhere
    try:
        with headless():
            pm.execute_notebook(str(src), str(out / f"{a.chapter}.ipynb"), parameters=params, cwd=str(BOOK),
                                kernel_name="python3")
    except pm.PapermillExecutionError as e:
        sys.exit(f"{a.chapter} stopped: {e.ename}: {e.evalue}\n(the executed notebook is {out / (a.chapter + '.ipynb')})")
    print(f"executed notebook: {out / (a.chapter + '.ipynb')}")


if __name__ == "__main__":
    main()
