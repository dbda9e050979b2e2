"""CelebA as a concept graph: the reader for the official files, the decoded-array cache, the Fig. 10 config.

Paper: section 4.2, Fig. 10.  Three concept variables, in this order: gender (``Male``), smiling
(``Smiling``) and hair colour (``Black_Hair`` = 0, ``Blond_Hair`` = 1; images with neither or both
are left out).  A class is a 3-digit tuple, e.g. ``"101"`` = male, not smiling, blond.

The loader reads CelebA as its authors distribute it::

    <root>/img_align_celeba/000001.jpg ...   (178 x 218 aligned faces)
    <root>/list_attr_celeba.txt              (a count line, a line of 40 attribute names,
                                              then "<file> <40 values of 1 or -1>" per image)
    <root>/list_eval_partition.txt           ("<file> <0 train | 1 valid | 2 test>" per image)

and the layout other tools use, the same files under ``<root>/celeba/``.  It centre-crops,
resizes, and caches the decoded arrays on disk (decoding 200k JPEGs takes minutes; a progress bar
shows it).  Nothing is ever downloaded.

The attribute classifiers that judge samples are in ``celeba_classifiers.py``; a stand-in folder in
exactly this format (drawn cartoon faces, for machines without CelebA) is made by ``celeba_standin.py``.

Used in: book/07_celeba, and the CelebA task (``tasks.py``) when ``train.dataset == "celeba"``.
"""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .concepts import all_classes, class_values
from .config import check_scale, preset, with_steps
from .runs import write_atomic
from .scales import CELEBA

#: The official 40 attribute names, in the order of ``list_attr_celeba.txt``.
ATTRIBUTE_NAMES = (
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose Black_Hair "
    "Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee Gray_Hair Heavy_Makeup "
    "High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard Oval_Face Pale_Skin Pointy_Nose "
    "Receding_Hairline Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat "
    "Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young").split()
#: The concept variables of Fig. 10 and their values (index 0, index 1).
VARIABLES = (("gender", ("female", "male")), ("smiling", ("not smiling", "smiling")),
             ("hair", ("black hair", "blond hair")))
SPLITS = {"train": 0, "valid": 1, "test": 2}
LAYOUT = ("expected CelebA as distributed by its authors: <root>/img_align_celeba/*.jpg, "
          "<root>/list_attr_celeba.txt and <root>/list_eval_partition.txt (or the same under <root>/celeba/)")
CACHE_VERSION = 1


def describe(c: str) -> str:
    """``"101" -> "male, not smiling, blond hair"``."""
    return ", ".join(vals[int(ch)] for (_, vals), ch in zip(VARIABLES, c))


# ---------------------------------------------------------------- the official files


