"""One run read from its corner (cglib.corners) and the corner search's verdicts (recipe_search.verdicts), on
constructed records."""
import pandas as pd
import pytest

from cglib.concepts import all_classes, distances
from cglib.corners import ALL_CORNERS, CORNERS, PROBE_CORNERS, corner_summary, far_class
from recipe_search.verdicts import corner_of, corner_verdict

STEPS = (160, 320, 480, 640, 800, 960)


def run_rows(candidate, corner, seed, far_curve, finished=True, d1=0.95):
    """One run's metrics: training classes at 1.0 from the start, distance 1 at ``d1`` from step 320, the far
    class along ``far_curve`` (one value per step)."""
    dist = distances(ALL_CORNERS[corner])
    rows = []
    for i, step in enumerate(STEPS[:len(far_curve)]):
        for c in all_classes(3):
            acc = {0: 1.0, 1: d1 if step >= 320 else 0.1}.get(dist[c], far_curve[i])
            rows.append(dict(candidate=candidate, corner=corner, seed=seed, step=step, concept_class=c, acc=acc,
                             distance=dist[c], in_train=dist[c] == 0, reject_rate=0.0, measured_shape=acc,
                             measured_color=1.0, measured_size=1.0, finished=finished))
    return rows


GOOD = (0.0, 0.1, 0.5, 0.9, 0.85, 0.95)


def frame(**runs):
    """``runs``: candidate -> {(corner, seed): kwargs of run_rows}; unnamed runs follow GOOD."""
    rows = []
    for cand, special in runs.items():
        for corner in CORNERS:
            for seed in (0, 1, 2):
                rows += run_rows(cand, corner, seed, **special.get((corner, seed), {"far_curve": GOOD}))
    return pd.DataFrame(rows)


def test_far_classes_and_corner_names():
    assert far_class(CORNERS["minimal"]) == "111" and far_class(CORNERS["mirrored"]) == "000"
    assert corner_of(("110", "111", "011", "101")) == "mirrored" and corner_of(("000", "111")) == "other"


def test_verdict_needs_the_last_three_evaluations_on_all_six_runs():
    f = frame(good={},
              # ends at 0.95 but was at 0.5 two evaluations before: a last-evaluation rule would pass it
              dip={("mirrored", 1): {"far_curve": (0.0, 0.1, 0.9, 0.9, 0.5, 0.95)}},
              # the far class first reaches the bar before the distance-1 classes do: out of Fig. 5's order
              early={("minimal", 2): {"far_curve": (0.9, 0.9, 0.9, 0.9, 0.9, 0.9), "d1": 0.95}},
              # a screen: stopped at step 800, below the bar there
              screen={("mirrored", 0): {"far_curve": (0.0, 0.1, 0.2, 0.3, 0.4), "finished": False}},
              screen_ok={k: {"far_curve": (0.0, 0.1, 0.9, 0.9, 0.85), "finished": False} for k in [("minimal", 0), ("mirrored", 0)]})
    summ = corner_summary(f)
    assert len(summ) == 5 * 6
    assert summ.loc[("dip", "mirrored", 1), "last 3 min"] == 0.5
    assert summ.loc[("dip", "mirrored", 1), "final"] == 0.95
    assert summ.loc[("early", "minimal", 2), "order"] == "out of order: distance 2 before distance 1"
    assert summ.loc[("good", "minimal", 0), "order"] == "in order"
    v = corner_verdict(summ)
    assert v.loc["good", "verdict"] == "passes" and v.loc["good", "worst"] == 0.85
    assert v.loc["dip", "verdict"].startswith("fails: mirrored seed 1 000 0.50")
    assert v.loc["early", "verdict"] == "fails: minimal seed 2 111 held, but out of order: distance 2 before distance 1"
    assert v.loc["screen", "verdict"].startswith("fails the screen: mirrored seed 0 (screen, step 800) 000 0.20")
    assert v.loc["screen_ok", "verdict"] == "passes the screen (at step 800 or later)"


def test_missing_runs_leave_a_candidate_incomplete():
    f = frame(good={})
    f = f[~((f.corner == "mirrored") & (f.seed == 2))]
    assert corner_verdict(corner_summary(f)).loc["good", "verdict"] == "incomplete: mirrored seed 2 (not trained)"
    # a run stopped before its third evaluation is not judged yet (not failed on a missing number)
    f = frame(good={("mirrored", 2): {"far_curve": (0.0, 0.1), "finished": False}})
    assert corner_verdict(corner_summary(f)).loc["good", "verdict"] == ("incomplete: mirrored seed 2 "
                                                                         "(fewer than 3 evaluations)")


