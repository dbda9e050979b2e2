"""How much a process pool helps a sweep on this machine (a script that prints, not a timed test).

Trains the `cpu` preset's network on random batches: once in one process with all cores' threads,
then in N single-threaded processes at the same time, and prints the training images/s of each
arrangement.  This is the figure behind ``sweep(..., workers=...)``'s advice in the README.
Usage: python benchmarks/bench_workers.py [--steps 40] [--workers 2]
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time


def _throughput(threads: int, steps: int, out=None) -> float:
    import torch

    from cglib.config import preset
    from cglib.train import build
    torch.set_num_threads(threads)
    cfg = preset("cpu")
    model, diffusion = build(cfg, torch.device("cpu"))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    b = cfg.train.batch
    x = torch.randn(b, 3, cfg.train.image_size, cfg.train.image_size).contiguous(memory_format=torch.channels_last)
    c = torch.zeros(b, 3)
    for i in range(steps + 5):
        if i == 5:
            t = time.perf_counter()
        loss = diffusion.loss(model, x, c)
        opt.zero_grad()
        loss.backward()
        opt.step()
    rate = steps * b / (time.perf_counter() - t)
    if out is not None:
        out.put(rate)
    return rate


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    cores = os.cpu_count() or 1
    one = _throughput(cores, a.steps)
    print(f"1 process x {cores} threads: {one:.0f} training images/s")
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_throughput, args=(1, a.steps, q)) for _ in range(a.workers)]
    for p in procs:
        p.start()
    rates = [q.get() for _ in procs]
    for p in procs:
        p.join()
    print(f"{a.workers} processes x 1 thread: {sum(rates):.0f} training images/s together "
          f"({', '.join(f'{r:.0f}' for r in rates)})")
    print(f"pool speed-up: {sum(rates) / one:.2f}x")


if __name__ == "__main__":
    main()
