"""Learned probes and the paper's accuracy measures.

Paper: section 3.1 and appendix A.5 (linear probes, eq. 2), Fig. 6 (additive
versus multiplicative measure).

One classifier per concept variable, trained on fresh renders of *all* concept
classes, so the probes are valid on classes the diffusion model never saw.  (The
paper trains its probes on the diffusion model's training data, sections 3.1 and
A.5, which holds no sample of the held-out classes; ours also see those.)
The paper uses linear probes.  On raw pixels, with location varying, a linear
probe reads shape poorly, so the default is a tiny CNN (two conv layers and an
MLP); the linear probe stays available (``kind="linear"``) for comparison.
Probes are trained with augmentation (tinted backgrounds, darker shapes, pixel
noise) so that they judge imperfect generated samples fairly.

Trained probes are cached on disk by their settings.

Used in: book/01_concept_graphs, and every training run's evaluation.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .concepts import all_classes, class_values, variables
from .render import RenderConfig, draw, render, sample_params
from .runs import run_root, save_torch_atomic

PROBE_CACHE_VERSION = 1


@dataclass(frozen=True)
class ProbeConfig:
    """How the probes are built and trained."""

    kind: str = "cnn"  # "cnn" (default, >= 99.5% held-out) or "linear" (the paper's, for comparison)
    n_variables: int = 3  # 3: shape, color, size; 4 adds background
    image_size: int = 28  # must match the images the probes will judge
    steps: int = 300  # optimisation steps per probe
    batch: int = 256  # fresh renders per step
    lr: float = 3e-3  # Adam learning rate
    augment: bool = True  # tinted backgrounds, darker shapes, pixel noise
    seed: int = 0  # seed for renders and initialisation

    def __post_init__(self):
        if self.kind not in ("cnn", "linear"):
            raise ValueError(f"ProbeConfig.kind={self.kind!r} is not allowed; use 'cnn' or 'linear'")
        variables(self.n_variables)


# ---------------------------------------------------------------- networks


def _probe_net(kind: str, n_values: int, size: int) -> nn.Module:
    if kind == "linear":
        return nn.Sequential(nn.Flatten(), nn.Linear(3 * size * size, n_values))
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * (size // 4) ** 2, 64), nn.ReLU(), nn.Linear(64, n_values))


class Probes(nn.Module):
    """One classifier per concept variable; ``forward`` gives logits per variable."""

    def __init__(self, cfg: ProbeConfig):
        super().__init__()
        self.cfg = cfg
        self.vars = variables(cfg.n_variables)
        self.nets = nn.ModuleList(_probe_net(cfg.kind, len(v.values), cfg.image_size) for v in self.vars)

    def forward(self, x):  # x: (B, 3, S, S) in [0, 1]
        x = x * 2 - 1
        return [net(x) for net in self.nets]

    @torch.no_grad()
    def predict_proba(self, images: np.ndarray, chunk: int = 1024) -> list[np.ndarray]:
        """Per-variable class probabilities, each (B, n_values)."""
        self.eval()
        outs = [[] for _ in self.vars]
        for i in range(0, len(images), chunk):
            x = torch.as_tensor(np.asarray(images[i:i + chunk], np.float32))
            for j, logit in enumerate(self(x)):
                outs[j].append(torch.softmax(logit, -1).numpy())
        return [np.concatenate(o) if o else np.zeros((0, len(v.values))) for o, v in zip(outs, self.vars)]


# ---------------------------------------------------------------- augmentation and training


def augmented_batch(n: int, rng: np.random.Generator, cfg: ProbeConfig):
    """Fresh renders of uniformly drawn classes of every kind, with augmentation. Returns (images, values)."""
    classes = all_classes(cfg.n_variables)
    labels = [classes[i] for i in rng.integers(len(classes), size=n)]
    values = np.array([class_values(c) for c in labels])
    rcfg = RenderConfig(image_size=cfg.image_size)
    if not cfg.augment:
        return render(labels, rng, rcfg), values
    p = sample_params(values, rng, rcfg)
    tint = rng.random((n, 1)) * 0.35 * (rng.random((n, 1)) < 0.6)  # background pulled toward a random colour
    p["background"] = p["background"] * (1 - tint) + rng.random((n, 3)) * tint
    p["rgb"] = p["rgb"] * (0.6 + 0.4 * rng.random((n, 1)))  # darker shades
    x = draw(**p, size=cfg.image_size)
    x = x + rng.normal(size=x.shape).astype(np.float32) * (0.1 * rng.random((n, 1, 1, 1))).astype(np.float32)
    return np.clip(x, 0, 1), values


def train_probes(cfg: ProbeConfig = ProbeConfig(), progress: bool = False) -> Probes:
    """Train one probe per concept variable on fresh renders of all classes (paper A.5)."""
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    probes = Probes(cfg)
    opt = torch.optim.Adam(probes.parameters(), lr=cfg.lr)
    loss_fn = nn.CrossEntropyLoss()
    it = range(cfg.steps)
    if progress:
        from .progress import progress_bar as tqdm
        it = tqdm(it, desc="training probes")
    probes.train()
    for _ in it:
        x, v = augmented_batch(cfg.batch, rng, cfg)
        logits = probes(torch.as_tensor(x))
        loss = sum(loss_fn(lg, torch.as_tensor(v[:, j])) for j, lg in enumerate(logits))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return probes.eval()


def probe_cache_dir() -> Path:
    """Where trained probes are cached: ``<run root>/probes`` (see ``runs.run_root``)."""
    return run_root() / "probes"


def load_probes(cfg: ProbeConfig = ProbeConfig(), cache_dir: str | Path | None = None,
                progress: bool = False) -> Probes:
    """Trained probes for ``cfg``, read from the cache or trained once and cached (atomic write)."""
    key = hashlib.sha1(json.dumps({**asdict(cfg), "v": PROBE_CACHE_VERSION}, sort_keys=True).encode()).hexdigest()[:12]
    path = Path(cache_dir or probe_cache_dir()) / f"probe-{cfg.kind}-{key}.pt"
    if path.exists():
        probes = Probes(cfg)
        probes.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        return probes.eval()
    probes = train_probes(cfg, progress=progress)
    save_torch_atomic(probes.state_dict(), path)
    return probes


# ---------------------------------------------------------------- measures (eq. 2, section 3.1, Fig. 6)


def probe_scores(probes: Probes, images: np.ndarray, target: str) -> dict[str, float]:
    """The probes' verdict on images meant to show class ``target``.

    Returns ``acc_<variable>`` (per-variable accuracy), ``acc_probe`` (eq. 2:
    mean over samples of the product of indicators), ``acc_prob`` (section 3.1:
    mean product of the probabilities of the target values) and ``acc_additive``
    (the mean of the per-variable accuracies, Fig. 6's additive measure).
    """
    want = class_values(target)
    probas = probes.predict_proba(images)
    out, hits, probs = {}, [], []
    for v, p, w in zip(probes.vars, probas, want):
        hit = p.argmax(1) == w
        out[f"acc_{v.name}"] = float(hit.mean())
        hits.append(hit)
        probs.append(p[:, w])
    out["acc_probe"] = float(np.prod(hits, axis=0).mean())
    out["acc_prob"] = float(np.prod(probs, axis=0).mean())
    out["acc_additive"] = float(np.mean([out[f"acc_{v.name}"] for v in probes.vars]))
    return out


def heldout_accuracy(probes: Probes, n_per_class: int = 200, seed: int = 12345) -> dict[str, dict[str, float]]:
    """Per-class, per-variable accuracy of the probes on fresh clean renders (a held-out set)."""
    res = {}
    for i, c in enumerate(all_classes(probes.cfg.n_variables)):
        x = render([c] * n_per_class, seed + i, RenderConfig(image_size=probes.cfg.image_size))
        res[c] = probe_scores(probes, x, c)
    return res
