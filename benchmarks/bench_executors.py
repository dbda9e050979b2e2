"""What each sweep executor costs on this machine (a script that prints, not a timed test).

Runs the same sweep of N smoke-scale points (fresh run stores, the probes trained once beforehand)
under ``executor="local", workers=1``, the local process pool (``workers=2``) and ``executor="ray"``
(a local Ray, one single-threaded task per core), each in a fresh Python process, and prints its
wall time, Ray's start-up time, and the peak memory of the whole process tree (sampled every 0.2 s).
Usage: python benchmarks/bench_executors.py [--points 2,4,8] [--steps 64]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import sys, time, json
t0 = time.time()
points, steps, mode, root = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
import torch
from cglib.config import preset, with_steps
from cglib.sweep import sweep
cfgs = [with_steps(preset("smoke", seed=s), steps) for s in range(points)]
start = 0.0
if mode == "ray":
    import ray, os
    os.environ.setdefault("RAY_raylet_start_wait_time_s", "300")
    t = time.time(); ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False); start = time.time() - t
if mode == "local1":
    torch.set_num_threads(1)
sweep(cfgs, root, progress=False, workers=2 if mode == "pool" else 1, executor="ray" if mode == "ray" else "local")
print(json.dumps({"wall": time.time() - t0, "ray_start": start}))
"""


def tree_rss(pid: int) -> int:
    import psutil
    try:
        p = psutil.Process(pid)
        procs = [p] + p.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for q in procs:
        try:
            total += q.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", default="2,4,8")
    ap.add_argument("--steps", type=int, default=64)
    a = ap.parse_args()
    import json

    from cglib.probes import ProbeConfig, load_probes
    shared = Path(tempfile.mkdtemp()) / "probes"
    load_probes(ProbeConfig(), shared)  # trained once, outside the timings
    print(f"smoke sweeps of {a.steps} steps per point; wall time, Ray start-up, peak RSS of the process tree")
    for n in map(int, a.points.split(",")):
        for mode in ("local1", "pool", "ray"):
            root = Path(tempfile.mkdtemp())
            (root / "probes").symlink_to(shared, target_is_directory=True)
            proc = subprocess.Popen([sys.executable, "-c", CHILD, str(n), str(a.steps), mode, str(root)],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            peak = 0
            while proc.poll() is None:
                peak = max(peak, tree_rss(proc.pid))
                time.sleep(0.2)
            out = json.loads(proc.stdout.read().strip().splitlines()[-1])
            label = {"local1": "local, workers=1", "pool": "local, workers=2 (pool)", "ray": "ray (local, 2 CPUs)"}[mode]
            print(f"{n} points  {label:26s} wall {out['wall']:6.1f} s  ray start {out['ray_start']:5.1f} s  "
                  f"peak RSS {peak / 2**20:6.0f} MiB", flush=True)


if __name__ == "__main__":
    main()
