"""Training with evaluation inside it.

Paper: section 4 (learning dynamics, Fig. 5), appendix A.4 (Adam, beta1 0.9,
beta2 0.99, weight decay 1e-5) and A.5 (50 samples per class per evaluation).

``train(cfg)`` returns the finished ``Run``: read back from the run store if
this config already finished, resumed from its last checkpoint if it was
interrupted, trained from scratch otherwise.  Every ``eval_every`` steps it
samples ``n_eval`` images of *every* concept class of the graph (seen and
unseen) from the EMA weights, scores them with the analytic evaluator
(``measure.py``, which can reject) and with the probes, and appends one row
per class to ``metrics.jsonl``.

Used in: book/03_diffusion, book/04_emergence, book/05_frequency, book/06_finetuning.
"""
from __future__ import annotations

import copy
import math
import time
from pathlib import Path

import numpy as np
import torch

from .concepts import all_classes, class_values, distances
from .config import ExperimentConfig
from .data import make_dataset
from .diffusion import Diffusion
from .measure import measure, measured_scores
from .probes import ProbeConfig, load_probes, probe_scores
from .render import RenderConfig
from .runs import LIBRARY_VERSION, Run, run_dir, run_id, run_root, save_torch_atomic
from .unet import N_VALUES, UNet


def pick_device(device: str = "auto") -> torch.device:
    """``"auto"`` picks CUDA when present, else the CPU."""
    if device in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def probes_for(cfg: ExperimentConfig, root=None):
    """The cached probes that judge this config's samples (trained once per probe setting)."""
    t = cfg.train
    pc = ProbeConfig(kind=t.probe_kind, n_variables=t.n_variables, image_size=t.image_size)
    return load_probes(pc, Path(run_root(root)) / "probes")


# ---------------------------------------------------------------- evaluation


@torch.no_grad()
def generate(model, diffusion: Diffusion, classes: list[str], n: int, image_size: int, seed: int,
             sampler: str | None = None, steps: int | None = None, guidance: float | None = None,
             chunk: int = 512, eta: float | None = None) -> np.ndarray:
    """``n`` samples of each class, in class order. Returns float images (len(classes) * n, 3, S, S) in [0, 1]."""
    dev = diffusion.device
    cond = torch.tensor([class_values(c) for c in classes for _ in range(n)], device=dev)
    gen = torch.Generator(device=dev).manual_seed(seed)
    outs = []
    for i in range(0, len(cond), chunk):
        x = diffusion.sample(model, cond[i:i + chunk], image_size, sampler, steps, guidance, generator=gen, eta=eta)
        outs.append(((x + 1) / 2).clamp(0, 1).float().cpu().numpy())
    return np.concatenate(outs)


def score(images: np.ndarray, classes: list[str], n: int, probes, train_classes) -> list[dict]:
    """One metrics row per class for images grouped ``n`` per class in ``classes`` order."""
    nv = len(classes[0])
    m = measure(images, nv)
    dist = distances(train_classes, nv)
    rows = []
    for i, c in enumerate(classes):
        sl = slice(i * n, (i + 1) * n)
        rows.append({"concept_class": c, "distance": dist[c], "in_train": c in train_classes,
                     **measured_scores(m.part(sl), c), **probe_scores(probes, images[sl], c)})
    return rows


def score_celeba(images: np.ndarray, classes: list[str], n: int, classifiers, train_classes) -> list[dict]:
    """One metrics row per class, judged by the CelebA attribute classifiers (section 4.2; they cannot reject)."""
    dist = distances(train_classes, 3)
    return [{"concept_class": c, "distance": dist[c], "in_train": c in train_classes,
             **classifiers.scores(images[i * n:(i + 1) * n], c)} for i, c in enumerate(classes)]


def training_data(cfg: ExperimentConfig) -> tuple[np.ndarray, np.ndarray]:
    """The training images (N, 3, S, S) in [0, 1] and their value indices (N, n_variables)."""
    t = cfg.train
    if t.dataset == "celeba":
        from .celeba import load_celeba, select
        return select(load_celeba(t.celeba_root, t.image_size, "train"), t.class_counts(), t.seed)
    data = make_dataset(t.class_counts(), t.seed, RenderConfig(image_size=t.image_size))
    return data.images, data.values


def scorer(cfg: ExperimentConfig, root=None):
    """``judge(images, classes, n) -> rows``: the evaluator and probes for shapes, the classifiers for CelebA."""
    t = cfg.train
    if t.dataset == "celeba":
        from .celeba import load_classifiers
        clf = load_classifiers(t.celeba_root, t.image_size, Path(run_root(root)) / "probes")
        return lambda images, classes, n: score_celeba(images, classes, n, clf, t.train_classes)
    probes = probes_for(cfg, root)
    return lambda images, classes, n: score(images, classes, n, probes, t.train_classes)


# ---------------------------------------------------------------- training


def build(cfg: ExperimentConfig, device) -> tuple[UNet, Diffusion]:
    model = UNet(cfg.model, cfg.train.n_variables).to(device)
    if device.type == "cpu":
        model = model.to(memory_format=torch.channels_last)  # ~1.4x faster convolutions on CPU
    return model, Diffusion(cfg.diffusion, device)


