"""Sweeps: many cached runs that differ in a few fields, and their results as one table.

Paper: section 4.1 (Fig. 8, the count of one class varied from 0 to 300).

A sweep is a list of configs.  Each point is an ordinary run in the run store, so a sweep that was
interrupted, or extended with new points, trains only what is missing.  Points run one after
another by default; ``workers > 1`` runs several at once in a process pool (each worker gets an
equal share of the CPU threads).  A progress bar counts finished runs.

``sweep_table`` turns the runs' ``metrics.jsonl`` into one pandas DataFrame with the sweep's own
columns (e.g. ``count``); ``critical_count`` finds the smallest value of a swept quantity past
which chosen classes stay at a high accuracy (the dotted lines of Fig. 8).

Used in: book/05_frequency.
"""
from __future__ import annotations

import math
import os
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np
import pandas as pd

from .config import ExperimentConfig
from .runs import Run, run_id


def with_steps(cfg: ExperimentConfig, steps: int) -> ExperimentConfig:
    """The config with ``epochs`` set so that training takes exactly ``steps`` optimisation steps,
    whatever the training-set size (so the points of a count sweep get the same optimisation budget)."""
    if not isinstance(steps, int) or steps <= 0:
        raise ValueError(f"steps={steps!r} is not allowed; it must be a positive integer")
    n = sum(cfg.train.class_counts().values())
    return cfg.replace(epochs=steps * cfg.train.batch / n)


def _init_worker(threads: int):
    import torch
    torch.set_num_threads(threads)


def _train_job(cfg_dict: dict, root: str | None, device: str) -> str:
    from .train import train
    return str(train(ExperimentConfig.from_dict(cfg_dict), root, device=device, progress=False).path)


def default_workers(device: str = "auto") -> int:
    """A sensible pool size: one process per CPU core (at most 4) on the CPU, one on a GPU (runs of
    this size do not fill a GPU's memory, but they contend for its compute)."""
    from .train import pick_device
    if pick_device(device).type != "cpu":
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def sweep(cfgs, run_root=None, device: str = "auto", workers: int | str = 1, progress: bool = True) -> list[Run]:
    """Train (or read back) every config; return their runs in the order given.

    Finished runs are read back, interrupted ones resume, the rest train.  ``workers`` runs that
    many points at once in separate processes (default 1: one after another; ``"auto"``:
    ``default_workers``, i.e. 2 single-threaded workers on a 2-core machine).
    """
    from .book import progress_bar
    from .train import train

    cfgs = list(cfgs)
    if not cfgs:
        raise ValueError("the sweep is empty; give at least one config")
    workers = default_workers(device) if workers == "auto" else workers
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers={workers!r} is not allowed; give a positive integer (1 = one after another) "
                         "or 'auto'")
    runs = [Run.open(c, run_root) for c in cfgs]
    unique = {r.id: (c, r) for c, r in zip(cfgs, runs)}  # a point given twice trains once
    todo = [c for c, r in unique.values() if not r.finished]
    bar = progress_bar(total=len(unique), initial=len(unique) - len(todo), desc="sweep runs", disable=not progress)
    if workers == 1 or len(todo) <= 1:
        for c in todo:
            bar.set_postfix(run=run_id(c))
            train(c, run_root, device=device, progress=progress)
            bar.update(1)
    else:
        n = min(workers, len(todo))
        threads = max(1, (os.cpu_count() or 1) // n)
        import multiprocessing as mp
        with ProcessPoolExecutor(n, mp_context=mp.get_context("spawn"), initializer=_init_worker,
                                 initargs=(threads,)) as pool:
            futs = [pool.submit(_train_job, c.to_dict(), str(run_root) if run_root else None, device) for c in todo]
            for f in as_completed(futs):
                f.result()  # re-raise a worker's error here
                bar.update(1)
    bar.close()
    return runs


def sweep_table(runs, labels: list[dict] | None = None, final: bool = True) -> pd.DataFrame:
    """One DataFrame of the runs' metrics: with ``final`` only each run's last evaluation (one row per
    point and class), else every evaluation.  ``labels[i]`` adds columns (e.g. ``{"count": 20}``) to
    run ``i``'s rows; a ``run`` column holds the run id."""
    labels = labels or [{} for _ in runs]
    if len(labels) != len(runs):
        raise ValueError(f"{len(labels)} labels for {len(runs)} runs; give one dict per run")
    frames = []
    for r, lab in zip(runs, labels):
        t = r.table()
        if t.empty:
            continue
        if final:
            t = t[t.step == t.step.max()]
        frames.append(t.assign(run=r.id, **lab))
    if not frames:
        raise ValueError("none of the runs has metrics yet; train them first (sweep(...))")
    return pd.concat(frames, ignore_index=True)


def critical_count(table: pd.DataFrame, classes, x: str = "count", threshold: float = 0.8,
                   measure: str = "acc") -> float:
    """The smallest value of ``x`` from which on (at it and at every larger swept value) every class in
    ``classes`` has ``measure >= threshold``; NaN if the largest value does not reach it either.

    ``table`` has one row per point and class (``sweep_table``); several rows of one point and class
    (e.g. seeds) are averaged.
    """
    classes = list(classes)
    sub = table[table.concept_class.isin(classes)]
    if sub.empty:
        raise ValueError(f"no rows for classes {classes}; the table has {sorted(table.concept_class.unique())}")
    worst = sub.groupby([x, "concept_class"])[measure].mean().groupby(level=0).min().sort_index()
    ok = (worst >= threshold).to_numpy()
    if not ok[-1]:
        return math.nan
    first_bad_from_end = np.where(~ok)[0]
    i = first_bad_from_end[-1] + 1 if len(first_bad_from_end) else 0
    return float(worst.index[i])
