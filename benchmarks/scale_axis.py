"""Chapter 8's scale axis and six-seed retention count: train the runs, or write their record.

The runs are ``cglib.scaling.axis_configs(scale)``: at `cpu`, the minimal set and its mirror at widths 16 and 32
on seeds 0-2 (the width-32 runs are chapter 4's and chapter 8's own), and the minimal set at width 32 on seeds
3-5 (the retention count reads six seeds).  Every run is an ordinary run of the store: trained once, read back,
resumed when interrupted.  ``--train`` trains the missing ones, two single-thread runs at a time (the 2-core
machine's best throughput); ``--out`` writes the record that chapter 8 reads when its own store lacks the runs
(each run's metrics, seconds, and its far class's shrinking table and grids at the peak and the end), with the
machine that trained them.  Prints each point and whether each corner's far class moved with width.

Usage:
  python benchmarks/scale_axis.py --train                      # train what is missing (hours at `cpu`)
  python benchmarks/scale_axis.py --out benchmarks/results/scale_axis_<date>.json   # record what is finished
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", default="cpu")
    ap.add_argument("--root", default=None, help="run store (default: $CGLIB_RUNS, else runs/)")
    ap.add_argument("--train", action="store_true", help="train the runs the store lacks")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default="", help="write the record here (every run must have finished)")
    a = ap.parse_args()

    from cglib.corners import far_class
    from cglib.runs import Run, run_dir, run_id
    from cglib.records import encode_images, write_record
    from cglib.scaling import axis_configs, axis_frame, axis_points, axis_summary, moved
    from cglib.sweep import sweep

    cfgs = axis_configs(a.scale)
    if a.train:
        sweep(list(cfgs.values()), a.root, workers=a.workers)
    runs = {k: Run(run_dir(run_id(c), a.root), c) for k, c in cfgs.items()}
    missing = [f"{k} ({r.id})" for k, r in runs.items() if not r.finished]
    if missing:
        sys.exit(f"not finished in the store: {', '.join(missing)}; run with --train first")
    frame, extras, source = axis_frame(cfgs, a.root)
    points = axis_points(frame)
    print(points.to_string())
    print(axis_summary(points).to_string())
    for corner in ("minimal", "mirrored"):
        print(corner, moved(points, corner)[0])
    if a.out:
        entries = []
        for k, r in runs.items():
            ex, done = extras[k], r.summary()
            entries.append({"corner": k[0], "width": k[1], "seed": k[2], "run_id": r.id, "finished": True,
                            "far": far_class(r.cfg.train.train_classes), "steps": r.cfg.train.steps,
                            "wall_s": done["wall_s"], "metrics": r.metrics(),
                            "fade": ex["fade"].reset_index().to_dict("records"),
                            "grids": {n: {"step": st, "k": len(im), "png": encode_images(im)}
                                      for n, (st, im) in ex["grids"].items()}})
        write_record(a.out, f"benchmarks/scale_axis.py --scale {a.scale}: cglib.scaling.axis_configs, read from the "
                     "run store that trained them (two single-thread runs at a time)", a.scale, entries)


if __name__ == "__main__":
    main()