def test_best_candidate_needs_all_six_runs_and_ranks_by_the_worst_run():
    import numpy as np

    from recipe_search.verdicts import best_candidate
    idx = pd.MultiIndex.from_tuples([(n, c, s) for n in ("a", "b", "c") for c in CORNERS for s in (0, 1, 2)],
                                    names=["candidate", "corner", "seed"])
    low = {"a": 0.3, "b": 0.5, "c": 0.9}  # each candidate's worst run; c misses one run's judgement
    vals = [0.95 if s else low[n] for n, c, s in idx]
    summ = pd.DataFrame({"last 3 min": vals}, index=idx)
    summ.loc[("c", "mirrored", 2), "last 3 min"] = np.nan  # fewer than three evaluations: not judged
    assert best_candidate(summ) == ("b", 0.5, pytest.approx((0.5 * 2 + 0.95 * 4) / 6))
    assert best_candidate(summ.drop(index=["a", "b"], level=0)) is None


@pytest.mark.parametrize("after,verdict", [((0.3, 0.4, 0.5), "supported"), ((0.05, 0.0, 0.1), "refuted"),
                                           ((0.5, 0.0, 0.0), "not settled")])
def test_lifts_needs_a_rise_past_the_noise_on_every_seed(after, verdict):
    from recipe_search.verdicts import lifts
    before = (0.0, 0.05, 0.0)
    rows = [dict(candidate=n, corner="mirrored", seed=s, concept_class=cls, step=step,
                 acc=(v if step > 160 else 0.9) if cls == "010" else 0.5)  # an early 0.9 outside the last three
            for n, vals in (("a", before), ("b", after)) for s, v in enumerate(vals)
            for cls in ("010", "000") for step in (160, 320, 480, 640)]
    frame = pd.DataFrame(rows)
    # a longer run of "b" (a confirm against a screen) is read only up to the step both reached
    later = [dict(r, step=800, acc=0.0 if verdict == "supported" else 1.0) for r in rows if r["candidate"] == "b" and r["step"] == 640]
    frame = pd.concat([frame, pd.DataFrame(later)], ignore_index=True)
    got, table = lifts(frame, "a", "b", "010")
    assert got == verdict and list(table.index) == [0, 1, 2]
    assert table.rise.tolist() == pytest.approx([a - b for a, b in zip(after, before)])
    assert lifts(frame, "a", "b", "000")[0] == "refuted"  # no rise on the other class
    assert lifts(frame, "a", "c", "010") is None and lifts(frame, "a", "b", "010", corner="minimal") is None


def test_contrasts_name_each_step_from_the_origin_and_the_mirror_is_weaker():
    from cglib.corners import contrasts
    from cglib.render import RenderConfig, contrast_signal
    assert contrast_signal("010", "010", n=20) == 0.0  # a class against itself changes nothing
    mini, mirr = contrasts(CORNERS["minimal"], n=100), contrasts(CORNERS["mirrored"], n=100)
    assert {k: v[:2] for k, v in mini.items()} == {"shape": ("000", "100"), "color": ("000", "010"),
                                                   "size": ("000", "001")}
    assert mirr["size"][:2] == ("111", "110")
    # every step from the small triangle changes fewer pixels than the same variable's step from the large circle
    assert all(mirr[v][2] < mini[v][2] for v in mini), (mini, mirr)
    # at equal area a triangle has more ink, so the mirrored set's colour step grows
    eq = contrasts(CORNERS["mirrored"], RenderConfig(triangle="equal_area"), n=100)
    assert eq["color"][2] > 1.2 * mirr["color"][2]
    with pytest.raises(ValueError, match="origin class with one neighbour"):
        contrasts(["000", "011", "101"])


def test_step_counts_weight_a_variable_from_either_corner():
    """A data frequency named by the variable it teaches means the same step from both corners."""
    from recipe_search.verdicts import step_counts
    assert dict(step_counts(CORNERS["mirrored"], {"shape": 2})) == {"011": 2000, "101": 1000, "110": 1000, "111": 1000}
    assert dict(step_counts(CORNERS["minimal"], {"shape": 2})) == {"000": 1000, "001": 1000, "010": 1000, "100": 2000}
    odd = dict(step_counts(CORNERS["minimal"], {"size": 1.5, "color": 3}, total=999))
    assert sum(odd.values()) == 999 and odd["010"] > odd["001"] > odd["000"]
    for bad in ({"texture": 2}, {"shape": 0}, {"shape": True}):
        with pytest.raises(ValueError, match="step weights"):
            step_counts(CORNERS["minimal"], bad)


