"""Reading emergence off metrics: positions in concept space, first reach per seed, hidden capabilities."""
import numpy as np
import pandas as pd
import pytest

from cglib.emergence import first_reach, hidden_capability, per_seed_final, probe_space


def _row(c, step, seed=0, acc=0.0, reject=0.0, shape=0.0, color=0.0, size=0.0, **kw):
    d = {"000": 0, "100": 0, "010": 0, "001": 0, "111": 2}.get(c, 1)
    return {"concept_class": c, "step": step, "seed": seed, "distance": d, "acc": acc, "reject_rate": reject,
            "measured_shape": shape, "measured_color": color, "measured_size": size, **kw}


def test_rejected_samples_do_not_place_a_class_in_the_far_corner():
    """Fig. 5a: a class whose samples were all rejected has no position (it used to land at 111)."""
    t = pd.DataFrame([_row("000", 100, reject=1.0), _row("011", 100, reject=0.5, shape=0.5, color=0.25, size=0.5)])
    ps = probe_space(t).set_index("concept_class")
    assert ps.loc["000", ["shape", "color", "size"]].isna().all() and ps.loc["000", "read"] == 0
    # 011 asks for circle, blue, small; of the half that was read: all circles, half blue, all small
    assert np.allclose(ps.loc["011", ["shape", "color", "size"]].to_numpy(float), [0.0, 0.5, 1.0])


def test_first_reach_per_seed_and_fig5_order():
    rows = []
    for seed, t111 in ((0, 300), (1, None)):
        for step in (100, 200, 300):
            for c in ("000", "100", "010", "001"):
                rows.append(_row(c, step, seed, acc=1.0))
            for c in ("011", "101", "110"):
                rows.append(_row(c, step, seed, acc=1.0 if step >= 200 else 0.0))
            rows.append(_row("111", step, seed, acc=1.0 if t111 and step >= t111 else 0.0))
    t = pd.DataFrame(rows)
    per = first_reach(t, 0.8, per_seed=True)
    assert per.loc[0, "distance 2"] == 300 and per.loc[0, "in order"]
    assert np.isnan(per.loc[1, "distance 2"]) and not per.loc[1, "in order"]
    assert per_seed_final(t).loc["111"].tolist() == [1.0, 0.0]


def test_hidden_capability_reports_plain_and_overprompted_first_steps():
    rows = [_row("111", s, acc=a, acc_over=o) for s, a, o in ((100, 0.0, 0.3), (200, 0.1, 0.85), (300, 0.9, 0.9))]
    hc = hidden_capability(pd.DataFrame(rows), "111", 0.8)
    assert hc.loc[0, "plain"] == "step 300" and hc.loc[0, "over"] == "step 200"
    assert hc.loc[0, "reading"] == "overprompting earlier (hidden)"
    late = [_row("111", s, acc=a, acc_over=o) for s, a, o in ((100, 0.9, 0.1), (200, 0.9, 0.2))]
    assert hidden_capability(pd.DataFrame(late), "111", 0.8).loc[0, "reading"] == "only plain prompting reaches it"
    alone = [_row("111", s, acc=0.1, acc_over=o) for s, o in ((100, 0.1), (200, 0.9))]
    assert hidden_capability(pd.DataFrame(alone), "111", 0.8).loc[0, "reading"].startswith("only overprompting")
    assert hidden_capability(pd.DataFrame([_row("111", 100)]), "111") is None  # runs that were not overprompted


def test_seed_search_verdict_fails_on_one_finished_seed_and_passes_only_on_all():
    from recipe_search.verdicts import seed_search_summary, seed_search_verdict
    rows = []
    for cand, finals in (("good", (0.9, 0.85, 0.95)), ("bad", (0.6, None, None)), ("half", (0.9, None, None))):
        for seed, a in enumerate(finals):
            if a is None:
                continue
            for c in ("000", "100", "010", "001", "011", "101", "110", "111"):
                rows.append(_row(c, 100, seed, acc=a, candidate=cand, finished=True))
    verd = seed_search_verdict(seed_search_summary(pd.DataFrame(rows)))
    assert verd.loc["good", "verdict"] == "passes" and np.isclose(verd.loc["good", "worst"], 0.85)
    assert verd.loc["bad", "verdict"] == "fails: seed 0 ends at 0.60"
    assert verd.loc["half", "verdict"].startswith("incomplete: seeds 1, 2")


