import numpy as np

from cglib.concepts import all_classes
from cglib.measure import measure, measured_scores
from cglib.render import draw, render


def test_rejects_empty_speck_and_two_shapes():
    blank = np.ones((1, 3, 28, 28), np.float32)
    speck = blank.copy()
    speck[0, :, 10:13, 10:13] = np.array([0.1, 0.1, 0.9])[:, None, None]  # 9 blue pixels
    # two small blue triangles side by side, drawn with the renderer's own primitive
    white, blue = np.ones((2, 3)), np.array([[0.1, 0.1, 0.9]] * 2)
    pair = draw([1, 1], [7, 20], [14, 14], [4, 4], blue, white, 28)
    two = np.minimum(pair[:1], pair[1:])
    m = measure(np.concatenate([blank, speck, two]))
    assert list(m.reason[:2]) == ["empty", "speck"]
    assert m.reason[2] in ("multiple",), m.reason[2]
    assert not m.valid.any()
    assert measured_scores(m, "111")["acc"] == 0.0 and measured_scores(m, "111")["reject_rate"] == 1.0


def test_noise_and_wrong_colour_rejected():
    rng = np.random.default_rng(0)
    noise = rng.random((4, 3, 28, 28)).astype(np.float32)
    assert not measure(noise).valid.any()
    purple = render(["000"] * 4, seed=0)
    purple[:, 2] = np.where(purple[:, 0] > 0.7, purple[:, 0], purple[:, 2])  # red object gets equal blue
    assert set(measure(purple).reason) == {"color"}


def test_accepts_every_class():
    for c in all_classes(3):
        m = measure(render([c] * 200, seed=11))
        assert m.valid.all() and measured_scores(m, c)["acc"] == 1.0


def test_softened_small_triangles_stay_triangles_and_blobs_stay_circles():
    """Generated samples are softer than renders: a blurred small triangle is still a triangle by eye
    (and by the centroid test), while the best-fitting template would call many of them circles."""
    from scipy import ndimage
    for c, want in (("101", 1), ("111", 1), ("001", 0), ("011", 0), ("100", 1), ("000", 0)):
        x = ndimage.gaussian_filter(render([c] * 300, seed=5), (0, 0, 1.1, 1.1))
        m = measure(x)
        assert m.valid.mean() >= 0.97, (c, m.valid.mean())
        frac = (m.values[m.valid, 0] == want).mean()
        assert frac >= (0.9 if want else 1.0), (c, frac)
    # a blob: a small circle with a ragged edge stays a circle
    rng = np.random.default_rng(1)
    blob = render(["001"] * 100, seed=2)
    blob = ndimage.gaussian_filter(blob + rng.normal(0, 0.08, blob.shape).astype(np.float32), (0, 0, 0.8, 0.8))
    m = measure(np.clip(blob, 0, 1))
    assert (m.values[m.valid, 0] == 0).mean() >= 0.95


def test_size_split_follows_the_render_config():
    from cglib.render import RenderConfig
    wide = RenderConfig(small=(0.10, 0.13), large=(0.27, 0.33))
    for c in ("001", "000", "101"):
        m = measure(render([c] * 100, seed=3, cfg=wide), render_cfg=wide)
        assert m.valid.all() and measured_scores(m, c)["acc"] == 1.0


def test_equal_area_triangles_read_at_their_size():
    """With triangle="equal_area" a triangle's box is sqrt(pi/2) the circle's: the evaluator divides it back,
    so clean and softened renders of every class (at the cpu preset's ranges) keep their size value, and a
    triangle's size radius is its half-extent over sqrt(pi/2)."""
    from scipy import ndimage

    from cglib.render import RenderConfig
    eq = RenderConfig(large=(0.24, 0.34), small=(0.15, 0.19), triangle="equal_area")
    for c in all_classes(3):
        x = render([c] * 200, seed=4, cfg=eq)
        assert measured_scores(measure(x, render_cfg=eq), c)["acc"] == 1.0, c
        soft = measure(ndimage.gaussian_filter(x, (0, 0, 1.1, 1.1)), render_cfg=eq)
        assert measured_scores(soft, c)["acc"] >= 0.95, (c, measured_scores(soft, c))
    box = RenderConfig(large=(0.24, 0.34), small=(0.15, 0.19))
    x = render(["100"] * 200, seed=4, cfg=box)
    ratio = measure(x, render_cfg=eq).radius / measure(x, render_cfg=box).radius
    assert np.allclose(ratio, 1 / eq.triangle_scale) and eq.triangle_scale == np.sqrt(np.pi / 2)


def test_the_banded_judge_rejects_in_between_shapes_only():
    """A constructed case where the answer is known: a clear triangle, an in-between shape the plain judge calls a
    triangle, a circle and an empty canvas, all asked to be `111`."""
    from cglib.measure import Measurement
    skew = np.array([-0.5, -0.18, 0.0, np.nan])
    values = np.array([[1, 1, 1], [1, 1, 1], [0, 1, 1], [-1, -1, -1]])
    m = Measurement(valid=np.array([True, True, True, False]), reason=np.array(["ok", "ok", "ok", "empty"]),
                    values=values, radius=np.array([4.0, 4.0, 4.0, np.nan]), iou=np.ones(4), skew=skew)
    s = measured_scores(m, "111")
    assert s["acc"] == 0.5 and s["acc_banded"] == 0.25  # the in-between shape no longer counts
    assert s["shape_between"] == 1 / 3 and s["skew_q50"] == -0.18 and s["skew_q10"] < -0.4
    assert measured_scores(m, "011")["acc_banded"] == measured_scores(m, "011")["acc"] == 0.25  # the circle stays


def test_the_band_holds_no_render_at_the_cpu_sizes_blurred_or_not():
    """The band lies where no render falls, so the banded judge reads renders as the plain one does."""
    from scipy import ndimage

    from cglib.config import preset
    rc = preset("cpu").train.render_config()
    for c in all_classes(3):
        x = render([c] * 200, seed=7, cfg=rc)
        for img in (x, ndimage.gaussian_filter(x, (0, 0, 1.1, 1.1))):
            s = measured_scores(measure(img, render_cfg=rc), c)
            assert s["shape_between"] == 0.0 and s["acc_banded"] == s["acc"], (c, s)
