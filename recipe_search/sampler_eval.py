"""Re-judge finished runs under other samplers: the same EMA weights, fresh samples drawn with
deterministic DDIM (eta 0), stochastic DDIM (eta > 0) or ancestral DDPM, scored by the evaluator
that can reject.  Sampling is evaluation only: nothing in the run store changes.

Usage: python recipe_search/sampler_eval.py RUN_DIR [RUN_DIR ...] [--n 100] [--samplers 20:0,20:1,40:1]
       [--classes 101,110,011,111] [--out results.json]
A sampler is STEPS:ETA for DDIM, or "ddpm" (all T ancestral steps, about T/20 times slower).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path



def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--n", type=int, default=100, help="samples per class")
    ap.add_argument("--samplers", default="20:0,20:1")
    ap.add_argument("--classes", default="101,110,011,111")
    ap.add_argument("--seed", type=int, default=123)
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    from cglib.concepts import check_class
    from cglib.measure import measure, measured_scores
    from cglib.runs import Run
    from cglib.train import generate, load_model

    classes = [check_class(c, 3) for c in a.classes.split(",")]
    out = []
    for path in a.runs:
        run = Run.load(path)
        model, diffusion = load_model(run, "cpu")
        for spec in a.samplers.split(","):
            sampler, steps, eta = ("ddpm", None, 0.0) if spec == "ddpm" else ("ddim", *map(float, spec.split(":")))
            t0 = time.perf_counter()
            images = generate(model, diffusion, classes, a.n, run.cfg.train.image_size, a.seed, sampler=sampler,
                              steps=int(steps) if steps else None, eta=eta)
            m = measure(images, 3, run.cfg.train.render_config())
            acc = {c: measured_scores(m.part(slice(i * a.n, (i + 1) * a.n)), c)["acc"] for i, c in enumerate(classes)}
            row = {"run": run.id, "sampler": spec, "n": a.n, "acc": acc, "seconds": round(time.perf_counter() - t0, 1)}
            out.append(row)
            print(f"{run.id} {spec:>6s} " + " ".join(f"{c}:{v:.2f}" for c, v in acc.items()) + f"  ({row['seconds']} s)",
                  flush=True)
    if a.out:
        Path(a.out).write_text(json.dumps({"what": "recipe_search/sampler_eval.py " + " ".join(sys.argv[1:]), "rows": out}))


if __name__ == "__main__":
    main()
