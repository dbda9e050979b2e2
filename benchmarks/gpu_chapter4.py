"""Chapter 4 at `paper` scale on one GPU in one call: every seed's run at once, then a record.

Usage (on a GPU machine):  python benchmarks/gpu_chapter4.py --out benchmarks/results/paper_gpu_<date>.json
Tested here at smoke scale:  python benchmarks/gpu_chapter4.py --scale smoke --device cpu --root /tmp/r

Each seed trains in its own process on the same device (runs of this size share a card well; see
``cglib.sweep.GPUS_PER_RUN``).  ``--deadline`` stops them after that many seconds at their last
checkpoint, so the call fits a lease; the runs stay in the run store and a second call resumes them.
The record holds every run's metrics, whether it finished, its steps and wall time, and the call's
own wall time; the script prints each seed's final accuracy of every distance-1 class and of `111`.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

#: the repository root: the script runs from a checkout where cglib is not installed (a GPU image)
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))

JOB = ("import sys, torch; from cglib.config import preset; from cglib.train import train; "
       "torch.set_num_threads(int(sys.argv[4])); "
       "train(preset(sys.argv[1], seed=int(sys.argv[2])), sys.argv[3], device=sys.argv[5], progress=False)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", default="paper")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--root", default="runs")
    ap.add_argument("--deadline", type=float, default=540, help="seconds before unfinished runs are stopped")
    ap.add_argument("--threads", type=int, default=4, help="CPU threads per run")
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    import torch

    from cglib.config import preset
    from cglib.runs import Run, run_dir, run_id
    from cglib.train import pick_device
    dev = str(pick_device(a.device))
    seeds = [int(s) for s in a.seeds.split(",")]
    cfgs = [preset(a.scale, seed=s) for s in seeds]
    t0 = time.time()
    procs = [subprocess.Popen([sys.executable, "-c", JOB, a.scale, str(s), a.root, str(a.threads), dev]) for s in seeds]
    while any(p.poll() is None for p in procs) and time.time() - t0 < a.deadline:
        time.sleep(2)
    for p in procs:
        if p.poll() is None:
            p.terminate()  # the run keeps its last checkpoint; a later call resumes it
    for p in procs:
        p.wait()
    wall = time.time() - t0
    gpu = torch.cuda.get_device_name(0) if dev.startswith("cuda") else "none"
    from cglib.records import machine
    record = {"what": f"benchmarks/gpu_chapter4.py --scale {a.scale} --seeds {a.seeds}: chapter 4's runs, all seeds at "
                      f"once on one device ({dev}, {gpu}); deadline {a.deadline:.0f} s; acc = accuracy with rejection",
              "date": datetime.date.today().isoformat(), "call_wall_s": round(wall, 1), "machine": machine(), "runs": []}
    for s, c in zip(seeds, cfgs):
        r = Run(run_dir(run_id(c), a.root), c)
        m = r.metrics()
        record["runs"].append({"candidate": a.scale, "seed": s, "run_id": r.id, "finished": r.finished,
                               "steps": c.train.steps, "wall_s": max((x["wall_s"] for x in m), default=0), "metrics": m})
        last = {x["concept_class"]: x["acc"] for x in m if m and x["step"] == m[-1]["step"]}
        print(f"seed {s}: {'finished' if r.finished else 'stopped'} at step {m[-1]['step'] if m else 0} of "
              f"{c.train.steps}; " + " ".join(f"{k} {last.get(k, float('nan')):.2f}" for k in ("101", "110", "011", "111")))
    print(f"call wall time {wall:.0f} s on {dev} ({gpu})")
    if a.out:
        Path(a.out).write_text(json.dumps(record, default=list))
        print("wrote", a.out)


if __name__ == "__main__":
    main()
