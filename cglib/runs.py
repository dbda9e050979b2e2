"""The run store: one directory per config, found again by a hash of the config.

A run directory holds ``config.json``, ``metrics.jsonl`` (one JSON object per
evaluation and concept class), ``samples/step_XXXXXXX.npz`` (a small grid of
generated images per class and the mean image per class at each evaluation),
``checkpoint.pt`` (model, EMA, optimizer, RNG states, step, config, library
version) and, written last, ``DONE``.  Writes are atomic (temp file, then
rename).  Nothing here deletes a run.

``CACHE_VERSION`` is part of the key: raise it whenever a change in the library
would change results, so stale runs are not read back as current.

The root is ``run_root`` if given, else ``$CGLIB_RUNS``, else ``runs/`` at the project root.
Used in: every experiment chapter.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import numpy as np

from .config import RETIRED_FIELDS, ExperimentConfig

CACHE_VERSION = 1
LIBRARY_VERSION = "0.1.0"


PROJECT_ROOT = Path(__file__).resolve().parents[1]


def run_root(root: str | Path | None = None) -> Path:
    """The run store's root folder: ``root``, else ``$CGLIB_RUNS``, else ``runs/`` at the project root
    (so a chapter finds the same runs whether it executes from ``book/`` or from the top)."""
    return Path(root or os.environ.get("CGLIB_RUNS") or PROJECT_ROOT / "runs")


#: Fields added after a cache version was set: left out of the hash while at their default, so adding
#: an option does not orphan the runs already in the store.
ADDED_FIELDS = {("model", "p_drop_variable"): 0.0, ("diffusion", "eta"): 0.0, ("train", "optimizer"): "adam",
                ("train", "lr_schedule"): "constant", ("train", "dataset"): "shapes", ("train", "celeba_root"): "",
                ("model", "cond_frozen"): False, ("model", "cond_values"): "nominal",
                ("train", "size_large"): (0.26, 0.32), ("train", "size_small"): (0.13, 0.17),
                ("train", "n_eval_final"): 0, ("train", "overprompt"): (), ("train", "beta2"): 0.99,
                ("train", "classifier_steps"): 400, ("model", "arch"): "unet",
                ("diffusion", "data_range"): "[-1, 1]", ("train", "second_sampler"): "",
                ("train", "second_sampler_every"): 0, ("train", "precision"): "fp32", ("train", "overprompt_every"): 0,
                ("train", "triangle"): "box", ("train", "compile"): False,
                ("model", "cond_stages"): "all"}


def run_dir(rid: str, root: str | Path | None = None) -> Path:
    """The directory of run ``rid`` in the run store (whether or not it exists)."""
    return run_root(root) / f"run-{rid}"


def run_id(cfg: ExperimentConfig) -> str:
    """A short stable hash of the config and ``CACHE_VERSION``."""
    d = cfg.to_dict()
    for (sec, name), value in RETIRED_FIELDS.items():  # a retired field hashes as the value every run had
        d[sec][name] = value
    for (sec, name), default in ADDED_FIELDS.items():
        if d[sec].get(name) == default:
            del d[sec][name]
    blob = json.dumps({"config": d, "cache_version": CACHE_VERSION}, sort_keys=True)
    return hashlib.sha1(blob.encode()).hexdigest()[:12]


# ---------------------------------------------------------------- atomic writes


def write_atomic(path: Path, data: bytes):
    """Write ``data`` to ``path`` through a temp file and a rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def save_torch_atomic(obj, path: Path):
    import torch
    buf = io.BytesIO()
    torch.save(obj, buf)
    write_atomic(path, buf.getvalue())


# ---------------------------------------------------------------- a run directory


class DamagedRun(RuntimeError):
    """A file of a run directory cannot be read (a torn write, a full disk, a copy cut short).  The message names
    the run, the file and the remedy: the library never deletes a run, so the reader moves it away to retrain it."""

    def __init__(self, run_path: Path, file: Path, what: str):
        away = run_path.parent / f"damaged-{run_path.name}"  # out of the store's view: no longer named run-*
        super().__init__(f"run {run_path} is damaged: {file.name} {what}.  Nothing was changed.  To train this run "
                         f"again, move its directory aside (e.g. `mv {run_path} {away}`); the next call trains it "
                         "from scratch (a run that had finished trains again from step 0)")


