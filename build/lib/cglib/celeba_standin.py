"""A stand-in for CelebA, written in exactly the official format, for machines that cannot get CelebA.

``make_standin`` writes ``img_align_celeba/*.jpg`` (178 x 218 drawn cartoon faces: hair colour, a
smile, a male face with a short haircut and a jaw shadow), ``list_attr_celeba.txt`` and
``list_eval_partition.txt``, with attribute frequencies that follow CelebA's (fewer men than women,
few blond men).  The real reader (``celeba.py``) reads it like CelebA itself.  Every figure made from
it must say it comes from the stand-in.

Used in: book/07_celeba, tests/test_celeba.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .celeba import ATTRIBUTE_NAMES
from .runs import run_root, write_atomic


#: Joint frequencies used by the stand-in, following CelebA's marginals: about 42% male, 48% smiling;
#: among black- or blond-haired images blond is common for women and rare for men.
STANDIN_P = {"male": 0.42, "smiling": 0.48, "blond_if_female": 0.55, "blond_if_male": 0.08, "other_hair": 0.10}


def _face(rng, male: bool, smiling: bool, blond: bool, hair: str | None = None):
    """One 178 x 218 cartoon face as a PIL image."""
    from PIL import Image, ImageDraw
    w, h = 178, 218
    bg = tuple(int(v) for v in rng.integers(60, 200, 3))
    im = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(im)
    cx, cy = w / 2 + rng.normal(0, 4), h / 2 + 8 + rng.normal(0, 4)
    fw, fh = rng.uniform(36, 44), rng.uniform(48, 56)
    skin = tuple(int(v) for v in np.clip(np.array([225, 190, 160]) * rng.uniform(0.7, 1.05) + rng.normal(0, 6, 3), 0, 255))
    colour = hair or ("blond" if blond else "black")
    hc = {"black": (25, 20, 20), "blond": (235, 200, 90), "brown": (120, 70, 35)}[colour]
    hc = tuple(int(np.clip(v + rng.normal(0, 10), 0, 255)) for v in hc)
    if male:  # short hair on top
        d.ellipse([cx - fw - 4, cy - fh - 12, cx + fw + 4, cy - fh * 0.1], fill=hc)
    else:  # long hair behind the face, down to the shoulders
        d.rounded_rectangle([cx - fw - 16, cy - fh - 14, cx + fw + 16, cy + fh + 40], radius=30, fill=hc)
    d.ellipse([cx - fw, cy - fh, cx + fw, cy + fh], fill=skin)
    if male:  # a jaw shadow and thicker brows
        shade = tuple(int(v * 0.78) for v in skin)
        d.chord([cx - fw, cy - fh * 0.2, cx + fw, cy + fh], 20, 160, fill=shade)
    ey = cy - fh * 0.2
    for sx in (-1, 1):
        ex = cx + sx * fw * 0.42
        d.ellipse([ex - 5, ey - 4, ex + 5, ey + 4], fill=(250, 250, 250))
        d.ellipse([ex - 2.5, ey - 2.5, ex + 2.5, ey + 2.5], fill=(40, 30, 30))
        d.line([ex - 8, ey - 10, ex + 8, ey - 10], fill=(40, 30, 25), width=4 if male else 2)
    my = cy + fh * 0.45
    lips = (150, 40, 50) if not male else (120, 60, 60)
    if smiling:  # an open smile: a wide arc with teeth
        d.chord([cx - 18, my - 14, cx + 18, my + 12], 0, 180, fill=(250, 250, 245), outline=lips, width=3)
    else:
        d.line([cx - 11, my, cx + 11, my], fill=lips, width=4)
    arr = np.asarray(im, dtype=np.float32) + rng.normal(0, 6, (h, w, 3))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def make_standin(root, n: int = 2000, seed: int = 0, p: dict | None = None, quality: int = 90) -> Path:
    """Write a stand-in CelebA folder at ``root`` in the official format (JPEGs, attribute and partition
    files); return ``root``.  80% train, 10% valid, 10% test, as CelebA's split roughly is.  Does nothing
    if a complete stand-in with the same settings is already there."""
    if not isinstance(n, int) or n < 16:
        raise ValueError(f"n={n!r} is not allowed; a stand-in needs at least 16 images")
    p = {**STANDIN_P, **(p or {})}
    root = Path(root)
    stamp = root / ".standin.json"
    settings = {"n": n, "seed": seed, "p": p, "quality": quality}
    if stamp.exists() and json.loads(stamp.read_text()) == settings:
        return root
    rng = np.random.default_rng(seed)
    imgdir = root / "img_align_celeba"
    imgdir.mkdir(parents=True, exist_ok=True)
    col = {name: i for i, name in enumerate(ATTRIBUTE_NAMES)}
    rows, parts = [], []
    for i in range(n):
        name = f"{i + 1:06d}.jpg"
        male = rng.random() < p["male"]
        smiling = rng.random() < p["smiling"]
        blond = rng.random() < (p["blond_if_male"] if male else p["blond_if_female"])
        other = rng.random() < p["other_hair"]  # brown hair: neither black nor blond, left out by the loader
        vals = np.where(rng.random(40) < 0.3, 1, -1)
        vals[col["Male"]], vals[col["Smiling"]] = (1 if male else -1), (1 if smiling else -1)
        vals[col["Black_Hair"]] = -1 if (blond or other) else 1
        vals[col["Blond_Hair"]] = 1 if (blond and not other) else -1
        vals[col["Brown_Hair"]] = 1 if other else -1
        _face(rng, male, smiling, blond, "brown" if other else None).save(imgdir / name, quality=quality)
        rows.append(name + " " + " ".join(f"{v:2d}" for v in vals))
        parts.append(f"{name} {0 if i < 0.8 * n else (1 if i < 0.9 * n else 2)}")
    header = f"{n}\n" + " ".join(ATTRIBUTE_NAMES) + " \n"
    write_atomic(root / "list_attr_celeba.txt", (header + "\n".join(rows) + "\n").encode())
    write_atomic(root / "list_eval_partition.txt", ("\n".join(parts) + "\n").encode())
    write_atomic(stamp, json.dumps(settings).encode())
    return root


def standin_root(run_root_dir=None, n: int = 2000, seed: int = 0) -> Path:
    """Where the stand-in lives inside the run store."""
    return run_root(run_root_dir) / f"celeba-standin-n{n}-s{seed}"