def find_root(root) -> Path:
    """The folder that holds the official files: ``root`` or ``root/celeba``; a clear error otherwise."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"CelebA folder {root} does not exist; {LAYOUT}")
    for cand in (root, root / "celeba"):
        if (cand / "list_attr_celeba.txt").exists() or (cand / "img_align_celeba").is_dir():
            missing = [n for n in ("list_attr_celeba.txt", "list_eval_partition.txt", "img_align_celeba")
                       if not (cand / n).exists()]
            if missing:
                raise FileNotFoundError(f"CelebA folder {cand} lacks {', '.join(missing)}; {LAYOUT}")
            return cand
    raise FileNotFoundError(f"no CelebA files in {root}; {LAYOUT}")


def read_attributes(path) -> tuple[list[str], list[str], np.ndarray]:
    """Parse ``list_attr_celeba.txt``: (file names, attribute names, values (N, 40) of +1/-1)."""
    path = Path(path)
    lines = path.read_text().splitlines()
    where = f"{path.name}"
    if len(lines) < 2:
        raise ValueError(f"{where}: too short; it must start with a count line and a line of attribute names")
    try:
        count = int(lines[0].strip())
    except ValueError:
        raise ValueError(f"{where} line 1: expected the number of images, got {lines[0][:60]!r}") from None
    names = lines[1].split()
    if len(names) != 40 or "Male" not in names:
        raise ValueError(f"{where} line 2: expected 40 attribute names (Male, Smiling, ...), got {len(names)}")
    files, rows = [], []
    for i, line in enumerate(lines[2:], start=3):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 41:
            raise ValueError(f"{where} line {i}: expected a file name and 40 values, got {len(parts)} fields")
        try:
            vals = [int(v) for v in parts[1:]]
        except ValueError:
            raise ValueError(f"{where} line {i}: attribute values must be 1 or -1, got {line[:80]!r}") from None
        if any(v not in (1, -1) for v in vals):
            raise ValueError(f"{where} line {i}: attribute values must be 1 or -1, got {line[:80]!r}")
        files.append(parts[0])
        rows.append(vals)
    if len(files) != count:
        raise ValueError(f"{where}: line 1 says {count} images but {len(files)} rows follow")
    return files, names, np.array(rows, dtype=np.int8).reshape(-1, 40)


def read_partition(path) -> dict[str, int]:
    """Parse ``list_eval_partition.txt``: file name -> 0 (train), 1 (valid) or 2 (test)."""
    path = Path(path)
    out = {}
    for i, line in enumerate(path.read_text().splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2 or parts[1] not in ("0", "1", "2"):
            raise ValueError(f"{path.name} line {i}: expected '<file> <0|1|2>', got {line[:80]!r}")
        out[parts[0]] = int(parts[1])
    return out


def concept_classes(names: list[str], values: np.ndarray) -> np.ndarray:
    """The concept class of each image ("101", ...), or "" where hair is neither or both black and blond."""
    col = {n: names.index(n) for n in ("Male", "Smiling", "Black_Hair", "Blond_Hair")}
    male, smile = values[:, col["Male"]] == 1, values[:, col["Smiling"]] == 1
    black, blond = values[:, col["Black_Hair"]] == 1, values[:, col["Blond_Hair"]] == 1
    ok = black ^ blond
    cls = np.array([f"{int(m)}{int(s)}{int(b)}" for m, s, b in zip(male, smile, blond)], dtype=object)
    cls[~ok] = ""
    return cls


# ---------------------------------------------------------------- decoding and the cache


@dataclass(frozen=True)
class CelebA:
    """Decoded images of one split with their concept classes."""

    images: np.ndarray  # (N, 3, S, S) uint8
    classes: np.ndarray  # (N,) str concept classes
    files: np.ndarray  # (N,) str file names
    root: str

    def counts(self) -> dict[str, int]:
        return {c: int((self.classes == c).sum()) for c in all_classes(3)}

    def values(self) -> np.ndarray:
        return np.array([class_values(c) for c in self.classes], dtype=np.int64).reshape(-1, 3)

    def float_images(self) -> np.ndarray:
        return self.images.astype(np.float32) / 255.0


def cache_key(base: Path, files: dict[str, Path], **settings) -> str:
    """A short hash of the folder, the size and time of the annotation ``files``, and ``settings``."""
    stamp = {name: [f.stat().st_size, f.stat().st_mtime_ns] for name, f in files.items()}
    key = json.dumps({"root": str(base.resolve()), **settings, **stamp, "v": CACHE_VERSION}, sort_keys=True)
    return hashlib.sha1(key.encode()).hexdigest()[:12]


def _decode(path: Path, image_size: int, crop: int) -> np.ndarray:
    from PIL import Image
    with Image.open(path) as im:
        im = im.convert("RGB")
        w, h = im.size
        c = min(crop, w, h)
        left, top = (w - c) // 2, (h - c) // 2
        im = im.crop((left, top, left + c, top + c)).resize((image_size, image_size), Image.BILINEAR)
        return np.asarray(im, dtype=np.uint8).transpose(2, 0, 1)


def load_celeba(root, image_size: int = 32, split: str = "train", crop: int = 148, cache_dir=None,
                progress: bool = True) -> CelebA:
    """Images of one split whose hair is black or blond, centre-cropped to ``crop`` pixels and resized to
    ``image_size``, with their concept classes; decoded once, then read from a cache in ``cache_dir``
    (default ``<root>/.cglib-cache``)."""
    if split not in SPLITS:
        raise ValueError(f"split={split!r} is not allowed; use one of {', '.join(SPLITS)}")
    if not isinstance(image_size, int) or image_size < 8:
        raise ValueError(f"image_size={image_size!r} is not allowed; it must be an integer >= 8")
    base = find_root(root)
    attr, part = base / "list_attr_celeba.txt", base / "list_eval_partition.txt"
    key = cache_key(base, {"attr": attr, "part": part}, size=image_size, crop=crop, split=split)
    cache = Path(cache_dir or base / ".cglib-cache") / f"celeba-{key}.npz"
    if cache.exists():
        with np.load(cache, allow_pickle=False) as z:
            return CelebA(z["images"], z["classes"].astype(object), z["files"], str(base))
    files, names, values = read_attributes(attr)
    partition = read_partition(part)
    missing = [f for f in files if f not in partition]
    if missing:
        raise ValueError(f"{part.name} has no split for {len(missing)} images listed in {attr.name}, "
                         f"e.g. {missing[0]}")
    cls = concept_classes(names, values)
    keep = [i for i, f in enumerate(files) if cls[i] and partition[f] == SPLITS[split]]
    if not keep:
        raise ValueError(f"no {split} images with black or blond hair in {base}")
    from .progress import progress_bar
    images = np.empty((len(keep), 3, image_size, image_size), np.uint8)
    for j, i in enumerate(progress_bar(keep, desc=f"decoding CelebA {split} ({image_size}px)", disable=not progress)):
        p = base / "img_align_celeba" / files[i]
        if not p.exists():
            raise FileNotFoundError(f"image {p} is listed in {attr.name} but missing; {LAYOUT}")
        images[j] = _decode(p, image_size, crop)
    out = CelebA(images, cls[keep], np.array([files[i] for i in keep]), str(base))
    buf = io.BytesIO()
    np.savez(buf, images=out.images, classes=out.classes.astype(str), files=out.files)
    write_atomic(cache, buf.getvalue())
    return out


def select(data: CelebA, counts: dict[str, int], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Float images in [0, 1] and value indices of ``counts[c]`` images of each class ``c`` (seeded)."""
    rng = np.random.default_rng(seed)
    idx = []
    for c, k in counts.items():
        have = np.flatnonzero(data.classes == c)
        if k > len(have):
            raise ValueError(f"class {c} ({describe(c)}) has {len(have)} images in {data.root}, not {k}; "
                             "lower its count")
        idx.extend(rng.choice(have, size=k, replace=False))
    idx = rng.permutation(np.array(idx, dtype=np.int64))
    vals = np.array([class_values(c) for c in data.classes[idx]], dtype=np.int64).reshape(-1, 3)
    return data.images[idx].astype(np.float32) / 255.0, vals


