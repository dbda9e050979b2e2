"""The paper's code's protocol, where it differs from this library's: its condition inputs, its judge and
its smoothing (phys-ai/concept_graphs, the paper-era commits d36dae0 of 2023-07-26 and 57e3d96 of
2023-08-17; written here from their description).

* **Condition inputs** (``ModelConfig.cond_values="official"``; ``load_dataset.py``): shape as a one-hot
  over 3 entries (the 2023 code's ``n_classes=[3, 3, 1]``; the third shape is never drawn here), colour as
  the object's own RGB, size as one number in scene units.  At evaluation the code prompts red
  ``[0.9, 0.1, 0.1]``, blue ``[0.1, 0.1, 0.9]``, large 2.6 and small 1.4 (``test_size``).  Its Blender
  sizes are not known here, so a radius is put on that scale by ``2.6 / middle of the large range``
  (the large prompt is the middle of the large renders; the small renders' middle is then 1.52 at the
  `cpu` and `paper` ranges, the small prompt 1.4 inside their range).
* **Judge** (``linear_classifier_3classes.py``): one linear classifier per concept variable on the raw
  RGB pixels in [0, 1], trained with Adam (lr 1e-3) for 10 epochs of 4,500 clean renders of *every*
  class, batch 128, and read as a forced choice: a sample is correct when every variable's argmax is the
  asked value, so an empty canvas is named too (it cannot be rejected).  Here: fresh clean renders of
  every class each step, the same steps, batch and rate (``JUDGE``); ``tasks.score`` stores its reading
  as ``acc_official`` beside the rejecting evaluator's ``acc``.
* **Smoothing** (``plotting.py``, ``rescaled_conv``): each curve is shown as the mean of the last 10
  evaluations (fewer at the start), ``moving_average``.

Used in: ``tasks.py`` (the second reading), ``train.py`` (prompts), ``unet.py`` (input widths),
book/03_diffusion (the differences table) and book/04_emergence ("The paper's own network").
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from .probes import ProbeConfig
from .render import RenderConfig, size_radius

#: The official inputs' width per concept variable: shape one-hot (3), colour RGB (3), size (1).
INPUT_DIMS = (3, 3, 1)
RED, BLUE = (0.9, 0.1, 0.1), (0.1, 0.1, 0.9)  # the evaluation prompts of colour value 0 and 1
LARGE, SMALL = 2.6, 1.4  # the evaluation prompts of size value 0 and 1 (scene units; d36dae0's test_size)

#: The official judge: linear probes on clean renders of every class, 10 epochs of 4,500 at batch 128.
JUDGE = dict(kind="linear", augment=False, steps=352, batch=128, lr=1e-3)

#: The smoothing window of the official plots: the mean of the last 10 evaluations.
WINDOW = 10


def training_inputs(params: dict, cfg: RenderConfig) -> np.ndarray:
    """The official condition (N, 7) of objects drawn at ``cfg`` (``render.sample_params``): one-hot shape,
    the object's RGB, its size radius (``render.size_radius``) in scene units (``LARGE`` at the middle of
    ``cfg.large``)."""
    shape = np.asarray(params["shape"], int)
    onehot = np.eye(3, dtype=np.float32)[shape]
    size = size_radius(params, cfg) / cfg.image_size * (LARGE / np.mean(cfg.large))
    return np.concatenate([onehot, np.asarray(params["rgb"], np.float32), size[:, None].astype(np.float32)], 1)


def prompt_inputs(coords: torch.Tensor) -> torch.Tensor:
    """Value coordinates (B, 3) to the official evaluation prompts (B, 7), affine in each coordinate: value 0
    gives the code's prompt of value 0 and value 1 its prompt of value 1 (one-hot shape, ``RED``/``BLUE``,
    ``LARGE``/``SMALL``); an overprompted coordinate (say 1.5) goes as far again past the prompt."""
    u = coords.float()
    red, blue = (torch.tensor(c, device=u.device) for c in (RED, BLUE))
    shape = torch.stack([1 - u[:, 0], u[:, 0], torch.zeros_like(u[:, 0])], 1)
    color = red + u[:, 1:2] * (blue - red)
    size = LARGE + u[:, 2:3] * (SMALL - LARGE)
    return torch.cat([shape, color, size], 1)


def judge_config(n_variables: int, image_size: int) -> ProbeConfig:
    """The probes of the official judge for images of this task."""
    return ProbeConfig(n_variables=n_variables, image_size=image_size, **JUDGE)


def moving_average(table: pd.DataFrame, col: str, window: int = WINDOW, by=("seed", "concept_class")) -> pd.Series:
    """``col`` as the official plots show it: per run and class, the mean of the last ``window`` evaluations
    up to each step (fewer at the start; ``plotting.rescaled_conv``).  Aligned with ``table``'s index."""
    keys = [k for k in by if k in table.columns]
    ordered = table.assign(_pos=np.arange(len(table))).sort_values([*keys, "step"], kind="stable")
    smooth = ordered.groupby(keys)[col].transform(lambda s: s.rolling(window, min_periods=1).mean())
    out = np.empty(len(table))
    out[ordered["_pos"].to_numpy()] = smooth.to_numpy()
    return pd.Series(out, index=table.index, name=col)
