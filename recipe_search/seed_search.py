"""The recipe search of issue 13: candidates for the `cpu` preset, each judged on seeds 0, 1 and 2.

Every candidate is a pinned base recipe (the `cpu` preset as it stood before this search) with a
few fields changed.  Each (candidate, seed) is an ordinary run in the run store (default `runs/`,
the book's own store, so the chosen candidate's runs are the ones chapter 4 reads back).  A screen
trains every run only up to ``--stop-at`` steps (a checkpoint, as an interruption would leave it);
confirming resumes the same runs to their full budget, so a screen costs nothing extra.  Two
single-threaded runs train at a time (the 2-core machine's best throughput), through ``cglib.sweep``
(``--executor ray`` spreads them over a Ray cluster instead).  The last evaluation
of a finished run judges 200 samples per class (``n_eval_final``); earlier ones 40.

Usage:
  python recipe_search/seed_search.py --candidates base,drawn --stop-at 1120     # screen
  python recipe_search/seed_search.py --candidates drawn                         # confirm (train to the end)
  python recipe_search/seed_search.py --collect --out recipe_search/results/seed_search_<date>.json
  python recipe_search/seed_search.py --candidates b64_drawn_ratio59 --budget-steps 640 \
      --out recipe_search/results/budget_check_<date>.json     # the same recipe at a smaller budget
Prints one row per candidate and seed (``recipe_search.verdicts.seed_search_summary``: the last step, the accuracy
(with rejection) of the distance-1 classes and of `111` there, `111`'s rejections and per-variable
accuracies, its best plain and overprompted accuracy), then each candidate's verdict and the chosen one.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

#: the repository root: the script runs from a checkout where cglib is not installed (a GPU image)
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))

#: The `cpu` preset before this search (2026-11-27) at the paper's batch size 64 (the same 1954 steps at half
#: the images: this session's machine trains 4x slower than the one the old preset was chosen on), pinned so
#: that the search means the same later.
BASE = dict(width=32, cond="film", cond_embed="mlp", attention=False, T=400, target="v", sample_steps=20,
            n_train=5000, epochs=25.0, batch=64, lr=2e-3, eval_every=160, n_eval=40, ema=0.995)
#: Evaluation added for this search: 200 samples per class at the end, and `111` overprompted.
EVAL = dict(n_eval_final=200, overprompt=(1.25, 1.5, 2.0, 2.5, 3.0))
#: each image's drawn colour and size as the condition (the official code, Park et al. 2024), and a wider
#: spread of sizes inside each size value, so that triangles (all large) show the size knob at work too
DRAWN_WIDE = {"cond_values": "drawn", "size_large": (0.23, 0.34), "size_small": (0.12, 0.17)}
CANDIDATES = {  # name -> fields changed from BASE
    "b64": {},
    "b64_drawn_wide": DRAWN_WIDE,
    # b64_drawn_wide with the official code's learning rate, decayed linearly to 0; on seed 1 b64_drawn_wide's
    # `111` was 0.90 at step 1600 and fell to 0.52 by the end at a constant rate, so the question is whether
    # annealing keeps what a run found (trained on an H200 on seeds 0-2, record gpu_seed_search_2026-11-28.json,
    # and on this CPU on seeds 0 and 1, where it failed)
    "b64_drawn_wide_decay": {**DRAWN_WIDE, "lr_schedule": "linear"},
    # twice the budget (3908 steps), with and without the decay: the smallest budget at which all seeds pass?
    "b64_drawn_wide_2x": {**DRAWN_WIDE, "epochs": 50.0},
    "b64_drawn_wide_decay_2x": {**DRAWN_WIDE, "lr_schedule": "linear", "epochs": 50.0},
    # a stronger shape signal on small objects (the bottleneck of every failing seed: small blue triangles read
    # as circles): small radii 0.15-0.19 of the side instead of 0.12-0.17, large 0.24-0.34, so the mid radii
    # are in the paper's Blender ratio (1.6 / 2.7 = 0.59); clean and blurred renders of every class are all
    # read right by the evaluator at these sizes.  Screened first on seed 1, the seed where the preset fails
    "b64_drawn_ratio59": {**DRAWN_WIDE, "size_small": (0.15, 0.19), "size_large": (0.24, 0.34)},
}
SEEDS = (0, 1, 2)


def config(name: str, seed: int):
    from cglib.config import ExperimentConfig
    return ExperimentConfig().replace(**{**BASE, **EVAL, **CANDIDATES[name], "seed": seed})


def make_jobs(names, seeds, budget_steps=None):
    """(candidate, seed, config) for every seed and candidate; ``budget_steps``: each trained for that many
    steps instead (the same recipe at another budget: with a constant learning rate and batches drawn
    independently of the budget, the same trajectory up to there)."""
    jobs = [(n, s, config(n, s)) for s in seeds for n in names]
    if budget_steps is not None:
        from cglib.config import with_steps
        jobs = [(n, s, with_steps(c, budget_steps)) for n, s, c in jobs]
    return jobs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--candidates", default=",".join(CANDIDATES))
    ap.add_argument("--seeds", default=",".join(map(str, SEEDS)))
    ap.add_argument("--stop-at", type=int, default=None, help="screen: stop every run at this step")
    ap.add_argument("--budget-steps", type=int, default=None,
                    help="train each candidate for this many steps instead of its own budget, judged like a "
                         "finished run (200 samples at the end): the smallest budget at which all seeds pass. "
                         "Write the record apart from seed_search_*.json (chapter 4 and the preset read those)")
    ap.add_argument("--root", default="runs")
    ap.add_argument("--workers", type=int, default=2, help="runs at once with the local executor")
    ap.add_argument("--executor", default="local", help="'local' (this machine) or 'ray' ($RAY_ADDRESS or a local Ray)")
    ap.add_argument("--collect", action="store_true", help="train nothing; report what the run store holds")
    ap.add_argument("--out", default="")
    a = ap.parse_args()

    names = a.candidates.split(",")
    unknown = [n for n in names if n not in CANDIDATES]
    if unknown:
        sys.exit(f"unknown candidate(s) {unknown}; known: {', '.join(CANDIDATES)}")
    seeds = [int(s) for s in a.seeds.split(",")]
    jobs = make_jobs(names, seeds, a.budget_steps)
    if not a.collect:
        from cglib.sweep import sweep
        sweep([c for _, _, c in jobs], a.root, workers=a.workers, executor=a.executor, stop_after=a.stop_at)
    if a.collect:
        where = "read back from the run store by --collect (trained by earlier calls)"
    elif a.executor == "local":
        import torch
        from cglib.train import pick_device
        dev = str(pick_device("auto"))
        on = torch.cuda.get_device_name(torch.device(dev)) if dev.startswith("cuda") else f"{os.cpu_count()} CPU cores"
        where = f"trained {a.workers} runs at a time on {dev} ({on})"
    else:
        where = "trained as Ray tasks"
    if a.budget_steps is not None:
        where += f", each stopped at {a.budget_steps} steps (--budget-steps) and judged there"
    from cglib.records import machine
    from recipe_search.catalog import run_entry
    record = {"what": f"recipe_search/seed_search.py: candidates for the cpu preset on seeds "
                      f"{', '.join(map(str, seeds))}, {where}; "
                      "acc = accuracy with rejection, 40 samples per class per evaluation and 200 at the last "
                      "evaluation of a finished run",
              "date": datetime.date.today().isoformat(), "base": BASE, "eval": EVAL,
              "written_on": machine(),  # where this call ran: the trainer with a local executor, else only the reader
              "runs": []}
    for n, s, c in jobs:
        e = run_entry(c, a.root, candidate=n, seed=s, overrides=CANDIDATES[n])
        if e:
            record["runs"].append(e)
    if record["runs"]:
        from cglib.emergence import REACHED, record_frame
        from recipe_search.verdicts import chosen_candidate, seed_search_summary, seed_search_verdict
        summ = seed_search_summary(record_frame(record), "111")
        print(summ.to_string(float_format=lambda v: f"{v:.2f}"))
        verd = seed_search_verdict(summ, cls="111", reached=REACHED)
        print(verd.to_string(float_format=lambda v: f"{v:.2f}"))
        name, worst, pool = chosen_candidate(verd)
        print(f"chosen for the cpu preset: {name} (worst seed {worst:.2f}; {pool})")
    if a.out:
        Path(a.out).write_text(json.dumps(record, default=list))
        print("wrote", a.out)


if __name__ == "__main__":
    main()
