"""Records that a page reads: where a record was made (``machine()``), and the GPU records of chapter 4's
paper-scale runs (``paper_gpu_record``, ``paper_gpu_reading``) written by ``benchmarks/gpu_chapter4.py``.

A run id names a config, not a machine: the same config trained on two machines (or a CPU and a GPU)
ends differently, because floating-point order changes the trajectory.  So a record says where it was
made.  The recipe searches' records and their catalogue live in ``recipe_search/``.

Also: runs read back from a record when a page's run store lacks them (``runs_or_record``, ``RecordedRun``,
written by ``run_entry``), and the PNG rows a record keeps its grids in (``encode_images``, ``decode_images``).

Used in: book/04_emergence and book/08_beyond_the_paper (GPU records, the mirrored and paper-network records),
cglib.scaling (the scale axis's record), every benchmark and search that writes a record (``machine()``).
"""
from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np
import pandas as pd

from .emergence import record_frame


def machine() -> dict:
    """Where a record is being made: CPU model and the flags that choose kernels (AVX2, AVX-512, native
    bf16, AMX), core count, torch version and build, and the GPU if there is one."""
    import os

    import torch
    model, flags = platform.processor() or platform.machine(), set()
    try:  # Linux: the CPU's own name and flags (the first core's)
        info = dict(line.split(":", 1) for line in Path("/proc/cpuinfo").read_text().split("\n\n")[0].splitlines()
                    if ":" in line)
        info = {k.strip(): v.strip() for k, v in info.items()}
        model, flags = info.get("model name", model), set(info.get("flags", "").split())
    except OSError:
        pass
    info = {"cpu": model, "cores": os.cpu_count(), "torch": torch.__version__,
            "flags": sorted(flags & {"avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile", "fma"})}
    if torch.cuda.is_available():
        import subprocess
        info.update(gpu=torch.cuda.get_device_name(0), cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version())
        try:  # the driver, which torch does not report
            info["driver"] = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                                            capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            info["driver"] = "unknown (no nvidia-smi)"
    return info


def paper_gpu_record(results, train_classes, seeds=(0, 1, 2)) -> dict | None:
    """The newest record of benchmarks/gpu_chapter4.py in ``results`` whose runs are the `paper` preset on
    ``train_classes`` (in any precision: the script may move a run to the fastest), or None: no GPU has made one.
    Used in: book/04_emergence and book/08_beyond_the_paper."""
    from .config import PRECISIONS, preset
    from .runs import run_id
    ids = {run_id(preset("paper", seed=s, precision=p, train_classes=tuple(train_classes)))
           for s in seeds for p in PRECISIONS}
    for path in sorted(Path(results).glob("paper_gpu_chapter4_*.json"), key=lambda q: q.stem[-10:], reverse=True):
        rec = json.loads(path.read_text())
        if any(r["run_id"] in ids and r["metrics"] for r in rec["runs"]):
            return {**rec, "file": path.name}
    return None


def paper_gpu_reading(results, train_classes) -> tuple[str, pd.DataFrame, str] | None:
    """``paper_gpu_record`` read for a page: a line naming the record, its date, GPU and precision and the far
    class's final accuracy per seed, the record's metrics frame and its far class; None without a record.
    Used in: book/04_emergence and book/08_beyond_the_paper."""
    from .corners import far_class
    from .emergence import fmt_acc, per_seed_final
    rec = paper_gpu_record(results, train_classes)
    if rec is None:
        return None
    frame, far = record_frame(rec), far_class(train_classes)
    fin = per_seed_final(frame)
    where = f"{rec['date']}, {rec['machine'].get('gpu', 'no GPU named')}, {rec.get('precision', 'fp32')}"
    return (f"{rec['file']} ({where}): {far} ends at "
            + ", ".join(f"{fmt_acc(fin.loc[far, s])} (seed {s})" for s in fin.columns), frame, far)


def encode_images(images: np.ndarray) -> str:
    """Images (k, 3, S, S) in [0, 1] as one row of a PNG, base64 (a record carries a few grids this way)."""
    import base64
    import io

    import matplotlib.pyplot as plt
    row = np.concatenate(list(np.clip(images, 0, 1).transpose(0, 2, 3, 1)), axis=1)
    buf = io.BytesIO()
    plt.imsave(buf, row, format="png")
    return base64.b64encode(buf.getvalue()).decode()


def decode_images(text: str, k: int) -> np.ndarray:
    """``encode_images``'s PNG back to images (k, 3, S, S) in [0, 1] (8-bit: within 1/255 of what was stored)."""
    import base64
    import io

    import matplotlib.pyplot as plt
    row = plt.imread(io.BytesIO(base64.b64decode(text)), format="png")[..., :3]
    return np.stack(np.split(row, k, axis=1)).transpose(0, 3, 1, 2)