def test_peak_and_end_finds_each_runs_far_class_its_peak_and_what_is_left():
    """A far class that rises and then falls shows a peak above its end; one that holds does not."""
    from recipe_search.verdicts import peak_and_end
    lost = (0.1, 0.6, 0.9, 0.5, 0.2, 0.0)
    pe = peak_and_end(frame(x={("mirrored", 2): {"far_curve": lost}}), "x")
    assert len(pe) == 6 and set(pe.far) == {"111", "000"}
    assert pe.loc[("mirrored", 2)].far == "000" and pe.loc[("minimal", 0)].far == "111"
    r = pe.loc[("mirrored", 2)]
    assert (r.peak, r.peak_step, r.end, r.step) == (0.9, 480, 0.0, 960)
    held = pe.loc[("minimal", 1)]
    assert held.peak == 0.95 and held.end == 0.85  # GOOD: its last three 0.9, 0.85, 0.95


def test_probe_corners_are_star_shaped_and_named():
    from cglib.corners import PROBE_CORNERS, star
    assert star("000") == CORNERS["minimal"] and set(star("111")) == set(CORNERS["mirrored"])
    assert {k: far_class(v) for k, v in PROBE_CORNERS.items()} == {"small_circle": "110", "large_triangle": "001"}
    for name, train in PROBE_CORNERS.items():
        assert corner_of(train[::-1]) == name
        # every concept value but the origin's appears in exactly one training class, as in both book corners
        origin = train[0]
        for j in range(3):
            assert sum(c[j] != origin[j] for c in train) == 1


def probe_summary(finals):
    """corner_summary-like rows of base: corner -> the far class's final per seed."""
    idx = pd.MultiIndex.from_tuples([("base", c, s) for c in finals for s in (0, 1, 2)],
                                    names=["candidate", "corner", "seed"])
    return pd.DataFrame({"final": [v for c in finals for v in finals[c]]}, index=idx)


@pytest.mark.parametrize("small_circle, large_triangle, supported", [
    ((0.9, 0.95, 0.85), (0.0, 0.1, 0.05), 0),  # triangle grows, circle does not shrink: the circle's curvature
    ((0.0, 0.1, 0.2), (0.9, 1.0, 0.85), 1),  # only growing fails
    ((0.9, 0.9, 0.9), (0.9, 0.95, 0.85), 2),  # both compose: only the large circle is hard
    ((0.0, 0.1, 0.2), (0.0, 0.1, 0.1), None),  # both fail: every account is refuted
])
def test_probe_verdict_names_the_account_the_probe_corners_support(small_circle, large_triangle, supported):
    from cglib.corners import corner_outcome
    from recipe_search.verdicts import ACCOUNTS, probe_verdict
    outcome, verdict = probe_verdict(probe_summary(
        {"minimal": (0.99, 0.82, 0.99), "mirrored": (0.0, 0.1, 0.0), "small_circle": small_circle,
         "large_triangle": large_triangle}))
    assert outcome["minimal"] == "composes" and outcome["mirrored"] == "fails"
    names = list(ACCOUNTS)
    assert [a for a, v in verdict.items() if v == "supported"] == ([] if supported is None else [names[supported]])
    assert all(v == "refuted" for a, v in verdict.items() if supported is None or a != names[supported])
    assert corner_outcome((0.6, 0.5, 0.6)) == "partly"
    # a half-way probe corner settles nothing it was needed for; a missing one settles nothing at all
    _, half = probe_verdict(probe_summary({"small_circle": (0.6, 0.5, 0.6), "large_triangle": (0.0, 0.0, 0.1)}))
    assert half[names[0]] == "not settled" and half[names[1]] == "refuted"
    _, missing = probe_verdict(probe_summary({"small_circle": small_circle}))
    assert all(v.startswith("not settled") for v in missing.values())


def test_probe_corner_runs_never_enter_a_recipe_verdict():
    from recipe_search.verdicts import best_candidate
    f = frame(good={})
    summ = corner_summary(pd.concat([f, pd.DataFrame(run_rows("good", "small_circle", 0, (0.0,) * 6))]))
    assert summ.loc[("good", "small_circle", 0), "far"] == "110"
    v = corner_verdict(summ)
    assert v.loc["good", "verdict"] == "passes" and v.loc["good", "runs"] == 6
    assert best_candidate(summ)[1] == pytest.approx(0.85)