def test_chosen_candidate_prefers_passing_then_most_seeds_then_best_worst():
    from recipe_search.verdicts import chosen_candidate
    def table(rows):
        return pd.DataFrame(rows, columns=["candidate", "finished seeds", "worst", "verdict"]).set_index("candidate")
    # a passing candidate wins over a failing one with a higher worst seed on fewer seeds
    t = table([("a", 3, 0.82, "passes"), ("b", 3, 0.95, "passes"), ("c", 1, 0.99, "incomplete: seeds 1, 2 not finished")])
    assert chosen_candidate(t) == ("b", 0.95, "passing")
    # none passes: only the candidates finished on the most seeds compete; a one-seed 0.99 cannot win
    t = table([("a", 3, 0.52, "fails: seed 1 ends at 0.52"), ("b", 2, 0.23, "fails: seed 1 ends at 0.23"),
               ("c", 1, 0.99, "incomplete: seeds 1, 2 not finished"), ("d", 3, 0.40, "fails: seed 0 ends at 0.40")])
    name, worst, pool = chosen_candidate(t)
    assert (name, worst) == ("a", 0.52) and pool == "none passes: finished on 3 seeds"
    with pytest.raises(ValueError, match="no candidate"):
        chosen_candidate(table([]))


def test_passing_steps_are_the_steps_where_every_seed_reaches():
    from recipe_search.verdicts import passing_steps
    rows = [{"candidate": "a", "seed": s, "step": k, "concept_class": c, "acc": acc}
            for s, curve in ((0, (0.1, 0.95, 1.0, 0.99)), (1, (0.1, 0.85, 0.45, 0.82)))
            for k, a in zip((160, 640, 960, 1954), curve) for c, acc in (("111", a), ("000", 1.0))]
    rows += [{"candidate": "b", "seed": 0, "step": 640, "concept_class": "111", "acc": 0.0}]
    t = passing_steps(pd.DataFrame(rows), "a")
    assert list(t.index[t["all"]]) == [640, 1954]  # seed 1's dip at 960 fails that budget
    assert list(t.columns) == [0, 1, "all"] and t.loc[960, 1] == 0.45
    with pytest.raises(ValueError, match="candidate 'c'"):
        passing_steps(pd.DataFrame(rows), "c")


def test_fmt_acc_never_rounds_onto_the_other_side_of_the_bar():
    from cglib.emergence import fmt_acc
    from recipe_search.verdicts import seed_search_verdict
    assert fmt_acc(0.795) == "0.795" and fmt_acc(0.8) == "0.80" and fmt_acc(0.52) == "0.52"
    assert fmt_acc(0.8149, bar=0.812) == "0.815"  # rounding down below the bar is caught too
    s = pd.DataFrame([{"candidate": "a", "seed": k, "finished": True, "111": a} for k, a in ((0, 0.955), (1, 0.8), (2, 0.795))])
    assert seed_search_verdict(s.set_index(["candidate", "seed"])).loc["a", "verdict"] == "fails: seed 2 ends at 0.795"


def _curves(seed, onsets, below=0.1):
    """Rows for one seed: each distance group at ``below`` until its onset step, then 1.0 (None: never)."""
    rows = []
    groups = {0: ("000", "100", "010", "001"), 1: ("011", "101", "110"), 2: ("111",)}
    for step in (160, 320, 480, 640):
        for d, classes in groups.items():
            on = onsets[d]
            for c in classes:
                rows.append(_row(c, step, seed, acc=1.0 if on is not None and step >= on else below))
    return rows


def test_emergence_order_counts_a_tie_as_not_resolved():
    """Chapter 4's order verdict: a shared evaluation or a gap within noise does not show Fig. 5's order."""
    from cglib.emergence import emergence_order
    t = pd.DataFrame(_curves(0, {0: 160, 1: 320, 2: 480}) + _curves(1, {0: 320, 1: 320, 2: 640})
                     + _curves(2, {0: 160, 1: 480, 2: 320}) + _curves(3, {0: 160, 1: 320, 2: None})
                     + _curves(4, {0: 160, 1: 320, 2: 480}, below=0.75))
    v = emergence_order(t, n_samples=40)
    assert v.loc[0, "verdict"] == "in order"
    assert v.loc[1, "verdict"].startswith("not resolved: distance 0 and 1 first reach it at the same evaluation (step 320)")
    assert v.loc[2, "verdict"] == "out of order: distance 2 before distance 1"
    assert v.loc[3, "verdict"].startswith("not reached: distance 2")
    # 0.75 against a bar of 0.8 on 40 samples is within two standard errors (0.13): not shown apart
    assert v.loc[4, "verdict"].startswith("not resolved") and "within sampling noise" in v.loc[4, "verdict"]
    assert emergence_order(t[t.seed == 4], n_samples=4000).loc[4, "verdict"] == "in order"
