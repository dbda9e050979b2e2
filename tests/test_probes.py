import numpy as np
import pytest

from cglib.probes import ProbeConfig, heldout_accuracy, load_probes, probe_scores
from cglib.render import render


def test_probe_bar_on_heldout_renders(probes):
    acc = heldout_accuracy(probes, n_per_class=200)
    assert min(a["acc_probe"] for a in acc.values()) >= 0.995, acc


def test_probes_cached(probes, probe_root):
    again = load_probes(ProbeConfig(), probe_root / "probes")
    x = render(["011"] * 20, seed=3)
    assert np.allclose(again.predict_proba(x)[0], probes.predict_proba(x)[0])


def test_measures(probes):
    s = probe_scores(probes, render(["101"] * 50, seed=1), "101")
    assert s["acc_probe"] == 1.0 and s["acc_additive"] == 1.0 and s["acc_prob"] > 0.95
    wrong = probe_scores(probes, render(["000"] * 50, seed=1), "111")
    assert wrong["acc_probe"] == 0.0 and wrong["acc_additive"] == 0.0


def test_bad_probe_config():
    with pytest.raises(ValueError, match="kind"):
        ProbeConfig(kind="resnet")
