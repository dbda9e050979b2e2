"""Search for the cpu preset's recipe: train many variants of it side by side and report, for each,
the step at which each distance group first reaches accuracy 0.8 / 0.9 (analytic evaluator).

Usage: python benchmarks/sweep_recipes.py OUT_DIR [--scale cpu] [--workers 8] [--deadline 480] [--paper]
Runs on a GPU machine (every variant at once) or on the CPU (one at a time).  Prints a table and
writes OUT_DIR/sweep.json (metrics of every run) and OUT_DIR/grids.npz (final sample grids).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


VARIANTS = {  # name -> overrides of the base recipe
    "base": {},
    "lr1e-3": {"lr": 1e-3},
    "lr3e-3": {"lr": 3e-3},
    "width48": {"width": 48},
    "cond_up": {"cond": "up"},
    "embed_mlp": {"cond_embed": "mlp"},
    "eps": {"target": "eps"},
    "cfg1.5": {"p_uncond": 0.1, "guidance": 1.5},
    "batch64": {"batch": 64},
    "size32": {"image_size": 32},
    "attention": {"attention": True},
    "size24": {"image_size": 24},
    "ema0.999": {"ema": 0.999},
    "steps50": {"sample_steps": 50},
    "seed1": {"seed": 1},
}

FAMILIES = {
    # first sweep (2026-11-26): levers around the first cpu recipe, 120 epochs, eval every 150 steps
    "levers": VARIANTS,
    # second sweep: the chosen cpu preset (one-hot MLP condition) across seeds, with and without cosine decay
    "seeds": {
        "cpu_s0": {}, "cpu_s1": {"seed": 1}, "cpu_s2": {"seed": 2},
        "cos_s0": {"lr_schedule": "cosine"}, "cos_s1": {"lr_schedule": "cosine", "seed": 1},
        "cos_s2": {"lr_schedule": "cosine", "seed": 2},
        "cos_lr3e-3": {"lr_schedule": "cosine", "lr": 3e-3}, "cos_70ep": {"lr_schedule": "cosine", "epochs": 70.0},
    },
}


#: What each family's variants override.  "levers" ran when the cpu preset still summed per-variable
#: embeddings, so its base pins that; "seeds" varies today's cpu preset.
BASES = {"levers": {"cond_embed": "per_variable"}, "seeds": {}}


#: The scale presets as they stood when these sweeps were recorded (2026-11-26), so that they rerun as recorded.
RECORDED_PRESETS = {
    "cpu": dict(width=32, cond="film", cond_embed="mlp", attention=False, T=400, target="v", sample_steps=20,
                n_train=5000, epochs=50.0, batch=128, lr=2e-3, eval_every=160, n_eval=40, ema=0.995),
    "paper": dict(width=64, cond="up", attention=True, T=400, target="eps", sample_steps=50, n_train=5000,
                  epochs=100.0, batch=64, lr=1e-3, eval_every=79, n_eval=50, ema=0.999),
}


def job_config(name, over, a):
    """The config of one sweep job (the paper preset, or a variant of the scale preset, both as recorded)."""
    from cglib.config import ExperimentConfig
    if name == "paper":
        return ExperimentConfig().replace(**RECORDED_PRESETS["paper"])
    return ExperimentConfig().replace(**{**RECORDED_PRESETS[a.scale], "epochs": a.epochs, "eval_every": a.eval_every,
                                         **BASES[a.family], **over})


def summarise(name, run):
    from cglib.emergence import first_reach
    tab = run.table()
    out = {"name": name, "run": run.id, "finished": run.finished, "rows": len(tab)}
    if not len(tab):
        return out
    for thr in (0.8, 0.9):
        for d, step in first_reach(tab, thr).items():
            out[f"d{d}>={thr}"] = None if np.isnan(step) else int(step)
    last = tab[tab.step == tab.step.max()]
    out["final_step"] = int(tab.step.max())
    out["final_wall_s"] = float(last.wall_s.iloc[0])
    out["final"] = dict(zip(last.concept_class, last.acc.round(3)))
    out["final_reject"] = dict(zip(last.concept_class, last.reject_rate.round(3)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--scale", default="cpu")
    ap.add_argument("--epochs", type=float, default=120.0)
    ap.add_argument("--eval-every", type=int, default=150)
    ap.add_argument("--workers", type=int, default=len(VARIANTS))
    ap.add_argument("--deadline", type=float, default=480)
    ap.add_argument("--paper", action="store_true", help="also train the paper preset")
    ap.add_argument("--only", default="", help="comma-separated variant names")
    ap.add_argument("--family", default="levers", choices=list(FAMILIES))
    ap.add_argument("--child", default="")
    a = ap.parse_args()
    out = Path(a.out)
    root = out / "runs"
    if a.child:
        from cglib.train import train
        name, over = json.loads(a.child)
        t = time.time()
        run = train(job_config(name, over, a), root, progress=False)
        print(f"[{name}] done in {time.time() - t:.0f}s -> {run.path}", flush=True)
        return
    from cglib.probes import ProbeConfig, load_probes
    for s in sorted({job_config(k, v, a).train.image_size for k, v in FAMILIES[a.family].items()}):
        load_probes(ProbeConfig(image_size=s), root / "probes")  # train once, before the children race
    jobs = [(k, v) for k, v in FAMILIES[a.family].items() if not a.only or k in a.only.split(",")]
    if a.paper:
        jobs = [("paper", {})] + jobs
    procs, t0 = [], time.time()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    pending = list(jobs)
    while pending or any(p.poll() is None for _, p in procs):
        while pending and sum(p.poll() is None for _, p in procs) < a.workers:
            name, over = pending.pop(0)
            cmd = [sys.executable, __file__, str(out), "--scale", a.scale, "--epochs", str(a.epochs),
                   "--eval-every", str(a.eval_every), "--family", a.family, "--child", json.dumps([name, over])]
            procs.append((name, subprocess.Popen(cmd, env=env)))
        if time.time() - t0 > a.deadline:
            print("deadline reached; stopping the runs still going", flush=True)
            for _, p in procs:
                if p.poll() is None:
                    p.kill()
            break
        time.sleep(2)
    from cglib.runs import Run
    results, grids = [], {}
    for name, over in jobs:
        run = Run.open(job_config(name, over, a), root)
        s = summarise(name, run)
        s["overrides"] = over
        s["metrics"] = run.metrics()
        results.append(s)
        if run.sample_steps():
            grids[name] = run.samples()["grid"]
    (out / "sweep.json").write_text(json.dumps(results))
    np.savez_compressed(out / "grids.npz", **{k: (v * 255).astype(np.uint8) for k, v in grids.items()})
    keys = ["name", "finished", "final_step", "final_wall_s", "d0>=0.9", "d1>=0.8", "d1>=0.9", "d2>=0.8", "d2>=0.9"]
    print("\t".join(keys))
    for s in results:
        print("\t".join(str(s.get(k)) for k in keys), "\t", s.get("final"))


if __name__ == "__main__":
    main()
