import numpy as np
import pytest

from cglib.data import check_counts, counts_for, make_dataset


def test_counts_and_heldout():
    ds = make_dataset({"000": 30, "100": 20, "010": 0, "001": 10}, seed=1)
    assert len(ds) == 60
    labels = ["".join(map(str, v)) for v in ds.values]
    assert labels.count("000") == 30 and labels.count("001") == 10
    assert "010" not in labels and "111" not in labels  # held-out classes never appear
    assert ds.classes == ("000", "100", "001")


def test_counts_for_even_split():
    c = counts_for(["000", "100", "010"], 5000)
    assert sum(c.values()) == 5000 and max(c.values()) - min(c.values()) <= 1


@pytest.mark.parametrize("counts, msg", [
    ({"000": 10, "0x0": 5}, "out of range"),
    ({"000": 10, "0000": 5}, "length"),
    ({"000": -1}, "integers >= 0"),
    ({"000": 2.5}, "integers >= 0"),
    ({"000": 0, "100": 0}, "empty"),
    ({}, "empty"),
    ({"020": 3}, "out of range"),
])
def test_bad_counts(counts, msg):
    with pytest.raises(ValueError, match=msg):
        check_counts(counts)


def test_bad_total():
    with pytest.raises(ValueError, match="positive integer"):
        counts_for(["000"], -5)
    with pytest.raises(ValueError, match="empty"):
        counts_for([], 10)


def test_drawn_value_coordinates_match_the_renderer():
    """The continuous conditions are what was drawn: colour from the object's RGB, size from its radius."""
    from cglib.data import make_dataset
    from cglib.render import RenderConfig
    cfg = RenderConfig()
    d = make_dataset({"000": 50, "011": 50, "101": 50}, seed=4, render_cfg=cfg)
    c = d.coords
    assert c.shape == (150, 3) and np.array_equal(c[:, 0], d.values[:, 0])
    for j in (1, 2):  # colour and size: near the nominal value, never past the midpoint
        zero, one = c[d.values[:, j] == 0, j], c[d.values[:, j] == 1, j]
        assert abs(zero.mean()) < 0.1 and abs(one.mean() - 1) < 0.1 and zero.max() < 0.5 < one.min()
    # size coordinate from the measured radius of each drawn object
    from cglib.measure import measure
    m = measure(d.images)
    r = m.radius / 28
    pred = (r - np.mean(cfg.large)) / (np.mean(cfg.small) - np.mean(cfg.large))
    assert np.corrcoef(pred, c[:, 2])[0, 1] > 0.95
