"""Chapter 4 at `paper` scale on one GPU in one call: every seed's run at once, then a record.

Usage (on a GPU machine):  python benchmarks/gpu_chapter4.py --out benchmarks/results/paper_gpu_<date>.json
Tested here at smoke scale:  python benchmarks/gpu_chapter4.py --scale smoke --device cpu --root /tmp/r

Each seed trains in its own process on the same device (runs of this size share a card well; see
``cglib.sweep.GPUS_PER_RUN``).  ``--deadline`` stops them after that many seconds at their last
checkpoint, so the call fits a lease; the runs stay in the run store and a second call resumes them.
The record holds every run's metrics, whether it finished, its steps and wall time, and the call's
own wall time; the script prints each seed's final accuracy of every distance-1 class and of `111`,
with rejection (``acc``) and by the paper's code's judge (``acc_official``).

What it runs at ``paper``: what the paper-era code ran (``cglib.scales``): ContextUnet at n_feat 256
(26.0M trained parameters), 3,907 steps of batch 64, sampled with the code's 500-step ancestral sampler at
4 evaluations (every 25 epochs, 64 samples per class; the last with 200).  By torch's FLOP counter one
sample step is 11.0 GFLOP per image, so a seed costs about 8 PFLOP of training and 17 PFLOP of
sampling, 76 PFLOP for three: about 10 minutes at 130 TFLOP/s sustained.  Not yet measured on a GPU
(none was lent when this was written); in fp32, without TF32 (precision is not yet part of a run's id),
a call will likely stop at the deadline and a second call resume it.
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

from cglib.scales import PAPER_NETWORK  # noqa: E402  (data only: imports nothing else)

JOB = ("import sys, json, torch; from cglib.config import ExperimentConfig; from cglib.train import train; "
       "torch.set_num_threads(int(sys.argv[3])); "
       "train(ExperimentConfig.from_dict(json.loads(sys.argv[1])), sys.argv[2], device=sys.argv[4], progress=False)")

#: ``--paper-path``: the `paper` preset's network, inputs, sampler and data range at another scale's budget and
#: width, so the paper's code path is tested at `smoke` on a CPU.
PAPER_PATH = {**PAPER_NETWORK, "sampler": "ddpm_beta", "data_range": "[0, 1]", "target": "eps"}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", default="paper")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--root", default="runs")
    ap.add_argument("--deadline", type=float, default=540, help="seconds before unfinished runs are stopped")
    ap.add_argument("--threads", type=int, default=4, help="CPU threads per run")
    ap.add_argument("--out", default="")
    ap.add_argument("--paper-path", action="store_true", help="the paper preset's network, inputs, sampler and data "
                    "range at --scale's budget (for testing the paper's code path at smoke)")
    a = ap.parse_args()
    import torch

    from cglib.config import preset
    from cglib.runs import Run, run_dir, run_id
    from cglib.train import pick_device
    dev = str(pick_device(a.device))
    seeds = [int(s) for s in a.seeds.split(",")]
    over = PAPER_PATH if a.paper_path else {}
    cfgs = [preset(a.scale, seed=s, **over) for s in seeds]
    t0 = time.time()
    procs = [subprocess.Popen([sys.executable, "-c", JOB, json.dumps(c.to_dict()), a.root, str(a.threads), dev])
             for c in cfgs]
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
        last = {x["concept_class"]: x for x in m if m and x["step"] == m[-1]["step"]}
        nan = {"acc": float("nan"), "acc_official": float("nan")}
        print(f"seed {s}: {'finished' if r.finished else 'stopped'} at step {m[-1]['step'] if m else 0} of "
              f"{c.train.steps}; " + " ".join(f"{k} {last.get(k, nan)['acc']:.2f} (official judge "
                                              f"{last.get(k, nan).get('acc_official', float('nan')):.2f})"
                                              for k in ("101", "110", "011", "111")))
    print(f"call wall time {wall:.0f} s on {dev} ({gpu})")
    if a.out:
        Path(a.out).write_text(json.dumps(record, default=list))
        print("wrote", a.out)


if __name__ == "__main__":
    main()
