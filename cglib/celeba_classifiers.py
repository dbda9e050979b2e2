"""The CelebA attribute classifiers of section 4.2: one 3-layer CNN per concept variable (gender,
smiling, hair colour), trained on real faces of *all* classes, class-balanced, and cached per folder.
A class's accuracy is the product over the three attributes (eq. 2).  They cannot reject a sample
that is no face at all: the chapter shows sample grids beside every number.

Used in: book/07_celeba, and the CelebA task (``tasks.py``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from .progress import progress_bar
from .celeba import VARIABLES, CelebA, cache_key, find_root, load_celeba
from .concepts import class_values
from .runs import save_torch_atomic


def _cnn(size: int):
    return nn.Sequential(  # the paper's "3-layer CNN" per attribute
        nn.Conv2d(3, 32, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(64, 64, 3, stride=2, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 2))


class Classifiers:
    """One 3-layer CNN per concept variable, trained on real images of all classes (section 4.2)."""

    def __init__(self, nets, report: dict):
        self.nets, self.report = nets, report

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Predicted value index per variable: (N, 3)."""
        x = torch.as_tensor(np.asarray(images, np.float32))
        with torch.no_grad():
            return np.stack([net(x).argmax(1).numpy() for net in self.nets], 1)

    def scores(self, images: np.ndarray, target: str) -> dict[str, float]:
        """Accuracy of images meant to show ``target``: ``acc`` (product over variables, eq. 2) and per variable."""
        hit = self.predict(images) == np.array(class_values(target))[None]
        out = {"acc": float(hit.all(1).mean())}
        for j, (v, _) in enumerate(VARIABLES):
            out[f"acc_{v}"] = float(hit[:, j].mean())
        out["acc_additive"] = float(hit.mean())
        return out


def train_classifiers(train: CelebA, valid: CelebA, steps: int = 400, batch: int = 128, seed: int = 0,
                      progress: bool = False) -> Classifiers:
    """Train the three classifiers on ``train`` (all classes, class-balanced batches) and report
    their accuracy on ``valid``."""
    torch.manual_seed(seed)
    size = train.images.shape[-1]
    x = torch.as_tensor(train.float_images())
    y = torch.as_tensor(train.values())
    rng = np.random.default_rng(seed)
    present = [c for c, k in train.counts().items() if k]
    by_class = {c: np.flatnonzero(train.classes == c) for c in present}
    nets = [_cnn(size) for _ in VARIABLES]
    opts = [torch.optim.Adam(n.parameters(), lr=2e-3) for n in nets]
    for _ in progress_bar(range(steps), desc="CelebA attribute classifiers", disable=not progress):
        cls = rng.choice(present, size=batch)  # balanced over classes, so rare classes are learned too
        idx = torch.as_tensor(np.array([rng.choice(by_class[c]) for c in cls]))
        xb = x[idx]
        if rng.random() < 0.5:
            xb = xb.flip(3)
        for j, (net, opt) in enumerate(zip(nets, opts)):
            loss = torch.nn.functional.cross_entropy(net(xb), y[idx, j])
            opt.zero_grad()
            loss.backward()
            opt.step()
    clf = Classifiers([n.eval() for n in nets], {})
    pred = clf.predict(valid.float_images())
    truth = valid.values()
    clf.report = {v: float((pred[:, j] == truth[:, j]).mean()) for j, (v, _) in enumerate(VARIABLES)}
    return clf


def load_classifiers(root, image_size: int, cache_dir, steps: int = 400, seed: int = 0,
                     progress: bool = True) -> Classifiers:
    """The classifiers for this CelebA folder and image size, trained once and cached in ``cache_dir``."""
    base = find_root(root)
    key = cache_key(base, {"attr": base / "list_attr_celeba.txt"}, size=image_size, steps=steps, seed=seed)
    path = Path(cache_dir) / f"celeba-classifiers-{key}.pt"
    nets = [_cnn(image_size) for _ in VARIABLES]
    if path.exists():
        ck = torch.load(path, weights_only=False)
        for n, sd in zip(nets, ck["nets"]):
            n.load_state_dict(sd)
        return Classifiers([n.eval() for n in nets], ck["report"])
    train = load_celeba(root, image_size, "train", progress=progress)
    valid = load_celeba(root, image_size, "valid", progress=progress)
    clf = train_classifiers(train, valid, steps=steps, seed=seed, progress=progress)
    save_torch_atomic({"nets": [n.state_dict() for n in clf.nets], "report": clf.report}, path)
    return clf


