import numpy as np
import pandas as pd
import pytest

from cglib import toy


def test_n1_reduces_to_single_ability():
    t = np.arange(0, 50)
    assert np.allclose(toy.p_learned(1, t, 0.1), 1 - 0.9 ** t)


def test_hand_checked_values():
    assert toy.p_learned(2, 1, 0.5) == pytest.approx(0.25)
    assert toy.p_learned(3, 2, 0.5) == pytest.approx(0.75 ** 3)
    # t* for n=1, p=0.5, P*=0.9: 1 - 0.5^t >= 0.9 -> t >= 3.32 -> 4
    assert toy.critical_time(1, 0.5, 0.9) == 4


@pytest.mark.parametrize("n,p,ps", [(1, 0.1, 0.5), (3, 0.05, 0.9), (5, 0.01, 0.99), (8, 0.2, 0.7)])
def test_critical_time_is_least_step_reaching_threshold(n, p, ps):
    ts = toy.critical_time(n, p, ps)
    assert toy.p_learned(n, ts, p) >= ps
    assert toy.p_learned(n, ts - 1, p) < ps


def test_critical_time_grows_logarithmically_in_n():
    n = np.array([1, 2, 4, 8, 16, 32])
    ts = toy.critical_time(n, 0.05, 0.9)
    gaps = np.diff(ts)
    assert (gaps > 0).all() and np.allclose(gaps[2:], gaps[-1], atol=2)  # constant steps per doubling


def test_simulation_agrees_with_closed_form():
    t = np.arange(0, 120, 5)
    sim = toy.simulate(5, 0.05, 200, n_models=20000, seed=1)
    for n in (1, 3, 5):
        closed = toy.p_learned(n, t, 0.05)
        est = toy.simulated_curve(sim, n, t)
        se = np.sqrt(closed * (1 - closed) / 20000)
        assert np.all(np.abs(est - closed) <= 4 * se + 1e-9), n


def test_unequal_rates_and_additive():
    t = np.arange(0, 200)
    mult = toy.p_learned_rates(t, [0.2, 0.2, 0.01])
    assert np.allclose(mult, (1 - 0.8 ** t) ** 2 * (1 - 0.99 ** t))
    add = toy.additive_rates(t, [0.2, 0.2, 0.01])
    assert (add >= mult - 1e-12).all()  # the additive measure always looks further along


@pytest.mark.parametrize("call, msg", [
    (lambda: toy.p_learned(0, 3, 0.1), "n must be an integer >= 1"),
    (lambda: toy.p_learned(1.5, 3, 0.1), "n must be an integer >= 1"),
    (lambda: toy.p_learned(2, 3, 1.0), r"\(0, 1\)"),
    (lambda: toy.p_learned(2, 3, -0.1), r"\(0, 1\)"),
    (lambda: toy.critical_time(2, 0.1, 1.0), "threshold"),
    (lambda: toy.critical_time(2, 0.1, 0.0), "threshold"),
])
def test_bad_arguments(call, msg):
    with pytest.raises(ValueError, match=msg):
        call()


def test_product_prediction_and_agreement():
    tab = pd.DataFrame({"distance": [0, 0, 1, 1], "acc": [1.0, 0.5, 0.25, 0.0],
                        "measured_shape": [1.0, 0.5, 0.5, 0.0], "measured_color": [1.0, 1.0, 0.5, 1.0],
                        "measured_size": [1.0, 1.0, 1.0, 1.0]})
    pred = toy.product_prediction(tab)
    assert np.allclose(pred["predicted"], [1.0, 0.5, 0.25, 0.0])
    ag = toy.agreement(pred)
    assert np.allclose(ag["MAE"], 0) and np.allclose(ag["R2"], 1)


def _runs_table(t111, caps, steps=(100, 200, 300, 400), seed=0):
    """A synthetic chapter-4 table: distance-1 classes learn shape/colour/size at the steps in ``caps``
    (variable -> step), and 111 reaches accuracy 1 at ``t111`` (None: never)."""
    rows = []
    for s in steps:
        for c in ("000", "100", "010", "001", "011", "101", "110", "111"):
            d = {"000": 0, "100": 0, "010": 0, "001": 0, "111": 2}.get(c, 1)
            row = {"seed": seed, "step": s, "concept_class": c, "distance": d}
            for j, v in enumerate(("shape", "color", "size")):
                row[f"measured_{v}"] = 1.0 if (c[j] == "0" or d == 0 or s >= caps[v]) else 0.0
            row["acc"] = 1.0 if (c != "111" and all(row[f"measured_{v}"] for v in caps)) or \
                (c == "111" and t111 is not None and s >= t111) else 0.0
            rows.append(row)
    return pd.DataFrame(rows)


def test_toy_prediction_can_agree_and_can_fail():
    caps = {"shape": 100, "color": 300, "size": 200}
    ok = toy.predicted_emergence(_runs_table(300, caps), "111")
    assert ok.loc[0, "predicted"] == 300 and ok.loc[0, "measured"] == 300 and ok.loc[0, "agrees"]
    assert toy.capability_times(_runs_table(300, caps)).loc[0].to_dict() == {"shape": 100.0, "color": 300.0,
                                                                             "size": 200.0}
    late = toy.predicted_emergence(_runs_table(None, caps), "111")  # capabilities learned, 111 never composed
    assert not late.loc[0, "agrees"] and np.isnan(late.loc[0, "measured"])
    early = toy.predicted_emergence(_runs_table(100, caps), "111")  # 111 before its last capability
    assert not early.loc[0, "agrees"]
    cross = toy.cross_class_product(_runs_table(300, caps), "111")
    assert np.allclose(cross.predicted, [0, 0, 1, 1]) and np.allclose(cross.observed, [0, 0, 1, 1])


def test_toy_prediction_reads_the_evaluation_interval_not_the_short_last_one():
    """A run's last evaluation comes at its final step, often sooner than ``eval_every`` after the one before
    (1954 after 1920): the tolerance of the test is the usual interval, not that remainder."""
    caps = {"shape": 100, "color": 300, "size": 200}
    t = toy.predicted_emergence(_runs_table(400, caps, steps=(100, 200, 300, 400, 434)), "111")
    assert t.loc[0, "eval every"] == 100 and t.loc[0, "agrees"]  # 400 is one interval after the predicted 300
