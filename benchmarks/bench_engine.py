"""Speed figures of the engine on this machine (a script that prints, not a timed test).

Prints: the machine (CPU model and the flags that choose kernels), render rate, training images/s,
DDIM and DDPM sampling images/s, the cost of one evaluation pass, how a run of the preset splits its time
between training, sampling and judging (from these unit costs and the preset's evaluation schedule), this
library's U-Net against the paper's code's network (``arch="context_unet"``) at equal width, interleaved,
in fp32 and under bf16 autocast, with achieved GFLOP/s (torch's FLOP counter), peak memory, and, from
the finished run in the run store (if there is one), the wall time until each distance group first
reached accuracy 0.8.  Usage: python benchmarks/bench_engine.py [--scale cpu] [--skip-networks]
"""
from __future__ import annotations

import argparse
import datetime
import resource
import time

import numpy as np
import torch

from cglib.concepts import all_classes
from cglib.config import preset
from cglib.emergence import REACHED, first_reach
from cglib.render import render
from cglib.runs import Run
from cglib.sampling import evaluation_samples
from cglib.tasks import probes_for, score
from cglib.train import build, generate, pick_device


def timed(fn, repeat=3):
    fn()  # warm-up
    t = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t) / repeat


def once(fn) -> float:
    """Seconds of one call of ``fn`` (no warm-up: for calls long enough that a first-call cost is small)."""
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def split(cfg, model, diffusion, classes, probes, train_step_s):
    """How a run of ``cfg`` spends its time: training steps, sampling and judging at every evaluation
    (plain classes, overprompted strengths, the larger final evaluation), from measured unit costs."""
    t, s, n = cfg.train, cfg.train.image_size, 40
    per_sample = timed(lambda: generate(model, diffusion, classes, n // len(classes) or 1, s, 0), repeat=1) / (
        len(classes) * (n // len(classes) or 1))
    imgs = generate(model, diffusion, classes, 5, s, 0)
    per_judge = timed(lambda: score(imgs, classes, 5, probes, t.train_classes, t.render_config()), repeat=1) / (
        5 * len(classes))
    plain, over = evaluation_samples(t)
    parts = {"training": t.steps * train_step_s, "sampling, plain": plain * per_sample,
             "sampling, overprompted": over * per_sample, "judging": (plain + over) * per_judge}
    total = sum(parts.values())
    print(f"a {t.steps}-step run, from unit costs ({plain} plain and {over} overprompted samples): "
          + "; ".join(f"{k} {v / 60:.1f} min ({v / total:.0%})" for k, v in parts.items()))


def sampling_levers(cfg, model, diffusion, classes, train_step_s, compiled: bool = True):
    """What would make evaluation a smaller part of a run, measured: DDIM sampling images/s in one sampler call of
    each batch an evaluation could use (one overprompting strength, one plain pass, plain and overprompted
    together), eager and compiled, fp32 and bf16 autocast; then the share of a run that evaluation takes under
    each schedule, at the best fp32 eager rate and at the fastest rate measured (samples only: judging is ~0.1%).
    ``sampling.generate`` calls the sampler in chunks of ``sampling.SAMPLE_CHUNK`` (64 on a CPU) because of the first."""
    t, s, nc = cfg.train, cfg.train.image_size, len(classes)
    dev = diffusion.device
    nets = {"eager": model}
    if compiled:
        nets["compiled"] = torch.compile(model, dynamic=True)
    # per class (generate draws every class): one overprompting strength's batch, one plain pass, both in one call
    per_class = sorted({max(t.n_eval // nc, 1), t.n_eval, t.n_eval + (len(t.overprompt) * t.n_eval) // nc})
    rate = {}
    for name, net in nets.items():
        for prec in ("fp32", "bf16"):
            def go(per):
                with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=prec == "bf16"):
                    generate(net, diffusion, classes, per, s, 0, chunk=per * nc)  # one call of that batch
            go(per_class[0])  # warm-up (and compilation, once: dynamic shapes)
            for per in per_class:
                rate[(name, prec, per * nc)] = per * nc / once(lambda: go(per))
            print(f"sampling DDIM-{cfg.diffusion.sample_steps}, {name} {prec}: " + ", ".join(
                f"batch {b}: {r:.1f}" for (n_, p_, b), r in rate.items() if (n_, p_) == (name, prec)) + " images/s")
    fp32 = max(r for (n_, p_, b), r in rate.items() if (n_, p_) == ("eager", "fp32"))
    best_key = max(rate, key=rate.get)
    train_s = t.steps * train_step_s
    rows = [("as the preset runs", {}), ("overprompting every 4th evaluation and at the end",
                                         dict(overprompt_every=4 * t.eval_every)),
            (f"no overprompting (the plain curve and the final {t.n_eval_final or t.n_eval} per class alone)",
             dict(overprompt=False))]
    for label, kw in rows:
        plain, over = evaluation_samples(t, **kw)
        shares = [(plain + over) / r / (train_s + (plain + over) / r) for r in (fp32, rate[best_key])]
        print(f"evaluation's share of a {t.steps}-step run, {label}: {plain + over} samples, {shares[0]:.0%} "
              f"(fp32 eager) / {shares[1]:.0%} ({best_key[0]} {best_key[1]}, batch {best_key[2]})")
    final = nc * (t.n_eval_final or t.n_eval)
    print(f"the final evaluation alone ({final} samples): {final / fp32 / (train_s + final / fp32):.0%} of a run "
          "(fp32 eager)")


#: what a training step spends its time on: a group and the test of an operator's name (aten::NAME, no trailing _)
OP_GROUPS = {"convolution": lambda n: "convolution" in n, "group norm": lambda n: "group_norm" in n,
             "GELU": lambda n: "gelu" in n,
             "elementwise (add, mul, copy, cat, upsampling, pooling)": lambda n: n in (
                 "add", "mul", "copy", "cat", "fill", "sum", "div", "sub") or n.startswith(("upsample", "avg_pool"))}


def step_profile(cfg, dev, steps: int = 10) -> dict[str, float]:
    """Where a training step of ``cfg``'s network goes (torch's profiler, ``steps`` steps after a warm-up): the share
    of the step's self time per ``OP_GROUPS`` group (forward and backward together), the rest as "other" (the
    optimiser, the loss, Python).  Prints them and the bound they set: with the convolutions as they are, removing
    every other cost could make the step at most 1 / (convolution share) times faster."""
    from torch.profiler import ProfilerActivity, profile
    torch.manual_seed(0)
    model, diffusion = build(cfg, dev)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    b, s = cfg.train.batch, cfg.train.image_size
    x = torch.randn(b, 3, s, s, device=dev)
    x = x.contiguous(memory_format=torch.channels_last) if dev.type == "cpu" else x
    c = torch.randint(0, 2, (b, cfg.train.n_variables), device=dev).float()

    def step():
        loss = diffusion.loss(model, x, c)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    for _ in range(3):
        step()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    self_us = {e.key: e.self_cpu_time_total for e in prof.key_averages()}
    total = sum(self_us.values())
    aten = {k.split("::", 1)[1].rstrip("_"): v for k, v in self_us.items() if k.startswith("aten::")}
    shares = {g: sum(v for k, v in aten.items() if test(k)) / total for g, test in OP_GROUPS.items()}
    shares["other (optimiser, loss, Python)"] = 1 - sum(shares.values())
    print(f"where a training step's time goes ({cfg.train.batch} images, {torch.get_num_threads()} threads, "
          f"profiler self time, forward and backward): " + "; ".join(f"{k} {v:.0%}" for k, v in shares.items()))
    print(f"  bound: with the convolutions as they are, the step can get at most {1 / shares['convolution']:.2f}x "
          "faster by removing every other cost")
    return shares


def compare_networks(cfg, dev, repeat: int = 2, compiled: bool = True):
    """This library's U-Net and the paper's code's ContextUnet at the preset's width, one training step each,
    interleaved ``repeat`` times, in fp32 and under bf16 autocast, eager and (``compiled``) under
    ``torch.compile`` (the same treatment for both): images/s, GFLOP per image, GFLOP/s, start-up."""
    import dataclasses

    from torch.utils.flop_counter import FlopCounterMode

    from cglib.train import build
    official = dataclasses.replace(cfg.model, arch="context_unet", cond="multiply", cond_embed="per_variable_mlp",
                                   attention=False)
    nets = {"unet": cfg, "context_unet": dataclasses.replace(cfg, model=official)}
    b, s = cfg.train.batch, cfg.train.image_size
    x = torch.randn(b, 3, s, s, device=dev)
    if dev.type == "cpu":
        x = x.contiguous(memory_format=torch.channels_last)
    c = torch.randint(0, 2, (b, cfg.train.n_variables), device=dev).float()
    built = {k: build(v, dev) for k, v in nets.items()}
    opts = {k: torch.optim.Adam(m.parameters(), 1e-3) for k, (m, _) in built.items()}
    fwd = {(k, False): m for k, (m, _) in built.items()}
    if compiled:
        fwd.update({(k, True): torch.compile(m) for k, (m, _) in built.items()})

    def step(k, bf16, comp):
        m, d = built[k]
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
            loss = d.loss(fwd[(k, comp)], x, c)
        opts[k].zero_grad()
        loss.backward()
        opts[k].step()
    flops = {}
    for k in nets:
        with FlopCounterMode(display=False) as fc:
            step(k, False, False)
        flops[k] = fc.get_total_flops() / b / 1e9
    ways = [(p, comp) for comp in ((False, True) if compiled else (False,)) for p in ("fp32", "bf16")]
    startup = {}
    for k in nets:
        for p, comp in ways:
            t0 = time.perf_counter()
            step(k, p == "bf16", comp)  # compiles (once per network, precision and batch shape)
            startup[(k, p, comp)] = time.perf_counter() - t0
    rates = {(k, p, comp): [] for k in nets for p, comp in ways}
    for _ in range(repeat):
        for k in nets:
            for p, comp in ways:
                dt = timed(lambda: [step(k, p == "bf16", comp) for _ in range(5)], repeat=1)
                rates[(k, p, comp)].append(5 * b / dt)
    for k in nets:
        params = sum(q.numel() for q in built[k][0].parameters()) / 1e6
        print(f"network {k} at width {cfg.model.width}: {params:.2f}M parameters, {flops[k]:.2f} GFLOP per training image")
        for p, comp in ways:
            r = rates[(k, p, comp)]
            print(f"  {p:4s} {'compiled' if comp else 'eager   '}: " + " / ".join(f"{v:,.0f}" for v in r) +
                  f" images/s ({flops[k] * max(r):.0f} GFLOP/s; first step {startup[(k, p, comp)]:.0f} s)")
    ref = max(rates[("context_unet", "fp32", False)])
    for p, comp in ways:
        print(f"unet {p} {'compiled' if comp else 'eager'} / context_unet fp32 eager (as published): "
              f"{max(rates[('unet', p, comp)]) / ref:.2f}x; under the same treatment: "
              f"{max(rates[('unet', p, comp)]) / max(rates[('context_unet', p, comp)]):.2f}x")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="cpu")
    ap.add_argument("--skip-networks", action="store_true", help="leave out the U-Net vs ContextUnet comparison")
    ap.add_argument("--skip-sampling", action="store_true", help="leave out sampling by batch size and precision")
    ap.add_argument("--no-compile", action="store_true", help="compare the networks eager only (no torch.compile)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default, all cores)")
    a = ap.parse_args()
    cfg = preset(a.scale)
    dev = pick_device()
    if a.threads:
        torch.set_num_threads(a.threads)
    from cglib.records import machine
    print(f"date {datetime.date.today()}, machine: {machine()}, "
          f"{torch.get_num_threads()} torch threads, device {dev}, scale {a.scale}")
    dt = timed(lambda: render(["000", "111"] * 2500, 0))
    print(f"render: {5000 / dt:,.0f} images/s (5000 in {dt * 1000:.0f} ms)")
    model, diffusion = build(cfg, dev)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    s, b = cfg.train.image_size, cfg.train.batch
    x = torch.randn(b, 3, s, s, device=dev)
    c = torch.randint(0, 2, (b, cfg.train.n_variables), device=dev).float()  # value coordinates
    if dev.type == "cpu":
        x = x.contiguous(memory_format=torch.channels_last)

    def step():
        loss = diffusion.loss(model, x, c)
        opt.zero_grad()
        loss.backward()
        opt.step()
    dt = timed(lambda: [step() for _ in range(5)])
    train_step_s = dt / 5
    print(f"training: {5 * b / dt:,.0f} images/s (batch {b}, width {cfg.model.width}, {s}x{s})")
    model.eval()
    classes = all_classes(cfg.train.n_variables)
    n = 8
    for sampler, steps in (("ddim", cfg.diffusion.sample_steps), ("ddpm", cfg.diffusion.T)):
        dt = timed(lambda: generate(model, diffusion, classes, n, s, 0, sampler=sampler), repeat=1)
        print(f"sampling {sampler} ({steps} steps): {len(classes) * n / dt:,.1f} images/s")
    probes = probes_for(cfg)
    ne = cfg.train.n_eval

    def evaluate():
        imgs = generate(model, diffusion, classes, ne, s, 0)
        score(imgs, classes, ne, probes, cfg.train.train_classes, cfg.train.render_config())
    dt = timed(evaluate, repeat=1)
    print(f"one evaluation pass ({ne} samples x {len(classes)} classes, DDIM-{cfg.diffusion.sample_steps}, "
          f"measured + probed): {dt:.1f} s")
    split(cfg, model, diffusion, classes, probes, train_step_s)
    if not a.skip_sampling:
        sampling_levers(cfg, model, diffusion, classes, train_step_s, compiled=not a.no_compile)
    if not a.skip_networks:
        step_profile(cfg, dev)
        compare_networks(cfg, dev, compiled=not a.no_compile)
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    run = Run.open(cfg)
    if run.finished:
        tab = run.table()
        reach = first_reach(tab, REACHED)
        wall = tab.groupby("step").wall_s.first()
        parts = [f"distance {d}: " + ("never" if np.isnan(st) else f"step {int(st)}, {wall[st] / 60:.1f} min")
                 for d, st in reach.items()]
        print(f"finished {a.scale} run {run.id} ({run.summary()['wall_s'] / 60:.1f} min): first >= {REACHED} at " + "; ".join(parts))
        print("final accuracy:", {k: round(v, 2) for k, v in run.summary()["final"].items()})
    else:
        print(f"no finished {a.scale} run in the run store; train one with chapter 4 to get emergence times")


if __name__ == "__main__":
    main()
