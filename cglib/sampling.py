"""Sampling a trained network: the prompts of concept classes (overprompted too) and images drawn from them.

Paper: section 3 (a concept class is a tuple of concept values, the model's condition) and section 4.2 (Fig. 6:
overprompting, a condition beyond the values seen in training).  ``generate`` is what every evaluation calls.

Used in: train.py (evaluation inside training), finetune.py, book/03_diffusion and the benchmarks.
"""
from __future__ import annotations

import numpy as np
import torch

from .concepts import class_values
from .diffusion import Diffusion


def prompt(classes: list[str], n: int, strength: float = 1.0) -> torch.Tensor:
    """The condition asking for ``n`` samples of each class: value coordinates (len(classes) * n, n_var).
    ``strength`` > 1 overprompts: value 1 becomes ``strength`` and value 0 becomes ``1 - strength``
    (bluer than blue, smaller than small, more triangular than a triangle)."""
    v = torch.tensor([class_values(c) for c in classes for _ in range(n)], dtype=torch.float32)
    return v * strength + (1 - v) * (1 - strength)


def sampler_prompt(model, classes: list[str], n: int, strength: float = 1.0) -> torch.Tensor:
    """``prompt`` in the inputs ``model`` reads: value coordinates, or the paper's code's one-hot shape, RGB
    colour and size for a network trained on them (``cond_values="official"``)."""
    cond = prompt(classes, n, strength)
    if getattr(model, "cfg", None) is not None and model.cfg.cond_values == "official":
        from .official import prompt_inputs
        cond = prompt_inputs(cond)
    return cond


#: Samples per sampler call, per device type.  On a CPU a call of 64 keeps a block's activations in cache:
#: DDIM-20 at the `cpu` preset drew 27.0 images/s in calls of 64 against 19.6 in calls of 512 on one thread
#: (52.2 against 35.7 on two; 2-core Xeon with AVX-512 and AMX, 2026-12-04), the same images to the bit.
SAMPLE_CHUNK = {"cpu": 64, "cuda": 512}


@torch.no_grad()
def generate(model, diffusion: Diffusion, classes: list[str], n: int, image_size: int, seed: int,
             sampler: str | None = None, steps: int | None = None, guidance: float | None = None,
             chunk: int | None = None, eta: float = 0.0, strength: float = 1.0) -> np.ndarray:
    """``n`` samples of each class, in class order, prompted at ``strength`` (1: the class itself).
    Returns float images (len(classes) * n, 3, S, S) in [0, 1].  The sampler runs ``chunk`` samples at a time
    (default ``SAMPLE_CHUNK``: 64 on a CPU, 512 on a GPU) from one generator, chunk after chunk: deterministic DDIM
    (eta 0) draws only the starting noise, so its images do not depend on the chunk; a stochastic sampler draws
    fresh noise at every step, so its images are other draws of the same distribution."""
    dev = diffusion.device
    chunk = chunk or SAMPLE_CHUNK.get(dev.type, SAMPLE_CHUNK["cuda"])
    cond = sampler_prompt(model, classes, n, strength).to(dev)
    gen = torch.Generator(device=dev).manual_seed(seed)
    outs = []
    for i in range(0, len(cond), chunk):
        x = diffusion.sample(model, cond[i:i + chunk], image_size, sampler, steps, guidance, generator=gen, eta=eta)
        outs.append(diffusion.to_unit(x).float().cpu().numpy())
    return np.concatenate(outs)


def evaluation_schedule(t, overprompt_every: int | None = None, overprompt: bool = True) -> list[tuple[int, int, int]]:
    """Every evaluation a run of TrainConfig ``t`` makes, as ``train`` makes them: (step, samples per class, strengths
    at which the far class is also overprompted).  Every ``eval_every`` steps ``n_eval`` per class, at the last step
    ``n_eval_final``; overprompted every ``overprompt_every`` steps (default: ``t.overprompt_every``; 0 or None: at
    every evaluation) and always at the end, ``n_eval`` samples a strength; never with ``overprompt`` False.
    (A second sampler's readings, ``TrainConfig.second_sampler``, are not counted.)"""
    every = t.overprompt_every if overprompt_every is None else overprompt_every
    n_over = len(t.overprompt) if overprompt else 0
    rows = [(k, t.n_eval, n_over if not every or k % every == 0 else 0)
            for k in range(t.eval_every, t.steps, t.eval_every)]
    return rows + [(t.steps, t.n_eval_final or t.n_eval, n_over)]


def evaluation_samples(t, overprompt_every: int | None = None, overprompt: bool = True) -> tuple[int, int]:
    """Samples a run of TrainConfig ``t`` draws to evaluate itself (``evaluation_schedule``): (plain, overprompted)."""
    rows = evaluation_schedule(t, overprompt_every, overprompt)
    return (sum(2 ** t.n_variables * n for _, n, _ in rows), sum(k * t.n_eval for _, _, k in rows))


def sampler_calls(t, chunk: int) -> list[int]:
    """The batch of every sampler call a run of TrainConfig ``t`` makes to evaluate itself, ``generate`` splitting
    each evaluation's samples into calls of ``chunk`` (``SAMPLE_CHUNK``).  Used in: benchmarks/gpu_chapter4.py."""
    def split(n):
        return [min(chunk, n - i) for i in range(0, n, chunk)]
    return [b for _, n, k in evaluation_schedule(t) for b in split(2 ** t.n_variables * n) + k * split(t.n_eval)]
