"""Recipe trials for the `cpu` preset on this machine's CPU (issue 4): each trial is the cpu preset
with a few fields overridden, trained to the end through the run store (cached: a finished trial is
read back, an interrupted one resumes), two at a time in a process pool of single-threaded workers.

Usage: python benchmarks/cpu_trials.py [--only a,b] [--root runs/trials] [--workers 2]
                                       [--out benchmarks/results/cpu_trials_<date>.json]
Prints, per trial, the final accuracy (with rejection) of every distance-1 class and of `111`, the best
`111` seen at any evaluation and the run's own wall time; writes every trial's metrics to --out.
Wall times are those of a worker sharing the 2 cores with another trial (about 1.8x one run alone).
"""
from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path


#: The cpu preset of 2026-11-26, which every trial varies (pinned: the preset has changed since).
OLD_CPU = dict(width=32, cond="film", cond_embed="mlp", attention=False, T=400, target="v", sample_steps=20,
               n_train=5000, epochs=50.0, batch=128, lr=2e-3, eval_every=160, n_eval=40, ema=0.995)
TRIALS = {  # name -> overrides of OLD_CPU; all were run on 2026-11-26
    "base_s0": {},  # the preset before this search (seeds 1 and 2: benchmarks/results/seed_sweep_h100_*)
    "T1000_s0": {"T": 1000},  # (near) zero terminal SNR: x_T carries no signal
    "T1000_s1": {"T": 1000, "seed": 1},
    "T1000_s2": {"T": 1000, "seed": 2},
    "T600_s0": {"T": 600},  # in between: sqrt(alpha_bar_T) = 0.05
    "T600_s1": {"T": 600, "seed": 1},
    "dropvar0.2_s0": {"p_drop_variable": 0.2},  # each variable dropped on its own
    "dropvar0.2_s1": {"p_drop_variable": 0.2, "seed": 1},
    "adamw0.1_s1": {"optimizer": "adamw", "weight_decay": 0.1, "seed": 1},  # decoupled weight decay
    "n20k_s1": {"n_train": 20000, "epochs": 12.5, "seed": 1},  # 4x the images, the same steps
    "w16_s0": {"width": 16, "epochs": 128.0, "eval_every": 320},  # a 4x cheaper network, 2.6x the steps
    "w16_s1": {"width": 16, "epochs": 128.0, "eval_every": 320, "seed": 1},
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="", help="comma-separated trial names (default: all)")
    ap.add_argument("--root", default="runs/trials", help="run store for the trials")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default="")
    ap.add_argument("--note", default="", help="how the trials were run, kept in the record")
    ap.add_argument("--collect", action="store_true",
                    help="train nothing: report what the run store holds (unfinished trials as far as they got)")
    a = ap.parse_args()
    from cglib.config import ExperimentConfig
    from cglib.emergence import record_frame, trial_summary
    from cglib.runs import Run, run_dir, run_id
    from cglib.sweep import sweep

    names = [n for n in TRIALS if not a.only or n in a.only.split(",")]
    unknown = set(a.only.split(",")) - set(TRIALS) if a.only else set()
    if unknown:
        sys.exit(f"unknown trial(s) {sorted(unknown)}; known: {', '.join(TRIALS)}")
    cfgs = [ExperimentConfig().replace(**{**OLD_CPU, **TRIALS[n]}) for n in names]
    if a.collect:  # read-only: a trial never started is left out
        found = [(n, Run(run_dir(run_id(c), a.root), c)) for n, c in zip(names, cfgs)]
        found = [(n, r) for n, r in found if (r.path / "metrics.jsonl").exists()]
        names, runs = [n for n, _ in found], [r for _, r in found]
    else:
        runs = sweep(cfgs, a.root, device="cpu", workers=a.workers)
    record = {"what": "benchmarks/cpu_trials.py: variants of the cpu preset trained on 2 CPU cores; acc = accuracy "
                      "with rejection, 40 samples per class. " + a.note,
              "date": datetime.date.today().isoformat(), "runs": []}
    for n, r in zip(names, runs):
        m = r.metrics()
        record["runs"].append({"name": n, "overrides": TRIALS[n], "run_id": r.id, "finished": r.finished,
                               "steps": r.cfg.train.steps, "wall_s": max(x["wall_s"] for x in m), "metrics": m})
    if runs:
        summary = trial_summary(record_frame(record))
        summary.insert(1, "of", [r.cfg.train.steps for r in runs])
        summary.insert(0, "run", [r.id for r in runs])
        print(summary.to_string(float_format=lambda v: f"{v:.2f}"))
    if a.out:
        Path(a.out).write_text(json.dumps(record))
        print("wrote", a.out)


if __name__ == "__main__":
    main()
