"""Sweeps: many cached runs that differ in a few fields, and their results as one table.

Paper: section 4.1 (Fig. 8, the count of one class varied from 0 to 300).

A sweep is a list of configs.  Each point is an ordinary run in the run store, so a sweep that was
interrupted, or extended with new points, trains only what is missing.  Where the points train is
the ``executor``:

* ``"local"`` (default): one after another in this process, or ``workers > 1`` at once in a
  process pool on this machine (each worker gets an equal share of the CPU threads);
* ``"ray"``: one Ray task per point.  With ``RAY_ADDRESS`` set (or ``address``) the tasks join that
  cluster; otherwise a local Ray starts with this machine's cores.  Each task asks for
  ``threads`` CPUs and, on a GPU, a fraction ``gpus_per_run`` of one, so that several small runs
  share a card.  The run store is the one source of truth: tasks write to the run root (on a
  cluster, a path every node mounts), a finished point is read back, and a task whose worker dies
  is retried by Ray and resumes from its last checkpoint.

Every config is checked before anything trains; a progress bar counts finished runs.
``sweep_table`` turns the runs' ``metrics.jsonl`` into one pandas DataFrame with the sweep's own
columns (e.g. ``count``); ``onsets.critical_count`` reads Fig. 8's dotted lines off it.

Used in: book/04_emergence (seeds), book/05_frequency, book/06_finetuning, recipe_search/seed_search.py.
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed

import pandas as pd

from .config import ExperimentConfig
from .runs import Run, run_dir, run_id, run_root as store_root

EXECUTORS = ("local", "ray")
#: Ray's retries of a task whose worker process died (each retry resumes from the last checkpoint).
RAY_RETRIES = 3
#: On a GPU, the fraction of one card a run asks for: a paper-scale run (width 64, 28 px, batch 64) holds
#: about 1 GB of GPU memory and, at these tiny kernels, keeps a card far from busy, so 8 share one.
GPUS_PER_RUN = 0.125


#: In a pool worker: the pool's shared count of runs still training (set by ``_init_pool_worker``).
_POOL_ACTIVE = None


def _init_pool_worker(parent: int, active, period: float = 2.0):
    """A pool worker's start: keep the pool's shared count of runs still training (``active``, a
    ``multiprocessing.Value``, which only a worker's start can hand over), and exit as soon as the process
    that started the pool (``parent``) is gone, killed by a signal the pool never saw, so that no run trains
    on as an orphan beside its own restarted copy.  The run's last checkpoint is whole (atomic writes): it
    resumes from there."""
    import threading
    import time
    global _POOL_ACTIVE
    _POOL_ACTIVE = active

    def watch():
        while os.getppid() == parent:
            time.sleep(period)
        os._exit(1)
    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def _train_job(cfg_dict: dict, root: str | None, device: str, threads: int = 0, stop_after: int | None = None,
               share_cores: bool = False) -> str:
    """Train one point (in a pool worker or a Ray task); returns the run directory.  With ``share_cores``
    (in a pool worker) the run takes the cores' share of the pool's runs still training, so the last run of
    a sweep trains on every core instead of one."""
    import torch
    if threads:
        torch.set_num_threads(threads)
    from .train import train
    cfg = ExperimentConfig.from_dict(cfg_dict)
    cores, active = os.cpu_count() or 1, _POOL_ACTIVE
    share = (lambda: max(1, cores // max(1, active.value))) if share_cores and active is not None else None
    return str(train(cfg, root, device=device, progress=False, stop_after=stop_after, threads=share).path)


def default_workers(device: str = "auto") -> int:
    """A sensible pool size: one process per CPU core (at most 4) on the CPU, one on a GPU (runs of
    this size do not fill a GPU's memory, but they contend for its compute)."""
    from .train import pick_device
    if pick_device(device).type != "cpu":
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def check_sweep(cfgs, run_root=None, device: str = "auto") -> list[ExperimentConfig]:
    """Every point as an ``ExperimentConfig`` (dicts are read with ``from_dict``), checked before anything
    trains: a bad point stops the sweep with its position and what is wrong."""
    from .train import pick_device
    cfgs = list(cfgs)
    if not cfgs:
        raise ValueError("the sweep is empty; give at least one config")
    pick_device(device)
    out = []
    ids = set()
    for i, c in enumerate(cfgs):
        try:
            c = ExperimentConfig.from_dict(c) if isinstance(c, dict) else c
            if not isinstance(c, ExperimentConfig):
                raise ValueError(f"it is a {type(c).__name__}, not an ExperimentConfig (e.g. preset('cpu', seed=1))")
            parent = c.train.init_from
            if parent and parent not in ids and not (run_dir(parent, run_root) / "DONE").exists():
                raise ValueError(f"its parent run {parent} (init_from) is neither finished in the run store nor "
                                 "an earlier point of this sweep")
        except (ValueError, TypeError, KeyError) as e:
            raise ValueError(f"sweep point {i} is not a valid config: {e}") from None
        ids.add(run_id(c))
        out.append(c)
    return out


def sweep(cfgs, run_root=None, device: str = "auto", workers: int | str = 1, progress: bool = True,
          executor: str = "local", address: str | None = None, threads: int | None = None,
          gpus_per_run: float = GPUS_PER_RUN, stop_after: int | None = None, share_cores: bool = True) -> list[Run]:
    """Train (or read back) every config; return their runs in the order given.

    Finished runs are read back, interrupted ones resume, the rest train.  ``executor="local"``:
    ``workers`` runs that many points at once in separate processes (default 1: one after another;
    ``"auto"``: ``default_workers``), each with an equal share of the cores' threads; with
    ``workers=1`` an explicit ``threads`` sets torch's threads while the points train (restored
    after), so that two sweeps side by side on 2 cores can each take one.  ``executor="ray"``: one
    Ray task per point with ``threads`` CPU threads (default 1; and ``gpus_per_run`` of a GPU on
    CUDA), on the cluster at ``address`` / ``$RAY_ADDRESS`` or a local Ray.  ``stop_after`` stops every run at that step's checkpoint (a
    screen that a later sweep resumes).  With ``share_cores`` (the default) a pool's runs take the cores that
    finished runs leave idle (the last of three runs on 2 cores trains on both); False keeps each at its share.
    """
    from .progress import progress_bar
    from . import train as training

    if executor not in EXECUTORS:
        raise ValueError(f"executor={executor!r} is not allowed; use 'local' (this machine) or 'ray' "
                         "(a Ray cluster at $RAY_ADDRESS, or a local Ray)")
    workers = default_workers(device) if workers == "auto" else workers
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers={workers!r} is not allowed; give a positive integer (1 = one after another) "
                         "or 'auto'")
    if threads is not None and (not isinstance(threads, int) or isinstance(threads, bool) or threads < 1):
        raise ValueError(f"threads={threads!r} is not allowed; give a positive integer (CPU threads per run) or None")
    cfgs = check_sweep(cfgs, run_root, device)
    runs = [Run.open(c, run_root) for c in cfgs]
    unique = {r.id: (c, r) for c, r in zip(cfgs, runs)}  # a point given twice trains once
    todo = [c for c, r in unique.values() if not r.finished]
    bar = progress_bar(total=len(unique), initial=len(unique) - len(todo), desc="sweep runs", disable=not progress)
    if executor == "ray" and todo:
        _sweep_ray(todo, run_root, device, address, threads or 1, gpus_per_run, stop_after, bar)
    elif workers == 1 or len(todo) <= 1:
        import torch
        before = torch.get_num_threads()
        if threads:
            torch.set_num_threads(threads)
        try:
            for c in todo:
                bar.set_postfix(run=run_id(c))
                training.train(c, run_root, device=device, progress=progress, stop_after=stop_after)
                bar.update(1)
        finally:
            torch.set_num_threads(before)
    else:
        n = min(workers, len(todo))
        per = max(1, (os.cpu_count() or 1) // n)
        import multiprocessing as mp
        ctx = mp.get_context("spawn")
        active, left = ctx.Value("i", n), len(todo)  # runs training; as runs finish, the rest get their cores
        with ProcessPoolExecutor(n, mp_context=ctx, initializer=_init_pool_worker,
                                 initargs=(os.getpid(), active)) as pool:
            root = str(run_root) if run_root else None
            for wave in waves(todo):  # fine-tunes after their parents
                futs = [pool.submit(_train_job, c.to_dict(), root, device, per, stop_after, share_cores) for c in wave]
                for f in as_completed(futs):
                    f.result()  # re-raise a worker's error here
                    left -= 1
                    active.value = max(1, min(n, left))
                    bar.update(1)
    bar.close()
    return runs


def waves(cfgs: list[ExperimentConfig]) -> list[list[ExperimentConfig]]:
    """The points in groups that can train at once: a fine-tune comes in a later group than its parent."""
    ids = {run_id(c): c for c in cfgs}
    depth = {}

    def d(c):
        rid = run_id(c)
        if rid not in depth:
            parent = ids.get(c.train.init_from)
            depth[rid] = 0 if parent is None else d(parent) + 1
        return depth[rid]

    out = [[] for _ in range(1 + max(d(c) for c in cfgs))] if cfgs else []
    for c in cfgs:
        out[d(c)].append(c)
    return out


def _sweep_ray(todo, run_root, device, address, threads, gpus_per_run, stop_after, bar):
    """One Ray task per point, in waves (``waves``) so that a fine-tune starts after its parent finished."""
    import ray

    from .train import pick_device
    if not ray.is_initialized():
        address = address or os.environ.get("RAY_ADDRESS") or None
        os.environ.setdefault("RAY_raylet_start_wait_time_s", "300")  # a busy 2-core machine starts Ray slowly
        # no address: start a local Ray ("local"; None would join whatever cluster `ray start` last left here)
        ray.init(address=address or "local", include_dashboard=False, log_to_driver=False,
                 **({} if address else {"num_cpus": os.cpu_count() or 1}))
    gpu = pick_device(device).type == "cuda"
    task = ray.remote(num_cpus=threads, num_gpus=gpus_per_run if gpu else 0, max_retries=RAY_RETRIES)(_train_job)
    root = str(store_root(run_root).resolve())  # the tasks may run in other folders, or on other nodes
    for wave in waves(todo):  # fine-tunes after their parents; within a wave, as tasks finish
        refs = [task.remote(c.to_dict(), root, device, threads, stop_after) for c in wave]
        while refs:
            done, refs = ray.wait(refs, num_returns=1)
            ray.get(done[0])  # re-raise a task's error here
            bar.update(1)


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
