"""Training with evaluation inside it.

Paper: section 4 (learning dynamics, Fig. 5), appendix A.4 (Adam, beta1 0.9,
beta2 0.99, weight decay 1e-5) and A.5 (50 samples per class per evaluation).

``train(cfg)`` returns the finished ``Run``: read back from the run store if this config already finished,
resumed from its last checkpoint if it was interrupted, trained from scratch otherwise. The data and the judge
come from the config's task (``tasks.py``: rendered shapes judged by the evaluator that can reject and by the
probes, or face images judged by attribute classifiers); training never names a dataset. Every ``eval_every``
steps it samples ``n_eval`` images of *every* concept class of the graph (seen and unseen) from the EMA weights
(``n_eval_final`` at the last step), judges them, optionally judges the furthest class overprompted
(``TrainConfig.overprompt``), and appends one row per class to ``metrics.jsonl``.  Each row also carries
``wall_s`` and ``eval_s`` (seconds so far, and of them in evaluation).

Used in: book/03_diffusion, book/04_emergence, book/05_frequency, book/06_finetuning and chapter 7 (faces).
"""
from __future__ import annotations

import copy
import time

import torch

from .concepts import all_classes, distances
from .config import ExperimentConfig
from .diffusion import Diffusion
from .runs import LIBRARY_VERSION, Run, run_dir, run_id, save_torch_atomic
from .sampling import SAMPLE_CHUNK, generate, prompt  # noqa: F401  (re-exported: train.generate)
from .tasks import task_for
from .unet import UNet


