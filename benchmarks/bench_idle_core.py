"""Does the last run of a sweep use the cores that finished runs leave idle? (a script that prints, not a test)

Three runs of the `cpu` preset cut to ``--steps`` steps (chapter 4's three seeds, shortened), two at a time
on a 2-core machine, trained twice in fresh run stores: each run kept at one thread (``share_cores=False``,
the sweep before this lever) and the third given both cores once the others finish (the default).  Prints
the machine, each run's wall time and threads at its end, and the sweep's wall time.  The two sweeps run one
after the other in one process, so they see the same machine.
Usage: python benchmarks/bench_idle_core.py [--steps 200]
"""
from __future__ import annotations

import argparse
import datetime
import tempfile
import time

from cglib.config import preset, with_steps
from cglib.records import machine
from cglib.sweep import sweep


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--probes", default="", help="a run root whose probes/ to reuse (else trained once here)")
    a = ap.parse_args()
    print(f"date {datetime.date.today()}, machine: {machine()}")
    cfgs = [with_steps(preset("cpu", seed=s, eval_every=a.steps, overprompt=(), n_eval_final=0), a.steps)
            for s in (0, 1, 2)]
    for share in (False, True):
        root = tempfile.mkdtemp(prefix="idle-core-")
        if a.probes:
            import os
            os.symlink(os.path.abspath(os.path.join(a.probes, "probes")), os.path.join(root, "probes"))
        t0 = time.perf_counter()
        runs = sweep(cfgs, root, workers=2, progress=False, share_cores=share)
        wall = time.perf_counter() - t0
        per = ", ".join(f"seed {r.cfg.train.seed} {r.summary()['wall_s']:.0f} s ({r.summary()['threads_at_end']} "
                        "threads at the end)" for r in runs)
        print(f"share_cores={share}: sweep {wall:.0f} s; {per}")


if __name__ == "__main__":
    main()