def write_record(out, what: str, scale: str, entries: list[dict]):
    """Write a record of finished runs to ``out``: what made it, today's date, the scale, this machine
    (``machine()``) and the run entries; print its size.  Used in: benchmarks/scale_axis.py and
    benchmarks/chapter8_runs.py (read back by ``newest_record``)."""
    import datetime
    out = Path(out)
    rec = {"what": what, "date": str(datetime.date.today()), "scale": scale, "machine": machine(), "runs": entries}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rec))
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")


def newest_record(results, pattern: str, ids) -> tuple[Path, dict, dict[str, dict]] | None:
    """The newest record in ``results`` matching ``pattern`` (e.g. ``"scale_axis_*.json"``; dated names sort by
    date) whose finished runs include every id of ``ids``: (its path, the record, its run entries by id), or None.
    Used in: ``runs_or_record``."""
    for path in sorted(Path(results or ".").glob(pattern), reverse=True):
        rec = json.loads(path.read_text())
        have = {r["run_id"]: r for r in rec["runs"] if r.get("finished")}
        if set(ids) <= set(have):
            return path, rec, have
    return None


def record_source(path: Path, rec: dict, script: str) -> str:
    """How a page names a record it reads instead of its own run store."""
    m = rec["machine"]
    return f"the record {path.name} (trained {rec['date']} on {m['cores']} cores of {m['cpu']}; `{script}` remakes it)"


class RecordedRun:
    """A finished run read back from a record (``run_entry``): what a page reads of a ``runs.Run`` (``cfg``, ``id``,
    ``finished``, ``metrics``, ``table``, ``summary`` and the last evaluation's ``samples``), with no run directory.
    A record keeps each class's first ``k`` samples of every stored grid at the last evaluation, as 8-bit PNG."""

    finished = True

    def __init__(self, entry: dict, cfg):
        self.cfg, self.entry = cfg, entry

    @property
    def id(self) -> str:
        return self.entry["run_id"]

    def metrics(self) -> list[dict]:
        return self.entry["metrics"]

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.metrics())

    def summary(self) -> dict:  # the scale axis's record (benchmarks/scale_axis.py) keeps only the wall time
        return self.entry.get("summary", {"wall_s": self.entry["wall_s"]})

    def samples(self, step: int | None = None) -> dict:
        s = self.entry["samples"]
        if step not in (None, s["step"]):
            raise ValueError(f"the record keeps run {self.id}'s samples at step {s['step']} only, not {step}")
        k = s["k"]
        return {**{name: np.stack([decode_images(png, k) for png in pngs]) for name, pngs in s["grids"].items()},
                "classes": list(s["classes"]), "step": s["step"]}

    def __repr__(self):
        return f"RecordedRun({self.id})"


def run_entry(run, k: int = 8) -> dict:
    """A finished ``runs.Run`` as a record entry that ``RecordedRun`` reads back: its id, config, metrics, ``DONE``
    summary, and the first ``k`` samples per class of every grid stored at its last evaluation (PNG)."""
    if not run.finished:
        raise ValueError(f"run {run.id} has not finished; a record keeps finished runs only")
    smp, summary = run.samples(), run.summary()
    grids = {name: [encode_images(g[:k]) for g in smp[name]] for name in smp if name.startswith("grid")}
    return {"run_id": run.id, "finished": True, "seed": run.cfg.train.seed, "config": run.cfg.to_dict(),
            "metrics": run.metrics(), "summary": summary, "wall_s": summary["wall_s"],
            "samples": {"step": smp["step"], "k": min(k, smp["grid"].shape[1]), "classes": smp["classes"],
                        "grids": grids}}


def runs_or_record(cfgs, root, results, pattern: str, script: str) -> tuple[list, str] | None:
    """The runs of ``cfgs``, in order, and where they came from: this run store when every one finished in it
    (``runs.Run``), else the newest record in ``results`` matching ``pattern`` that holds them all
    (``RecordedRun``, named with the machine that trained them and the ``script`` that remakes it); None when
    neither has them all (the page then trains them, or says how).  Used in: book/08_beyond_the_paper and
    cglib.scaling.axis_frame."""
    from .runs import Run, run_dir, run_id
    runs = [Run(run_dir(run_id(c), root), c) for c in cfgs]
    if all(r.finished for r in runs):
        return runs, "this build's run store"
    found = newest_record(results, pattern, [r.id for r in runs])
    if found is None:
        return None
    path, rec, have = found
    return [RecordedRun(have[r.id], r.cfg) for r in runs], record_source(path, rec, script)
