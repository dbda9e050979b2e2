"""Chapter 8's section "The paper's own network at this budget": train its runs, or write their record.

The runs are the paper's code's network (``cglib.scales.PAPER_NETWORK``: ContextUnet at the preset's width, its
frozen multiplying condition networks and inputs) with chapter 4's recipe on the minimal set, seeds 0-2, each
also sampled with the code's sampler (``PAPER_NETWORK_READING``).  At `cpu` their answer is a recorded negative
(`111` composes on no seed) and they cost about 25 min each on 2 cores, so chapter 8 reads this record by default
and trains them with ``-p train_paper_network True``.  Every run is an ordinary run of the store: trained once,
read back, resumed when interrupted.  ``--train`` trains the missing ones, two single-thread runs at a time;
``--out`` writes the record (each run's config, metrics, ``DONE`` summary and its last grids, every class, as
PNG; ``cglib.records.run_entry``) with the machine that trained them.  Prints the far class per seed.

Usage:
  python benchmarks/paper_network.py --train        # train what is missing (about 40 min at `cpu` on 2 cores)
  python benchmarks/paper_network.py --out benchmarks/results/paper_network_cpu_<date>.json
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def configs(scale: str, seeds=(0, 1, 2)):
    """Chapter 8's paper-network runs at ``scale`` (the same configs, so the same run ids)."""
    from cglib.concepts import PRESETS
    from cglib.config import preset
    from cglib.scales import PAPER_NETWORK, PAPER_NETWORK_READING
    return [preset(scale, seed=s, train_classes=PRESETS["minimal"], **PAPER_NETWORK, **PAPER_NETWORK_READING[scale])
            for s in seeds]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", default="cpu")
    ap.add_argument("--root", default=None, help="run store (default: $CGLIB_RUNS, else runs/)")
    ap.add_argument("--train", action="store_true", help="train the runs the store lacks")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default="", help="write the record here (every run must have finished)")
    a = ap.parse_args()

    from cglib.corners import far_class
    from cglib.emergence import per_seed_final
    from cglib.records import run_entry, write_record
    from cglib.runs import Run
    from cglib.sweep import sweep

    cfgs = configs(a.scale)
    if a.train:
        sweep(cfgs, a.root, workers=a.workers)
    runs = [Run.open(c, a.root) for c in cfgs]
    missing = [f"seed {r.cfg.train.seed} ({r.id})" for r in runs if not r.finished]
    if missing:
        sys.exit(f"not finished in the store: {', '.join(missing)}; run with --train first")
    far = far_class(cfgs[0].train.train_classes)
    for r in runs:
        fin = per_seed_final(r.table().assign(seed=r.cfg.train.seed))
        print(f"seed {r.cfg.train.seed} ({r.id}): {far} {fin.loc[far].iloc[0]:.2f}, "
              f"{r.summary()['wall_s'] / 60:.1f} min")
    if a.out:
        write_record(a.out, f"benchmarks/paper_network.py --scale {a.scale}: chapter 8's paper-network runs, read "
                     "from the run store that trained them (two single-thread runs at a time)", a.scale,
                     [run_entry(r) for r in runs])


if __name__ == "__main__":
    main()
