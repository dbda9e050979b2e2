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
