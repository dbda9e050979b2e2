"""The CelebA loader on small folders made in the official format (no real CelebA here)."""
import shutil

import numpy as np
import pytest

import cglib.celeba as cc
from cglib.celeba import (ATTRIBUTE_NAMES, celeba_config, concept_classes, find_root, load_celeba, read_attributes,
                          read_partition, select)
from cglib.celeba_classifiers import train_classifiers
from cglib.celeba_standin import make_standin


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    """48 generated JPEGs with matching list_attr_celeba.txt and list_eval_partition.txt."""
    return make_standin(tmp_path_factory.mktemp("celeba") / "fake", n=48, seed=3)


def _copy(fake, tmp_path):
    dst = tmp_path / "copy"
    shutil.copytree(fake, dst, ignore=shutil.ignore_patterns(".cglib-cache"))
    return dst


def test_official_files_parse(fake):
    files, names, values = read_attributes(fake / "list_attr_celeba.txt")
    assert len(files) == 48 and names == list(ATTRIBUTE_NAMES) and values.shape == (48, 40)
    assert set(np.unique(values)) <= {-1, 1} and files[0] == "000001.jpg"
    lines = (fake / "list_attr_celeba.txt").read_text().splitlines()
    assert lines[0] == "48" and len(lines[1].split()) == 40
    part = read_partition(fake / "list_eval_partition.txt")
    assert set(part.values()) == {0, 1, 2} and len(part) == 48
    from PIL import Image
    with Image.open(fake / "img_align_celeba" / "000001.jpg") as im:
        assert im.size == (178, 218) and im.format == "JPEG"


def test_concept_classes_follow_the_attributes():
    names = list(ATTRIBUTE_NAMES)
    col = {n: i for i, n in enumerate(names)}
    rows = -np.ones((4, 40), int)
    rows[0, col["Black_Hair"]] = 1  # female, not smiling, black -> 000
    rows[1, [col["Male"], col["Smiling"], col["Blond_Hair"]]] = 1  # male, smiling, blond -> 111
    rows[2, [col["Black_Hair"], col["Blond_Hair"]]] = 1  # both: left out
    # row 3: neither black nor blond: left out
    assert list(concept_classes(names, rows)) == ["000", "111", "", ""]


def test_loader_crops_resizes_and_counts(fake):
    d = load_celeba(fake, 16, "train", progress=False)
    assert d.images.shape[1:] == (3, 16, 16) and d.images.dtype == np.uint8
    files, names, values = read_attributes(fake / "list_attr_celeba.txt")
    part = read_partition(fake / "list_eval_partition.txt")
    cls = concept_classes(names, values)
    expect = sum(1 for f, c in zip(files, cls) if c and part[f] == 0)
    assert len(d.images) == expect == sum(d.counts().values())
    assert set(d.classes) <= set(d.counts())


def test_cache_is_read_back_without_decoding(fake, monkeypatch):
    first = load_celeba(fake, 12, "valid", progress=False)
    monkeypatch.setattr(cc, "_decode", lambda *a: pytest.fail("decoded again instead of reading the cache"))
    again = load_celeba(fake, 12, "valid", progress=False)
    assert np.array_equal(first.images, again.images) and list(first.classes) == list(again.classes)


def test_torchvision_layout_is_accepted(fake, tmp_path):
    (tmp_path / "data").mkdir()
    shutil.copytree(fake, tmp_path / "data" / "celeba")
    assert find_root(tmp_path / "data") == tmp_path / "data" / "celeba"
    assert len(load_celeba(tmp_path / "data", 12, "train", progress=False).images) > 0


@pytest.mark.parametrize("edit, words", [
    (lambda ls: ls.__setitem__(5, ls[5] + " 1"), ["line 6", "40 values", "42 fields"]),
    (lambda ls: ls.__setitem__(4, ls[4].replace("-1", "0", 1)), ["line 5", "1 or -1"]),
    (lambda ls: ls.__setitem__(0, "50"), ["line 1 says 50 images", "48 rows"]),
    (lambda ls: ls.__setitem__(1, "Male Smiling"), ["line 2", "40 attribute names"]),
    (lambda ls: ls.__setitem__(0, "many"), ["line 1", "number of images"]),
])
def test_malformed_attribute_file_says_where(fake, tmp_path, edit, words):
    root = _copy(fake, tmp_path)
    p = root / "list_attr_celeba.txt"
    lines = p.read_text().splitlines()
    edit(lines)
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError) as e:
        load_celeba(root, 12, progress=False)
    for w in words:
        assert w in str(e.value)
    assert "list_attr_celeba.txt" in str(e.value)


def test_missing_image_is_named(fake, tmp_path):
    root = _copy(fake, tmp_path)
    (root / "img_align_celeba" / "000002.jpg").unlink()
    with pytest.raises(FileNotFoundError, match="000002.jpg is listed in list_attr_celeba.txt but missing"):
        load_celeba(root, 12, "train", progress=False)
    assert not list((root / ".cglib-cache").glob("*.npz")) if (root / ".cglib-cache").exists() else True


@pytest.mark.parametrize("remove, words", [("list_eval_partition.txt", "lacks list_eval_partition.txt"),
                                           ("img_align_celeba", "lacks img_align_celeba")])
def test_partial_folder_says_what_is_missing(fake, tmp_path, remove, words):
    root = _copy(fake, tmp_path)
    target = root / remove
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    with pytest.raises(FileNotFoundError, match=words) as e:
        load_celeba(root, 12, progress=False)
    assert "list_attr_celeba.txt" in str(e.value) and "img_align_celeba" in str(e.value)  # the layout is spelled out


def test_empty_or_absent_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no CelebA files"):
        load_celeba(tmp_path, 12)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_celeba(tmp_path / "nope", 12)


def test_select_gives_exact_counts(fake):
    d = load_celeba(fake, 12, "train", progress=False)
    have = {c: k for c, k in d.counts().items() if k}
    want = {c: min(k, 2) for c, k in have.items()}
    x, v = select(d, want, seed=1)
    assert x.shape[0] == sum(want.values()) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    got = {c: int(sum("".join(map(str, r)) == c for r in v)) for c in want}
    assert got == want
    c = next(iter(have))
    with pytest.raises(ValueError, match=f"class {c}"):
        select(d, {c: have[c] + 1})


def test_classifiers_and_a_smoke_training_run(fake, run_root):
    train_split = load_celeba(fake, 16, "train", progress=False)
    clf = train_classifiers(train_split, load_celeba(fake, 16, "valid", progress=False), steps=30, batch=32)
    assert set(clf.report) == {"gender", "smiling", "hair"}
    s = clf.scores(train_split.float_images()[:5], "010")
    assert set(s) == {"acc", "acc_gender", "acc_smiling", "acc_hair", "acc_additive"}

    from cglib.train import train
    cfg = celeba_config("smoke", fake, seed=2)
    assert cfg.train.dataset == "celeba" and cfg.train.image_size == 16
    assert dict(cfg.train.counts) == {c: train_split.counts()[c] for c in ("000", "100", "010", "001")}
    run = train(cfg, run_root, progress=False)
    final = run.final()
    assert run.finished and len(final) == 8 and "acc_gender" in final["111"] and final["111"]["distance"] == 2
    assert run.samples()["grid"].shape[-1] == 16


def test_celeba_config_needs_a_folder():
    from cglib.config import preset
    with pytest.raises(ValueError, match="celeba_root"):
        preset("smoke", dataset="celeba", counts={"000": 3})
    with pytest.raises(ValueError, match="'shapes' or 'celeba'"):
        preset("smoke", dataset="faces")