# ---------------------------------------------------------------- experiment configs (Fig. 10)

#: The training classes: 000 (female, not smiling, black hair) and its three neighbours, as for shapes.
TRAIN_CLASSES = ("000", "100", "010", "001")


def celeba_config(scale: str, root, image_size: int | None = None, seed: int = 0, steps: int | None = None,
                  max_per_class: int | None = None, **overrides):
    """The Fig. 10 run: the minimal set of CelebA classes with the counts the data has (each capped at
    ``max_per_class``), trained for ``steps`` steps."""
    d = CELEBA[check_scale(scale)]
    size = image_size or d["image_size"]
    data = load_celeba(root, size, "train")
    have = data.counts()
    counts = {c: min(have[c], max_per_class or have[c]) for c in TRAIN_CLASSES}
    empty = [c for c, k in counts.items() if k == 0]
    if empty:
        raise ValueError(f"the training classes {empty} ({'; '.join(map(describe, empty))}) have no training images "
                         f"in {data.root}; the folder does not hold enough of CelebA")
    cfg = preset(scale, seed=seed, dataset="celeba", celeba_root=str(Path(data.root).resolve()), image_size=size,
                 train_classes=TRAIN_CLASSES, counts=counts, **{**d["overrides"], **overrides})
    return with_steps(cfg, int(steps or d["steps"]))
