"""Speed figures of the engine on this machine (a script that prints, not a timed test).

Prints: render rate, training images/s, DDIM and DDPM sampling images/s, the cost of one evaluation
pass, peak memory, and, from the finished `cpu` run in the run store (if there is one), the wall time
until each distance group first reached accuracy 0.8.  Usage: python benchmarks/bench_engine.py [--scale cpu]
"""
from __future__ import annotations

import argparse
import datetime
import platform
import resource
import time

import numpy as np
import torch

from cglib.concepts import all_classes
from cglib.config import preset
from cglib.emergence import REACHED, first_reach
from cglib.render import render
from cglib.runs import Run
from cglib.tasks import probes_for, score
from cglib.train import build, generate, pick_device


def timed(fn, repeat=3):
    fn()  # warm-up
    t = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t) / repeat


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="cpu")
    a = ap.parse_args()
    cfg = preset(a.scale)
    dev = pick_device()
    print(f"date {datetime.date.today()}, machine: {platform.processor() or platform.machine()}, "
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
