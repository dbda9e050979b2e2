"""Chapter 8's long runs whose answer is a recorded negative: train them, or write their record.

Two sections of book/08_beyond_the_paper read their runs from a record by default (labelled on the page) and train
them when asked, because each costs three runs of about 26 min two at a time on 2 cores at `cpu`:

* ``mirrored``: chapter 4's recipe and seeds 0-2 on the mirrored set {111, 011, 101, 110} (its far class `000`
  composes on no seed at `cpu`; the page's ``train_mirrored``).  Its record also carries each run's far-class
  trajectory (``cglib.mechanism.run_trajectory``), which the locality test reads in place of the network.
* ``paper_network``: the paper's code's network (``cglib.scales.PAPER_NETWORK``: ContextUnet at the preset's width,
  its frozen multiplying condition networks and inputs) with the same recipe on the minimal set, seeds 0-2, each
  also sampled with the code's sampler (``PAPER_NETWORK_READING``; `111` composes on no seed at `cpu`; the page's
  ``train_paper_network``).

Every run is an ordinary run of the store: trained once, read back, resumed when interrupted.  ``--train`` trains
the missing ones, two single-thread runs at a time; ``--out`` writes the record (each run's config, metrics, ``DONE``
summary and its last grids, every class, as PNG; ``cglib.records.run_entry``) with the machine that trained them.
Prints the far class per seed.  The page reads the newest record named ``<section>_<scale>_*.json``.

Usage:
  python benchmarks/chapter8_runs.py mirrored --train        # train what is missing (about 40 min at `cpu`)
  python benchmarks/chapter8_runs.py mirrored --out benchmarks/results/mirrored_cpu_<date>.json
  python benchmarks/chapter8_runs.py paper_network --out benchmarks/results/paper_network_cpu_<date>.json
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECTIONS = ("mirrored", "paper_network")


def configs(section: str, scale: str, seeds=(0, 1, 2)):
    """Chapter 8's runs of ``section`` at ``scale`` (the page's own configs, so the same run ids)."""
    from cglib.concepts import PRESETS
    from cglib.config import preset
    from cglib.scales import PAPER_NETWORK, PAPER_NETWORK_READING
    if section == "mirrored":
        return [preset(scale, seed=s, train_classes=PRESETS["mirrored"]) for s in seeds]
    if section == "paper_network":
        return [preset(scale, seed=s, train_classes=PRESETS["minimal"], **PAPER_NETWORK,
                       **PAPER_NETWORK_READING[scale]) for s in seeds]
    raise ValueError(f"section={section!r} is not one of {SECTIONS}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("section", choices=SECTIONS)
    ap.add_argument("--scale", default="cpu")
    ap.add_argument("--root", default=None, help="run store (default: $CGLIB_RUNS, else runs/)")
    ap.add_argument("--train", action="store_true", help="train the runs the store lacks")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default="", help="write the record here (every run must have finished)")
    a = ap.parse_args()

    from cglib.corners import far_class
    from cglib.emergence import per_seed_final
    from cglib.mechanism import run_trajectory, trajectory_entry
    from cglib.records import run_entry, write_record
    from cglib.runs import Run
    from cglib.sweep import sweep

    cfgs = configs(a.section, a.scale)
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
        entries = [run_entry(r) for r in runs]
        if a.section == "mirrored":  # the locality test reads the far class's trajectory, not the network
            for e, r in zip(entries, runs):
                e["trajectory"] = trajectory_entry(run_trajectory(r, far), far)
        write_record(a.out, f"benchmarks/chapter8_runs.py {a.section} --scale {a.scale}: chapter 8's {a.section} "
                     "runs, read from the run store that trained them (two single-thread runs at a time)", a.scale,
                     entries)


if __name__ == "__main__":
    main()
