"""CelebA as a concept graph: a loader for the official files, attribute classifiers, and a stand-in.

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

No real CelebA is on this machine, so ``make_standin`` writes a folder in exactly this format whose
images are drawn cartoon faces (hair colour, a smile, a male face with a short haircut and a jaw
shadow) and whose attribute frequencies follow CelebA's (fewer men than women, few blond men).
Every figure made from it must say it comes from the stand-in.

Used in: book/07_celeba, and ``train.py`` when ``train.dataset == "celeba"``.
"""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .concepts import class_values

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
        from .concepts import all_classes
        return {c: int((self.classes == c).sum()) for c in all_classes(3)}

    def values(self) -> np.ndarray:
        return np.array([class_values(c) for c in self.classes], dtype=np.int64).reshape(-1, 3)

    def float_images(self) -> np.ndarray:
        return self.images.astype(np.float32) / 255.0


def _cache_key(base: Path, files: dict[str, Path], **settings) -> str:
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
    key = _cache_key(base, {"attr": attr, "part": part}, size=image_size, crop=crop, split=split)
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
    from .book import progress_bar
    images = np.empty((len(keep), 3, image_size, image_size), np.uint8)
    for j, i in enumerate(progress_bar(keep, desc=f"decoding CelebA {split} ({image_size}px)", disable=not progress)):
        p = base / "img_align_celeba" / files[i]
        if not p.exists():
            raise FileNotFoundError(f"image {p} is listed in {attr.name} but missing; {LAYOUT}")
        images[j] = _decode(p, image_size, crop)
    out = CelebA(images, cls[keep], np.array([files[i] for i in keep]), str(base))
    from .runs import write_atomic
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


# ---------------------------------------------------------------- the attribute classifiers


def _cnn(size: int):
    from torch import nn
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
        import torch
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
    import torch
    torch.manual_seed(seed)
    size = train.images.shape[-1]
    x = torch.as_tensor(train.float_images())
    y = torch.as_tensor(train.values())
    rng = np.random.default_rng(seed)
    present = [c for c, k in train.counts().items() if k]
    by_class = {c: np.flatnonzero(train.classes == c) for c in present}
    nets = [_cnn(size) for _ in VARIABLES]
    opts = [torch.optim.Adam(n.parameters(), lr=2e-3) for n in nets]
    from .book import progress_bar
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
    import torch
    base = find_root(root)
    key = _cache_key(base, {"attr": base / "list_attr_celeba.txt"}, size=image_size, steps=steps, seed=seed)
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
    from .runs import save_torch_atomic
    save_torch_atomic({"nets": [n.state_dict() for n in clf.nets], "report": clf.report}, path)
    return clf


# ---------------------------------------------------------------- the stand-in


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
    from .runs import write_atomic
    header = f"{n}\n" + " ".join(ATTRIBUTE_NAMES) + " \n"
    write_atomic(root / "list_attr_celeba.txt", (header + "\n".join(rows) + "\n").encode())
    write_atomic(root / "list_eval_partition.txt", ("\n".join(parts) + "\n").encode())
    write_atomic(stamp, json.dumps(settings).encode())
    return root


def standin_root(run_root_dir=None, n: int = 2000, seed: int = 0) -> Path:
    """Where the stand-in lives inside the run store."""
    from .runs import run_root
    return run_root(run_root_dir) / f"celeba-standin-n{n}-s{seed}"


__all__ = ["ATTRIBUTE_NAMES", "VARIABLES", "CelebA", "Classifiers", "concept_classes", "describe", "find_root",
           "load_celeba", "load_classifiers", "make_standin", "read_attributes", "read_partition", "select",
           "standin_root", "train_classifiers"]


# ---------------------------------------------------------------- experiment configs (Fig. 10)

#: Per scale: image side, stand-in size, steps, and preset overrides.
SCALES = {
    "smoke": dict(image_size=16, standin_n=160, steps=8, overrides={}),
    "cpu": dict(image_size=32, standin_n=3000, steps=960, overrides=dict(eval_every=120, n_eval=24)),
    "paper": dict(image_size=64, standin_n=3000, steps=20000, overrides=dict(eval_every=500)),
}
#: The training classes: 000 (female, not smiling, black hair) and its three neighbours, as for shapes.
TRAIN_CLASSES = ("000", "100", "010", "001")


def celeba_config(scale: str, root, image_size: int | None = None, seed: int = 0, steps: int | None = None,
                  max_per_class: int | None = None, **overrides):
    """The Fig. 10 run: the minimal set of CelebA classes with the counts the data has (each capped at
    ``max_per_class``), trained for ``steps`` steps."""
    from .config import check_scale, preset
    from .sweep import with_steps
    d = SCALES[check_scale(scale)]
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