def pick_device(device: str = "auto") -> torch.device:
    """``"auto"`` picks CUDA when present, else the CPU; ``"cpu"``, ``"cuda"`` and ``"cuda:N"`` name one.
    An unknown name, or CUDA on a machine without it, stops with a message saying what is allowed."""
    if device in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    allowed = "use 'auto' (CUDA when present, else the CPU), 'cpu', 'cuda' or 'cuda:N'"
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device={device!r} is not allowed; {allowed}") from None
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"device={device!r} is not allowed; {allowed}")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r}: no CUDA device is present on this machine; "
                         "use device='auto', which picks the CPU here")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ValueError(f"device={device!r}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    return dev


# ---------------------------------------------------------------- evaluation


# ---------------------------------------------------------------- training


def build(cfg: ExperimentConfig, device) -> tuple[UNet, Diffusion]:
    """The network (``ModelConfig.arch``) and the diffusion process of ``cfg``, on ``device``."""
    if cfg.model.arch == "context_unet":
        from .context_unet import ContextUnet
        model = ContextUnet(cfg.model, cfg.train.n_variables, cfg.train.image_size).to(device)
    else:
        model = UNet(cfg.model, cfg.train.n_variables).to(device)
    # channels-last: ~1.4x faster convolutions on a CPU; on CUDA what cuDNN's bf16 and TF32 kernels prefer
    model = model.to(memory_format=torch.channels_last)
    if device.type == "cuda":
        set_cuda_precision(cfg.train.precision)
    if cfg.train.precision == "bf16":
        warn_without_native_bf16(device)
    return model, Diffusion(cfg.diffusion, device, cfg.train.precision)


def set_cuda_precision(precision: str):
    """This process's CUDA arithmetic for ``TrainConfig.precision``: TensorFloat-32 matmuls and convolutions only
    for "tf32" (torch's own default turns it on for convolutions, so "fp32" turns it off: fp32 means fp32), and
    cuDNN's autotuner on (a run's shapes never change, so the fastest kernels are picked once)."""
    tf32 = precision == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cudnn.benchmark = True


def native_bf16(device) -> bool:
    """Whether ``device`` computes bf16 natively: a CUDA device that supports it, or a CPU with AVX-512-BF16 or
    AMX (read from /proc/cpuinfo; False where that file is missing)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    try:
        flags = open("/proc/cpuinfo").read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def warn_without_native_bf16(device):
    if not native_bf16(device):
        import warnings
        warnings.warn(f"TrainConfig.precision='bf16' on {device}, which has no native bf16 (no AVX-512-BF16 or AMX): "
                      "bf16 is emulated there and usually slower than fp32; precision='fp32' is the fast choice",
                      stacklevel=3)


def train(cfg: ExperimentConfig, run_root_dir=None, device: str = "auto", progress: bool = True,
          stop_after: int | None = None, threads=None) -> Run:
    """Train (or read back, or resume) the run for ``cfg``; return its ``Run``.

    ``stop_after`` stops at that step's checkpoint, as an interruption would; a run already there trains no more.
    ``threads``, a function of nothing, gives the CPU threads to train with, asked every 20 steps (a sweep
    hands a run the cores that finished runs left idle).  ``progress``: True draws a progress bar, False nothing,
    a function ``progress(step, total)`` is called after every step (benchmarks/gpu_chapter4.py prints from it).
    """
    t = cfg.train
    dev = pick_device(device)  # a bad device stops before anything is written
    parent = run_dir(t.init_from, run_root_dir) if t.init_from else None
    if parent and not (run_dir(run_id(cfg), run_root_dir) / "DONE").exists():
        if not (parent / "DONE").exists():  # checked before Run.open, so a refused fine-tune writes nothing
            raise ValueError(f"init_from={t.init_from!r}: the parent run {parent} is not finished in this run store; "
                             "train the parent first (its run id is Run.open(parent_cfg).id)")
    run = Run.open(cfg, run_root_dir)
    if run.finished:
        return run
    torch.manual_seed(t.seed)
    model, diffusion = build(cfg, dev)
    if parent:  # fine-tuning: start from the parent's EMA weights
        ck = Run(parent, cfg).load_checkpoint(dev)
        model.load_state_dict(ck["ema"])
    ema = copy.deepcopy(model).eval()
    ema_params, model_params = list(ema.parameters()), list(model.parameters())
    trained = [p for p in model.parameters() if p.requires_grad]  # frozen condition networks stay as drawn
    opt = torch.optim.Adam(trained, lr=t.lr, betas=(0.9, t.beta2), weight_decay=t.weight_decay)
    total = t.steps
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: lr_factor(t.lr_schedule, k, total))
    g_cpu = torch.Generator().manual_seed(t.seed)
    g_dev = torch.Generator(device=dev).manual_seed(t.seed + 1)
    step, wall, rows, loss_avg, eval_s = 0, 0.0, [], None, 0.0
    if run.checkpoint_path.exists():  # resume exactly where the last checkpoint left off
        ck = run.load_checkpoint(dev)
        if stop_after is not None and stop_after <= ck["step"] < total:  # a screen run again: already stopped there
            return run
        for module, key in ((model, "model"), (ema, "ema"), (opt, "opt")):
            module.load_state_dict(ck[key])
        g_cpu.set_state(ck["g_cpu"])
        g_dev.set_state(ck["g_dev"].to(g_dev.get_state().device))
        step, wall, rows, loss_avg = ck["step"], ck["wall_s"], ck["rows"], ck["loss_avg"]
        eval_s = ck.get("eval_s")  # None: a checkpoint from before evaluation was timed (unknown from then on)
        if "sched" in ck:
            sched.load_state_dict(ck["sched"])
        else:  # a checkpoint from before the scheduler was saved: put it at the step reached
            sched.last_epoch = step
    task = task_for(cfg)
    images, values = task.training_data(cfg)
    x_all = diffusion.from_unit(torch.as_tensor(images)).to(dev)  # (N, 3, S, S) in the data range
    v_all = torch.as_tensor(values).float().to(dev)  # (N, n) value coordinates
    judge = task.judge(cfg, run_root_dir)
    classes = all_classes(t.n_variables)
    bar, report = None, progress if callable(progress) else None
    if progress is True:
        from .progress import progress_bar as tqdm
        bar = tqdm(total=total, initial=step, desc=f"run {run.id}")
    dist = distances(t.train_classes)
    far = max(classes, key=lambda c: (dist[c], c))

    t0 = time.perf_counter()
    while step < total:
        if threads is not None and step % 20 == 0 and (k := threads()) != torch.get_num_threads():
            torch.set_num_threads(k)
        model.train()
        idx = torch.randint(0, len(x_all), (t.batch,), generator=g_cpu).to(dev)
        x0, cond = x_all[idx], v_all[idx].clone()
        if cfg.model.p_uncond > 0:
            drop = (torch.rand(t.batch, generator=g_cpu) < cfg.model.p_uncond).to(dev)
            cond[drop] = float("nan")  # the null condition (unet.py)
        x0 = x0.contiguous(memory_format=torch.channels_last)
        loss = diffusion.loss(model, x0, cond, generator=g_dev)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        step += 1
        with torch.no_grad():  # EMA with a warm-up so early evaluations are not dominated by the init
            d = min(t.ema, (1 + step) / (10 + step))
            torch._foreach_lerp_(ema_params, model_params, 1 - d)  # one fused call, the same arithmetic as lerp_
            for be, bm in zip(ema.buffers(), model.buffers()):  # BatchNorm's running statistics (ContextUnet)
                be.copy_(bm)
        loss_avg = loss.item() if loss_avg is None else 0.98 * loss_avg + 0.02 * loss.item()
        if bar:
            bar.update(1)
        if report:
            report(step, total)
        if step % t.eval_every == 0 or step == total:
            n_eval = t.n_eval_final if step == total and t.n_eval_final else t.n_eval
            t_eval = time.perf_counter()
            images = generate(ema, diffusion, classes, n_eval, t.image_size, t.seed + 10_000)
            new = judge(images, classes, n_eval)
            if t.overprompt and (step == total or not t.overprompt_every or step % t.overprompt_every == 0):
                overprompted(new, ema, diffusion, far, t, judge)
            more = {}
            if t.second_sampler and (step == total or (t.second_sampler_every and step % t.second_sampler_every == 0)):
                more = second_reading(new, ema, diffusion, classes, t.n_eval, t, judge)
            now = time.perf_counter()  # eval_s: sampling and judging, so that a run says what its evaluation costs
            eval_s = eval_s if eval_s is None else eval_s + now - t_eval
            wall, t0 = wall + now - t0, now
            epoch = step * t.batch / len(x_all)
            for r in new:
                r.update(step=step, epoch=round(epoch, 4), wall_s=round(wall, 2), loss=round(loss_avg, 5),
                         eval_s=eval_s and round(eval_s, 2))
            rows += new
            k = min(t.grid_k, n_eval)
            grid = images.reshape(len(classes), n_eval, *images.shape[1:])
            run.save_samples(step, grid[:, :k], grid.mean(1), classes, **more)
            run.write_metrics(rows)
            save_torch_atomic({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                               "sched": sched.state_dict(), "g_cpu": g_cpu.get_state(), "g_dev": g_dev.get_state(),
                               "step": step, "wall_s": wall, "eval_s": eval_s, "rows": rows, "loss_avg": loss_avg,
                               "config": cfg.to_dict(), "library_version": LIBRARY_VERSION}, run.checkpoint_path)
            if bar:
                fr = next(r for r in new if r["concept_class"] == far)
                bar.set_postfix(loss=f"{loss_avg:.4f}", **{f"acc_{far}": f"{fr['acc']:.2f}"})
            if stop_after is not None and step >= stop_after and step < total:
                if bar:
                    bar.close()
                return run
    if bar:
        bar.close()
    run.mark_done({"steps": step, "wall_s": round(wall, 2), "eval_s": eval_s and round(eval_s, 2), "device": str(dev),
                   "threads_at_end": torch.get_num_threads(),
                   "final": {r["concept_class"]: r["acc"] for r in rows if r["step"] == step}})
    return run


def lr_factor(schedule: str, step: int, total: int) -> float:
    """The learning rate's multiplier at ``step`` of ``total``: 1 (constant) or a straight line to 0 (the
    official code: ``lr * (1 - epoch / n_epoch)``)."""
    if schedule == "linear":
        return 1 - step / total
    return 1.0


def overprompted(rows: list[dict], model, diffusion: Diffusion, far: str, t, judge):
    """Judge class ``far`` under each overprompt strength of ``t.overprompt`` (its own samples, the same
    evaluation seed); add to its row ``acc_over`` (the best strength's accuracy: a selection over
    strengths, reported apart from the plain ``acc``), ``over_strength`` and ``acc_over_<k>`` per strength."""
    row = next(r for r in rows if r["concept_class"] == far)
    best = (-1.0, None)
    for k in t.overprompt:
        images = generate(model, diffusion, [far], t.n_eval, t.image_size, t.seed + 10_000, strength=k)
        acc = judge(images, [far], t.n_eval)[0]["acc"]
        row[f"acc_over_{k:g}"] = acc
        best = max(best, (acc, k), key=lambda x: x[0])
    row["acc_over"], row["over_strength"] = best


def second_reading(rows: list[dict], model, diffusion: Diffusion, classes, n: int, t, judge) -> dict:
    """Judge ``n`` fresh samples of every class (``n_eval``, at the last evaluation too: a T-step sampler costs
    T / sample_steps times the plain one) drawn with ``t.second_sampler`` (another evaluation seed): add to each
    class's row ``acc_<sampler>`` (the evaluator), ``acc_probe_<sampler>`` and ``acc_official_<sampler>``;
    return the grid to store beside the plain one (``grid_<sampler>``)."""
    s = t.second_sampler
    images = generate(model, diffusion, classes, n, t.image_size, t.seed + 20_000, sampler=s)
    for row, r in zip(rows, judge(images, classes, n)):
        row.update({f"{k}_{s}": r[k] for k in ("acc", "acc_probe", "acc_official") if k in r})
    return {f"grid_{s}": images.reshape(len(classes), n, *images.shape[1:])[:, :min(t.grid_k, n)]}


def load_model(run: Run, device: str = "auto", which: str = "ema"):
    """The trained network of a run (EMA weights by default) and its ``Diffusion``."""
    dev = pick_device(device)
    model, diffusion = build(run.cfg, dev)
    ck = run.load_checkpoint(dev)
    model.load_state_dict(ck[which])
    return model.eval(), diffusion


def rejudge(run: Run, sampler: str, n: int, seed: int = 123, device: str = "auto"):
    """A finished run's final weights judged again on ``n`` fresh samples per class drawn with another
    ``sampler`` (e.g. ``"ddpm_beta"``, the paper's code's): one row per class with the rejecting evaluator's
    ``acc``, the forced-choice probes' ``acc_probe`` and the paper's code's judge's ``acc_official``.
    Computed once and kept in the run's ``readings/`` folder (the run itself does not change)."""
    import io

    import pandas as pd

    from .runs import write_atomic
    path = run.path / "readings" / f"{sampler}_n{n}_seed{seed}.csv"
    if path.exists():
        return pd.read_csv(path, dtype={"concept_class": str})
    model, diffusion = load_model(run, device)
    t = run.cfg.train
    classes = all_classes(t.n_variables)
    images = generate(model, diffusion, classes, n, t.image_size, seed, sampler=sampler)
    judge = task_for(run.cfg).judge(run.cfg, run.path.parent)  # the probes cached beside the run
    table = pd.DataFrame(judge(images, classes, n))
    buf = io.StringIO()
    table.to_csv(buf, index=False)
    write_atomic(path, buf.getvalue().encode())
    return table
