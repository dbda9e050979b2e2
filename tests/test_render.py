import numpy as np

from cglib.concepts import all_classes
from cglib.measure import measure, measured_scores
from cglib.render import RenderConfig, render


def test_deterministic_under_seed():
    a = render(["000", "111", "010"] * 10, seed=3)
    b = render(["000", "111", "010"] * 10, seed=3)
    c = render(["000", "111", "010"] * 10, seed=4)
    assert a.shape == (30, 3, 28, 28) and a.dtype == np.float32
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.min() >= 0 and a.max() <= 1


def test_each_class_renders_what_it_names():
    # the analytic measurement reads back every concept value of every class, on both backgrounds
    for n in (3, 4):
        for c in all_classes(n):
            m = measure(render([c] * 100, seed=7), n)
            assert measured_scores(m, c)["acc"] == 1.0, c


def test_colour_and_size_facts():
    x = render(["000"] * 50, seed=0, cfg=RenderConfig(random_location=False))
    centre = x[:, :, 14, 14]
    assert (centre[:, 0] > 0.75).all() and (centre[:, 2] < 0.2).all()  # red at the centre
    big = (np.abs(x - 1).max(1) > 0.5).sum((1, 2))
    small = (np.abs(render(["001"] * 50, seed=0) - 1).max(1) > 0.5).sum((1, 2))
    assert big.min() > 2 * small.max()  # large vs small are clearly apart
    tri = (np.abs(render(["100"] * 50, seed=0) - 1).max(1) > 0.5).sum((1, 2))
    assert 0.45 < tri.mean() / big.mean() < 0.8  # triangle fills the circle's bounding box


def test_other_sizes_and_no_jitter():
    x = render(["011"] * 4, seed=1, cfg=RenderConfig(image_size=32, jitter_color=False, jitter_size=False,
                                                      random_location=False))
    assert x.shape == (4, 3, 32, 32)
    assert np.allclose(x[0], x[3])


def test_size_signal_is_stronger_on_circles():
    import numpy as np
    from cglib.render import RenderConfig, size_signal
    cfg = RenderConfig(large=(0.24, 0.34), small=(0.15, 0.19))
    sig = size_signal(cfg, n=200)
    gap = {s: sig[f"large {s}"][0] - sig[f"small {s}"][0] for s in ("circle", "triangle")}
    assert gap["circle"] > 1.3 * gap["triangle"] > 0
    r = np.mean(cfg.large) * 28  # mean radius in pixels: a circle's area is near pi r^2, a triangle's near 2 r^2
    assert abs(sig["large circle"][0] / (np.pi * r * r) - 1) < 0.1 and abs(sig["large triangle"][0] / (2 * r * r) - 1) < 0.1


def test_equal_area_triangles_cover_a_circles_area():
    import numpy as np
    import pytest

    from cglib.render import RenderConfig, render, size_signal, value_coordinates, sample_params
    box = RenderConfig(large=(0.24, 0.34), small=(0.15, 0.19))
    eq = RenderConfig(large=(0.24, 0.34), small=(0.15, 0.19), triangle="equal_area")
    sig = size_signal(eq, n=200)
    for z in ("large", "small"):
        assert abs(sig[f"{z} triangle"][0] / sig[f"{z} circle"][0] - 1) < 0.06, (z, sig)
    # circles are drawn exactly as in the box geometry, and the size coordinate reads the size radius
    assert np.array_equal(render(["000", "011"] * 5, seed=1, cfg=box), render(["000", "011"] * 5, seed=1, cfg=eq))
    values = np.array([[1, 0, 0], [1, 0, 1]] * 50)
    cb = value_coordinates(sample_params(values, np.random.default_rng(2), box), box)
    ce = value_coordinates(sample_params(values, np.random.default_rng(2), eq), eq)
    assert np.allclose(cb, ce, atol=1e-5)
    with pytest.raises(ValueError, match="triangle='disc'.*'box', 'equal_area'"):
        RenderConfig(triangle="disc")
    with pytest.raises(ValueError, match="past the frame"):
        RenderConfig(large=(0.30, 0.34), image_size=12, small=(0.1, 0.2), triangle="equal_area")
