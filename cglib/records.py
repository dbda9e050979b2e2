"""Records that a page reads: where a record was made (``machine()``), and the GPU records of chapter 4's
paper-scale runs (``paper_gpu_record``, ``paper_gpu_reading``) written by ``benchmarks/gpu_chapter4.py``.

A run id names a config, not a machine: the same config trained on two machines (or a CPU and a GPU)
ends differently, because floating-point order changes the trajectory.  So a record says where it was
made.  The recipe searches' records and their catalogue live in ``recipe_search/``.

Used in: book/04_emergence and book/08_beyond_the_paper (GPU records), every benchmark and search that
writes a record (``machine()``).
"""
from __future__ import annotations

import json
import platform
from pathlib import Path

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


