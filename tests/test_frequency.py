import pytest

from cglib.frequency import CAPABILITY, count_sweep


def test_count_sweep_varies_one_class_at_fixed_steps():
    cfgs = count_sweep("cpu", "010")
    assert [dict(c.train.counts)["010"] for c in cfgs] == [0, 10, 30, 100, 300]
    assert all(dict(c.train.counts)["000"] == 1250 for c in cfgs)
    assert {c.train.steps for c in cfgs} == {800}
    assert all(c.train.train_classes == ("000", "100", "010", "001") for c in cfgs)
    small = count_sweep("smoke", "100", counts=[5, 0, 5], base_count=20, steps=3)
    assert [dict(c.train.counts)["100"] for c in small] == [0, 5]  # sorted, duplicates once
    assert set(CAPABILITY) == {"010", "100"}


@pytest.mark.parametrize("kw, words", [
    ({"varied": "111"}, "not in the minimal training set"),
    ({"varied": "0a0"}, "0a0"),
    ({"varied": "010", "counts": [0, -5]}, "count -5"),
    ({"varied": "010", "counts": []}, "non-empty list"),
    ({"varied": "010", "base_count": 0}, "base_count=0"),
    ({"varied": "010", "steps": 0}, "steps=0"),
])
def test_count_sweep_rejects_bad_parameters(kw, words):
    with pytest.raises(ValueError, match=words):
        count_sweep("smoke", **kw)


def test_unknown_scale_for_a_sweep():
    with pytest.raises(ValueError, match="unknown scale 'laptop'"):
        count_sweep("laptop", "010")
