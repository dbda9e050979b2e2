"""Chapter 4 at `paper` scale in one GPU call: a measured plan first, then every seed at once, then a record.

Usage, on a GPU machine (one call a corner, each within --deadline seconds):
    python benchmarks/gpu_chapter4.py --deadline 480 --out $OUT                    # the minimal set, seeds 0-2
    python benchmarks/gpu_chapter4.py --corner mirrored --deadline 480 --out $OUT  # its mirror, seeds 0-2
The same path at smoke scale on a CPU (tests/test_benchmarks.py runs it):
    python benchmarks/gpu_chapter4.py --scale smoke --paper-path --device cpu --root /tmp/r --out /tmp/o

What one call does, in order, printing as it goes (unbuffered, so a call cut off still leaves its measurements):
1. **Preflight.** The machine (GPU, driver, torch, CUDA and cuDNN builds) and, for each precision this device
   can run (fp32 with TensorFloat-32 off, tf32, bf16 autocast; networks in channels-last, cuDNN autotuned), a few
   timed training steps at the preset's batch and network calls at every batch size the sampler will use
   (CUDA events after warm-up), with the TFLOP/s achieved by torch's FLOP counter.
2. **Plan.** Each seed's training (steps x step time) and sampling (every sampler call its evaluations make,
   ``cglib.sampling.sampler_calls``, x network calls a sample) from those times; the seeds share the device, so
   the plan adds them up (an upper bound where one process alone would leave the device idle).  It picks the
   fastest precision (or ``--precision``) and stops there, exit status 3, when the plan does not fit ``--deadline``.
3. The probes that judge samples are trained once, before the seeds start (cached beside the runs).
4. Every seed trains in its own process and prints its step, ms a step and projected finish.  At the deadline,
   less ``--margin`` seconds to write the record, unfinished runs stop at their last evaluation's checkpoint.
5. **Record** in ``--out``: ``paper_gpu_chapter4_<corner>_<date>.json`` (every evaluation of every seed, the
   plan, the machine, the precision) and ``grid_<corner>_seed<s>.png`` (the far class at every evaluation, a row
   each), small enough to come back from a lent machine (a checkpoint of this network is about 424 MB a seed).
   Copy them to benchmarks/results/ with a catalogue entry (cglib/records.py); chapter 4 and chapter 8 read them.

At ``paper``: the paper-era code's ContextUnet at n_feat 256 (26,976,515 parameters), 3,907 steps of batch 64, its
500-step ancestral sampler at 4 evaluations (64 samples per class, 200 at the last: 3,136 samples a seed, 500
network calls each), in bf16 autocast (``scales.EXPERIMENT["paper"]``; book/03_diffusion's table).  Precision is
part of a run's id: a run the preflight moves to tf32 is another run, which the chapters read as well.
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

#: One seed's process: train, printing its progress about twenty times.
JOB = r"""
import json, sys, time, torch
from cglib.config import ExperimentConfig
from cglib.train import train
cfg = ExperimentConfig.from_dict(json.loads(sys.argv[1]))
torch.set_num_threads(int(sys.argv[3]))
every, last = max(1, cfg.train.steps // 20), [time.perf_counter(), None]
def report(step, total):
    if step % every and step != total:
        return
    now = time.perf_counter()
    if last[1] is not None:  # the window's mean, evaluations inside it included
        ms = (now - last[0]) / (step - last[1]) * 1e3
        print(f"seed {cfg.train.seed}: step {step}/{total}, {ms:.1f} ms a step, projected finish in "
              f"{(total - step) * ms / 1e3:.0f} s", flush=True)
    last[:] = [now, step]
train(cfg, sys.argv[2], device=sys.argv[4], progress=report)
"""

#: ``--paper-path``: the `paper` preset's network, inputs, sampler and data range at another scale's budget and
#: width, so the paper's code path is tested at `smoke` on a CPU.
PAPER_PATH = {**PAPER_NETWORK, "sampler": "ddpm_beta", "data_range": "[0, 1]", "target": "eps"}


# ---------------------------------------------------------------- preflight


def timed(fn, dev, reps: int) -> float:
    """Seconds per call of ``fn`` after two warm-up calls (cuDNN's autotuner picks its kernels in those)."""
    import torch
    fn(), fn()
    if dev.type == "cuda":
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        torch.cuda.synchronize()
        start.record()
        for _ in range(reps):
            fn()
        end.record()
        torch.cuda.synchronize()
        return start.elapsed_time(end) / 1e3 / reps
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t0) / reps


def measure(cfg, dev, reps: int) -> dict:
    """One precision's unit costs: a training step (loss, backward, Adam, the EMA update, the loss read back, as
    ``train`` steps) and a network call at every batch the sampler uses; FLOPs by torch's counter."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from cglib.sampling import SAMPLE_CHUNK, sampler_calls, sampler_prompt
    from cglib.train import build
    t, s = cfg.train, cfg.train.image_size
    torch.manual_seed(0)
    model, diffusion = build(cfg, dev)
    ema = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=t.lr)
    x0 = torch.rand(t.batch, 3, s, s, device=dev).contiguous(memory_format=torch.channels_last)
    cond = sampler_prompt(model, ["000"], t.batch).to(dev)

    def step():
        loss = diffusion.loss(model, x0, cond)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        torch._foreach_lerp_(ema, list(model.parameters()), 0.005)
        loss.item()
    with FlopCounterMode(display=False) as fc:
        step()
    out = {"precision": t.precision, "train_step_s": timed(step, dev, reps),
           "train_step_gflop": fc.get_total_flops() / 1e9, "call_s": {}}
    model.eval()
    with torch.no_grad():
        with FlopCounterMode(display=False) as fc:
            diffusion.net(model, torch.randn(2, 3, s, s, device=dev), torch.rand(2, device=dev),
                          sampler_prompt(model, ["000"], 2).to(dev))
        out["call_gflop_per_image"] = fc.get_total_flops() / 2 / 1e9
        for b in sorted(set(sampler_calls(t, SAMPLE_CHUNK.get(dev.type, SAMPLE_CHUNK["cuda"])))):
            xb, tb = torch.randn(b, 3, s, s, device=dev), torch.rand(b, device=dev)
            cb = sampler_prompt(model, ["000"], b).to(dev)
            out["call_s"][b] = timed(lambda: diffusion.net(model, xb, tb, cb), dev, reps)
    return out


def project(cfg, unit: dict, n_seeds: int, dev) -> dict:
    """The call's plan from one precision's unit costs: seconds of training and of sampling a seed, and all seeds'."""
    from cglib.sampling import SAMPLE_CHUNK, sampler_calls
    t, d = cfg.train, cfg.diffusion
    per_sample = d.T if d.sampler in ("ddpm", "ddpm_beta") else d.sample_steps  # network calls a sample
    calls = sampler_calls(t, SAMPLE_CHUNK.get(dev.type, SAMPLE_CHUNK["cuda"]))
    train_s = t.steps * unit["train_step_s"]
    sample_s = per_sample * sum(unit["call_s"][b] for b in calls)
    pflop_train = t.steps * unit["train_step_gflop"] / 1e6
    pflop_sample = per_sample * sum(calls) * unit["call_gflop_per_image"] / 1e6
    return {"precision": unit["precision"], "seed_train_s": train_s, "seed_sample_s": sample_s,
            "total_s": n_seeds * (train_s + sample_s), "samples_per_seed": sum(calls),
            "network_calls_per_sample": per_sample, "pflop_per_seed": pflop_train + pflop_sample,
            "pflop_train_per_seed": pflop_train, "pflop_sample_per_seed": pflop_sample}


def preflight(cfg, dev, n_seeds: int, reps: int) -> list[dict]:
    """Measure every precision this device runs and print its plan; returns the plans, fastest first."""
    from cglib.train import native_bf16
    precisions = ["fp32", *(["tf32"] if dev.type == "cuda" else []), *(["bf16"] if native_bf16(dev) else [])]
    plans = []
    for p in precisions:
        c = cfg.replace(precision=p)
        unit = measure(c, dev, reps)
        plan = {**project(c, unit, n_seeds, dev), "unit": unit}
        big = max(unit["call_s"])
        call_tflops = unit["call_gflop_per_image"] * big / unit["call_s"][big] / 1e3
        print(f"  {p:>4}: training step {unit['train_step_s'] * 1e3:.1f} ms "
              f"({unit['train_step_gflop'] / unit['train_step_s'] / 1e3:.3g} TFLOP/s); network call at batch {big} "
              f"{unit['call_s'][big] * 1e3:.1f} ms ({call_tflops:.3g} TFLOP/s) -> a seed {plan['seed_train_s']:.0f} s training + {plan['seed_sample_s']:.0f} s sampling; "
              f"{n_seeds} seeds {plan['total_s']:.0f} s", flush=True)
        plans.append(plan)
    import torch
    if dev.type == "cuda":
        torch.cuda.empty_cache()
    return sorted(plans, key=lambda q: q["total_s"])


# ---------------------------------------------------------------- the record


def far_class_grid(run, far: str, path: Path):
    """A PNG of the far class's stored samples at every evaluation of ``run``, a row an evaluation (2x pixels)."""
    import matplotlib.pyplot as plt
    import numpy as np
    rows = []
    for step in run.sample_steps():
        smp = run.samples(step)
        tiles = smp["grid"][smp["classes"].index(far)]  # (k, 3, S, S) in [0, 1]
        rows.append(np.concatenate([np.pad(x.transpose(1, 2, 0), ((1, 1), (1, 1), (0, 0)), constant_values=1)
                                    for x in tiles], axis=1))
    if rows:
        img = np.concatenate(rows, axis=0)
        plt.imsave(path, np.kron(img, np.ones((2, 2, 1))).clip(0, 1))


def write_record(a, cfgs, seeds, chosen, plans, wall, dev, out: Path, trained: bool = True) -> Path:
    from cglib.concepts import distances
    from cglib.corners import far_class
    from cglib.records import machine
    from cglib.runs import Run, run_dir, run_id
    t = cfgs[0].train
    dist, far = distances(t.train_classes), far_class(t.train_classes)
    record = {"what": f"benchmarks/gpu_chapter4.py --scale {a.scale} --corner {a.corner} --seeds {a.seeds}: "
                      f"chapter 4's runs, all seeds at once on one device ({dev}); deadline {a.deadline:.0f} s; "
                      "acc = accuracy with rejection",
              "date": datetime.date.today().isoformat(), "corner": a.corner, "precision": chosen,
              "call_wall_s": round(wall, 1), "deadline_s": a.deadline, "machine": machine(), "plan": plans, "runs": []}
    out.mkdir(parents=True, exist_ok=True)
    if not trained:  # the plan alone: a record no chapter reads as runs
        path = out / f"paper_gpu_plan_{a.corner}_{record['date']}.json"
        path.write_text(json.dumps(record))
        print("wrote", path, flush=True)
        return path
    for s, c in zip(seeds, cfgs):
        r = Run(run_dir(run_id(c), a.root), c)
        m = r.metrics()
        record["runs"].append({"candidate": a.scale, "corner": a.corner, "seed": s, "run_id": r.id,
                               "finished": r.finished, "steps": c.train.steps,
                               "wall_s": max((x["wall_s"] for x in m), default=0),
                               "eval_s": m[-1].get("eval_s") if m else None, "metrics": m})
        last = {x["concept_class"]: x for x in m if x["step"] == m[-1]["step"]} if m else {}
        print(f"seed {s}: {'finished' if r.finished else 'stopped'} at step {m[-1]['step'] if m else 0} of "
              f"{c.train.steps}; " + " ".join(f"{k} {last[k]['acc']:.2f} (official judge "
                                              f"{last[k].get('acc_official', float('nan')):.2f})"
                                              for k in sorted(last) if dist[k] >= 1))
        if m:
            far_class_grid(r, far, out / f"grid_{a.corner}_seed{s}.png")
    path = out / f"paper_gpu_chapter4_{a.corner}_{record['date']}.json"
    path.write_text(json.dumps(record, default=list))
    print("wrote", path, "and the far class's grids", flush=True)
    return path


# ---------------------------------------------------------------- the call


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", default="paper")
    ap.add_argument("--corner", default="minimal", choices=("minimal", "mirrored"),
                    help="the training set: the minimal set {000, 100, 010, 001} or its mirror")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--precision", default="auto", help="auto (the preflight's fastest), fp32, tf32 or bf16")
    ap.add_argument("--root", default="runs", help="the run store")
    ap.add_argument("--deadline", type=float, default=480, help="seconds for the whole call, preflight included")
    ap.add_argument("--margin", type=float, default=20, help="seconds kept at the end to write the record")
    ap.add_argument("--reps", type=int, default=10, help="timed repetitions of each unit in the preflight")
    ap.add_argument("--threads", type=int, default=4, help="CPU threads per run")
    ap.add_argument("--out", default="out", help="folder for the record and the grids")
    ap.add_argument("--paper-path", action="store_true", help="the paper preset's network, inputs, sampler and data "
                    "range at --scale's budget (for testing the paper's code path at smoke)")
    a = ap.parse_args()
    t_start = time.time()
    import torch

    from cglib.concepts import PRESETS, mirror
    from cglib.config import PRECISIONS, preset
    from cglib.records import machine
    from cglib.tasks import task_for
    from cglib.train import pick_device
    dev = pick_device(a.device)
    seeds = [int(s) for s in a.seeds.split(",")]
    train_classes = PRESETS["minimal"] if a.corner == "minimal" else mirror(PRESETS["minimal"])
    base = preset(a.scale, train_classes=train_classes, **(PAPER_PATH if a.paper_path else {}))
    if a.precision not in ("auto", *PRECISIONS):
        sys.exit(f"--precision {a.precision!r} is not allowed; use auto or one of {', '.join(PRECISIONS)}")
    print(f"machine: {json.dumps(machine())}; torch {torch.__version__} (CUDA {torch.version.cuda}); device {dev}",
          flush=True)
    print(f"preflight: {a.scale} preset, {base.train.steps} steps of batch {base.train.batch}, "
          f"{len(seeds)} seeds of the {a.corner} set", flush=True)
    plans = preflight(base, dev, len(seeds), a.reps)
    chosen = plans[0]["precision"] if a.precision == "auto" else a.precision
    plan = next((q for q in plans if q["precision"] == chosen), None)
    cfgs = [base.replace(seed=s, precision=chosen) for s in seeds]
    t0 = time.time()
    for c in {json.dumps(c.replace(seed=0).to_dict()): c for c in cfgs}.values():
        task_for(c).judge(c, a.root)  # the probes, trained once and cached for every seed's process
    probes_s = time.time() - t0
    left = a.deadline - (time.time() - t_start) - a.margin
    if plan is None:
        sys.exit(f"--precision {chosen!r} cannot run on {dev} (measured: {', '.join(q['precision'] for q in plans)})")
    print(f"plan: {chosen}; a seed {plan['seed_train_s']:.0f} s training + {plan['seed_sample_s']:.0f} s sampling "
          f"({plan['samples_per_seed']} samples x {plan['network_calls_per_sample']} network calls; "
          f"{plan['pflop_train_per_seed']:.3g} + {plan['pflop_sample_per_seed']:.3g} PFLOP); {len(seeds)} seeds at "
          f"once: projected {plan['total_s']:.0f} s; probes took {probes_s:.0f} s; {left:.0f} s left before the "
          "record is written", flush=True)
    if plan["total_s"] > left:
        print(f"does not fit: projected {plan['total_s']:.0f} s > {left:.0f} s left of --deadline {a.deadline:.0f}; "
              "nothing trained (raise --deadline, or run fewer --seeds)", flush=True)
        write_record(a, cfgs, seeds, chosen, plans, time.time() - t_start, dev, Path(a.out), trained=False)
        sys.exit(3)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    procs = [subprocess.Popen([sys.executable, "-c", JOB, json.dumps(c.to_dict()), a.root, str(a.threads), str(dev)],
                              env=env) for c in cfgs]
    while any(p.poll() is None for p in procs) and time.time() - t_start < a.deadline - a.margin:
        time.sleep(1)
    for p in procs:
        if p.poll() is None:
            print(f"deadline: stopping pid {p.pid} at its last checkpoint (a later call on this machine resumes it)",
                  flush=True)
            p.terminate()
    for p in procs:
        p.wait()
    wall = time.time() - t_start
    write_record(a, cfgs, seeds, chosen, plans, wall, dev, Path(a.out))
    print(f"call wall time {wall:.0f} s on {dev} (projected {plan['total_s']:.0f} s of training and sampling)")


if __name__ == "__main__":
    main()
