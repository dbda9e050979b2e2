"""cglib installs like a library: a fresh virtual environment, ``pip install .`` (the lock as constraints, so
that it takes the versions the book is tested with and stays offline-fast), then a smoke training run."""
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lock():
    return {line.split("==")[0].lower(): line.split("==")[1].strip() for line in
            (ROOT / "requirements.txt").read_text().splitlines() if "==" in line and not line.startswith("#")}


def test_every_runtime_dependency_is_declared_and_locked():
    """Each third-party module cglib imports is a declared dependency (or an extra's), and the lock pins it."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    name = lambda req: req.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip().lower()
    runtime = {name(r) for r in meta["dependencies"]}
    extras = {k: {name(r) for r in v} for k, v in meta["optional-dependencies"].items()}
    assert {"torch", "numpy", "scipy", "pandas", "matplotlib", "pillow", "tqdm", "ipython", "ipywidgets"} <= runtime
    assert {"jupyter-book", "myst-nb", "jupytext", "papermill"} <= extras["book"]
    assert extras["ray"] == {"ray"} and {"pytest", "diffusers"} <= extras["test"]
    lock = _lock()
    missing = sorted(n for n in runtime | set().union(*extras.values()) if n not in lock)
    assert not missing, f"declared but not pinned in requirements.txt: {missing}"


@pytest.mark.slow
def test_pip_install_in_a_fresh_venv_trains(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # scripts loaded by other tests set it
    res = subprocess.run([str(py), "-m", "pip", "install", "-q", str(ROOT), "-c", str(ROOT / "requirements.txt")],
                         capture_output=True, text=True, timeout=900, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    code = ("import cglib.train, tempfile, cglib; from cglib.config import preset; from cglib.train import train; "
            "r = train(preset('smoke'), tempfile.mkdtemp(), device='cpu', progress=False); "
            "print(cglib.__file__, r.finished, len(r.metrics()))")
    res = subprocess.run([str(py), "-c", code], capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    where, finished, rows = res.stdout.split()[-3:]
    assert str(venv) in where, "the import must come from the installed package, not this checkout"
    assert finished == "True" and int(rows) > 0
