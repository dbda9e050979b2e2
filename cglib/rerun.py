"""Rerun one chapter with papermill: ``python -m cglib.rerun 04_emergence -p scale paper -p seed 3``.

Makes the chapter's ``.ipynb`` from its paired ``.py`` if the notebook is missing or older, checks
every ``-p`` name against the chapter's parameters cell (papermill alone only warns), runs it, and
writes the executed notebook to ``out/<chapter>/<parameters>/`` and prints where it and the run
store are.
"""
from __future__ import annotations

import argparse
import ast
import os
import sys
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
    src, nb = BOOK / f"{a.chapter}.py", BOOK / f"{a.chapter}.ipynb"
    if not nb.exists() or nb.stat().st_mtime < src.stat().st_mtime:
        import jupytext
        jupytext.write(jupytext.read(src), nb)
    tag = "-".join(f"{k}={v}" for k, v in sorted(params.items())).replace("/", "_") or "defaults"
    out = Path(a.out) / a.chapter / tag
    out.mkdir(parents=True, exist_ok=True)
    import papermill as pm
    pm.execute_notebook(str(nb), str(out / f"{a.chapter}.ipynb"), parameters=params, cwd=str(BOOK.parent),
                        kernel_name="python3")
    root = params.get("run_root") or os.environ.get("CGLIB_RUNS") or "runs"
    print(f"executed notebook: {out / (a.chapter + '.ipynb')}")
    print(f"run directories:   {Path(root).resolve()}/run-*")


if __name__ == "__main__":
    main()