class Run:
    """A run directory for one config.  Use ``Run.open(cfg, root)``."""

    def __init__(self, path: Path, cfg: ExperimentConfig):
        self.path, self.cfg = Path(path), cfg

    @classmethod
    def open(cls, cfg: ExperimentConfig, root: str | Path | None = None) -> "Run":
        path = run_dir(run_id(cfg), root)
        run = cls(path, cfg)
        if not (path / "config.json").exists():
            write_atomic(path / "config.json", json.dumps(
                {**cfg.to_dict(), "cache_version": CACHE_VERSION, "library_version": LIBRARY_VERSION},
                indent=2).encode())
        return run

    @classmethod
    def load(cls, path: str | Path) -> "Run":
        """Open an existing run directory by its path."""
        d = json.loads((Path(path) / "config.json").read_text())
        return cls(Path(path), ExperimentConfig.from_dict(d))

    @property
    def id(self) -> str:
        return self.path.name.removeprefix("run-")

    @property
    def finished(self) -> bool:
        return (self.path / "DONE").exists()

    @property
    def checkpoint_path(self) -> Path:
        return self.path / "checkpoint.pt"

    def metrics(self) -> list[dict]:
        """The rows of ``metrics.jsonl`` (one per evaluation and concept class); ``DamagedRun`` if a line is torn."""
        p = self.path / "metrics.jsonl"
        rows = []
        for i, line in enumerate(p.read_text().splitlines() if p.exists() else [], 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise DamagedRun(self.path, p, f"line {i} is not a JSON object ({e.msg}: {line[:60]!r})") from None
        return rows

    def load_checkpoint(self, device="cpu") -> dict:
        """``checkpoint.pt`` (weights, optimiser, RNG states, step, ...) on ``device``; ``DamagedRun`` if unreadable."""
        import torch
        try:
            return torch.load(self.checkpoint_path, map_location=device, weights_only=False)
        except FileNotFoundError:
            raise
        except Exception as e:  # torch names a torn zip archive in its own words (miniz, PytorchStreamReader, EOF)
            raise DamagedRun(self.path, self.checkpoint_path, f"cannot be read ({type(e).__name__}: "
                             f"{str(e).splitlines()[0][:120]})") from e

    def table(self):
        """``metrics.jsonl`` as a pandas DataFrame."""
        import pandas as pd
        return pd.DataFrame(self.metrics())

    def write_metrics(self, rows: list[dict]):
        write_atomic(self.path / "metrics.jsonl", "".join(json.dumps(r) + "\n" for r in rows).encode())

    def save_samples(self, step: int, grid: np.ndarray, means: np.ndarray, classes: list[str], **more: np.ndarray):
        """Store a grid (n_classes, k, 3, S, S) and per-class mean images (n_classes, 3, S, S) as uint8, and any
        ``more`` images by name (e.g. ``grid_ddpm_beta``, a second sampler's grid)."""
        buf = io.BytesIO()
        u8 = {k: (np.clip(v, 0, 1) * 255).astype(np.uint8) for k, v in {"grid": grid, "means": means, **more}.items()}
        np.savez_compressed(buf, **u8, classes=np.array(classes))
        write_atomic(self.path / "samples" / f"step_{step:07d}.npz", buf.getvalue())

    def sample_steps(self) -> list[int]:
        return sorted(int(p.stem.split("_")[1]) for p in (self.path / "samples").glob("step_*.npz"))

    def samples(self, step: int | None = None) -> dict:
        """The sample grid at ``step`` (default: the last): dict with grid, means (float in [0, 1]) and classes."""
        steps = self.sample_steps()
        if not steps:
            raise FileNotFoundError(f"run {self.path} has no sample grids yet")
        step = steps[-1] if step is None else step
        with np.load(self.path / "samples" / f"step_{step:07d}.npz") as z:
            return {**{k: z[k] / 255.0 for k in z.files if k != "classes"}, "classes": [str(c) for c in z["classes"]],
                    "step": step}

    def mark_done(self, summary: dict):
        write_atomic(self.path / "DONE", json.dumps(summary, indent=2).encode())

    def summary(self) -> dict:
        return json.loads((self.path / "DONE").read_text()) if self.finished else {}

    def final(self) -> dict[str, dict]:
        """The last evaluation's row per concept class."""
        rows = self.metrics()
        if not rows:
            return {}
        last = max(r["step"] for r in rows)
        return {r["concept_class"]: r for r in rows if r["step"] == last}

    def __repr__(self):
        return f"Run({self.path}, finished={self.finished})"