def train(cfg: ExperimentConfig, run_root_dir=None, device: str = "auto", progress: bool = True,
          stop_after: int | None = None) -> Run:
    """Train (or read back, or resume) the run for ``cfg``; return its ``Run``.

    ``stop_after`` stops after that many steps' checkpoint, as an interruption would (for tests).
    """
    t = cfg.train
    parent = run_dir(t.init_from, run_root_dir) if t.init_from else None
    if parent and not (run_dir(run_id(cfg), run_root_dir) / "DONE").exists():
        if not (parent / "DONE").exists():  # checked before Run.open, so a refused fine-tune writes nothing
            raise ValueError(f"init_from={t.init_from!r}: the parent run {parent} is not finished in this run store; "
                             "train the parent first (its run id is Run.open(parent_cfg).id)")
    run = Run.open(cfg, run_root_dir)
    if run.finished:
        return run
    dev = pick_device(device)
    torch.manual_seed(t.seed)
    model, diffusion = build(cfg, dev)
    if parent:  # fine-tuning: start from the parent's EMA weights
        ck = torch.load(parent / "checkpoint.pt", map_location=dev, weights_only=False)
        model.load_state_dict(ck["ema"])
    ema = copy.deepcopy(model).eval()
    opt_cls = torch.optim.AdamW if t.optimizer == "adamw" else torch.optim.Adam
    opt = opt_cls(model.parameters(), lr=t.lr, betas=(0.9, 0.99), weight_decay=t.weight_decay)
    g_cpu = torch.Generator().manual_seed(t.seed)
    g_dev = torch.Generator(device=dev).manual_seed(t.seed + 1)
    step, wall, rows, loss_avg = 0, 0.0, [], None
    if run.checkpoint_path.exists():  # resume exactly where the last checkpoint left off
        ck = torch.load(run.checkpoint_path, map_location=dev, weights_only=False)
        model.load_state_dict(ck["model"])
        ema.load_state_dict(ck["ema"])
        opt.load_state_dict(ck["opt"])
        g_cpu.set_state(ck["g_cpu"])
        g_dev.set_state(ck["g_dev"].to(g_dev.get_state().device))
        step, wall, rows, loss_avg = ck["step"], ck["wall_s"], ck["rows"], ck["loss_avg"]

    images, values = training_data(cfg)
    x_all = torch.as_tensor(images * 2 - 1).to(dev)  # (N, 3, S, S) in [-1, 1]
    v_all = torch.as_tensor(values).to(dev)  # (N, n)
    judge = scorer(cfg, run_root_dir)
    classes = all_classes(t.n_variables)
    total = t.steps
    bar = None
    if progress:
        from .book import progress_bar as tqdm
        bar = tqdm(total=total, initial=step, desc=f"run {run.id}")
    dist = distances(t.train_classes)
    far = max(classes, key=lambda c: (dist[c], c))

    t0 = time.perf_counter()
    while step < total:
        model.train()
        idx = torch.randint(0, len(x_all), (t.batch,), generator=g_cpu).to(dev)
        x0, cond = x_all[idx], v_all[idx].clone()
        if cfg.model.p_uncond > 0:
            drop = (torch.rand(t.batch, generator=g_cpu) < cfg.model.p_uncond).to(dev)
            cond[drop] = N_VALUES
        if cfg.model.p_drop_variable > 0:  # each variable on its own, so the model also learns p(x | some variables)
            drop = (torch.rand(cond.shape, generator=g_cpu) < cfg.model.p_drop_variable).to(dev)
            cond[drop] = N_VALUES
        if dev.type == "cpu":
            x0 = x0.contiguous(memory_format=torch.channels_last)
        if t.lr_schedule == "cosine":
            for group in opt.param_groups:
                group["lr"] = t.lr * 0.5 * (1 + math.cos(math.pi * step / total))
        loss = diffusion.loss(model, x0, cond, generator=g_dev)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        with torch.no_grad():  # EMA with a warm-up so early evaluations are not dominated by the init
            d = min(t.ema, (1 + step) / (10 + step))
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.lerp_(pm, 1 - d)
        loss_avg = loss.item() if loss_avg is None else 0.98 * loss_avg + 0.02 * loss.item()
        if bar:
            bar.update(1)
        if step % t.eval_every == 0 or step == total:
            images = generate(ema, diffusion, classes, t.n_eval, t.image_size, t.seed + 10_000)
            new = judge(images, classes, t.n_eval)
            wall += time.perf_counter() - t0
            t0 = time.perf_counter()
            epoch = step * t.batch / len(x_all)
            for r in new:
                r.update(step=step, epoch=round(epoch, 4), wall_s=round(wall, 2), loss=round(loss_avg, 5))
            rows += new
            k = min(t.grid_k, t.n_eval)
            grid = images.reshape(len(classes), t.n_eval, *images.shape[1:])
            run.save_samples(step, grid[:, :k], grid.mean(1), classes)
            run.write_metrics(rows)
            save_torch_atomic({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                               "g_cpu": g_cpu.get_state(), "g_dev": g_dev.get_state(), "step": step,
                               "wall_s": wall, "rows": rows, "loss_avg": loss_avg, "config": cfg.to_dict(),
                               "library_version": LIBRARY_VERSION}, run.checkpoint_path)
            if bar:
                fr = next(r for r in new if r["concept_class"] == far)
                bar.set_postfix(loss=f"{loss_avg:.4f}", **{f"acc_{far}": f"{fr['acc']:.2f}"})
            if stop_after is not None and step >= stop_after and step < total:
                if bar:
                    bar.close()
                return run
    if bar:
        bar.close()
    run.mark_done({"steps": step, "wall_s": round(wall, 2), "device": str(dev),
                   "final": {r["concept_class"]: r["acc"] for r in rows if r["step"] == step}})
    return run


def load_model(run: Run, device: str = "auto", which: str = "ema"):
    """The trained network of a run (EMA weights by default) and its ``Diffusion``."""
    dev = pick_device(device)
    model, diffusion = build(run.cfg, dev)
    ck = torch.load(run.checkpoint_path, map_location=dev, weights_only=False)
    model.load_state_dict(ck[which])
    return model.eval(), diffusion
