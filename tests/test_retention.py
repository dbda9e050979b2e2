"""Emerged is not kept: the two verdicts on constructed curves whose answers are known."""
import pandas as pd

from cglib.retention import count_line, emerged_and_kept, verdict_line


def _table(curves: dict[int, list[float]]) -> pd.DataFrame:
    return pd.DataFrame([{"seed": s, "step": 160 * (i + 1), "concept_class": "111", "acc": a}
                         for s, c in curves.items() for i, a in enumerate(c)]
                        + [{"seed": 0, "step": 160, "concept_class": "000", "acc": 1.0}])


def test_emerged_and_kept_are_separate_verdicts():
    t = _table({0: [0.5, 0.9, 0.95, 0.92, 0.97],   # emerges at 320 and keeps it
                1: [0.2, 0.85, 0.3, 0.4, 0.45],    # emerges at 320, then falls: emerged, not kept
                2: [0.1, 0.2, 0.3, 0.4, 0.5],      # never
                3: [0.9, 0.95],                    # too few evaluations to judge keeping
                4: [0.1, 0.2, 0.5, 0.6, 0.85]})    # reaches the bar at the last evaluation only
    v = emerged_and_kept(t, "111")
    assert v.first_reach.tolist()[:2] == [320, 320] and pd.isna(v.loc[2].first_reach)
    assert v.loc[0].emerged == "emerged at step 320" and v.loc[0].kept == "kept (lowest of the last 3 0.92)"
    assert v.loc[1].emerged == "emerged at step 320"
    assert v.loc[1].kept == "lost (lowest of the last 3 0.30, after 0.85 at step 320)"
    assert v.loc[2].emerged == "not emerged (peak 0.50)" and v.loc[2].kept.startswith("never held")
    assert v.loc[3].kept == "not judged (fewer than 3 evaluations)" and v.loc[3].emerged == "emerged at step 160"
    assert v.loc[4].kept == "not yet held (first reached in the last 3; lowest of them 0.50)"
    assert count_line(v) == "emerged on 4 of 5 seeds; kept on 1 of the 3 that emerged and were judged"
    assert verdict_line(v).startswith("seed 0: emerged at step 320, kept") and verdict_line(v).count("seed") == 5
    # an accuracy just under the bar is not shown rounded onto it
    near = emerged_and_kept(_table({0: [0.5, 0.9, 0.82, 0.795, 0.81]}), "111")
    assert near.loc[0].kept == "lost (lowest of the last 3 0.795, after 0.90 at step 320)"
    # a lower bar changes both verdicts of seed 1, read the same way
    assert emerged_and_kept(t, "111", threshold=0.3).loc[1].kept.startswith("kept")


class _FakeRun:
    """What fade_table reads of a run: its config and a grid of the far class at each evaluation."""

    def __init__(self, grids):
        from cglib.config import preset
        self.cfg, self.grids = preset("cpu"), grids

    def sample_steps(self):
        return sorted(self.grids)

    def samples(self, step):
        return {"grid": self.grids[step][None], "classes": ["111"], "step": step}


def test_the_fading_account_is_supported_by_shrinking_and_refuted_by_a_steady_object():
    import numpy as np

    from cglib.render import render
    from cglib.retention import fade_account, fade_table
    rc = _FakeRun({}).cfg.train.render_config()
    small = render(["111"] * 8, seed=1, cfg=rc)  # small blue triangles, as the peak drew them
    blank = np.ones_like(small)  # empty canvases
    fading = _FakeRun({160: small, 320: small, 480: blank, 640: blank, 800: blank})
    tab = fade_table(fading, "111")
    verdict = fade_account(tab, peak_step=320)
    assert verdict.startswith("supported"), verdict  # a grid with no object at all has radius 0
    assert tab.loc[800, "tiny"] == 1.0 and tab.loc[320, "tiny"] == 0.0
    steady = _FakeRun({s: small for s in (160, 320, 480, 640, 800)})
    assert fade_account(fade_table(steady, "111"), peak_step=320).startswith("refuted")
    # objects that shrink to specks: the radius falls and the specks rise
    specks = small.copy()
    specks[:] = 1.0
    specks[:, :, 12:14, 12:14] = np.array([0.1, 0.1, 0.9])[None, :, None, None]
    v = fade_account(fade_table(_FakeRun({160: small, 320: small, 480: specks, 640: specks, 800: specks}), "111"), 320)
    assert v.startswith("supported"), v


def test_the_drift_account_needs_the_skewness_to_rise_and_the_in_between_share_to_grow():
    import pandas as pd

    from cglib.retention import drift_account
    steps = [160, 320, 480, 640, 800]
    curve = lambda q, b: pd.DataFrame({"step": steps, "skew_q50": q, "shape_between": b})
    drifting = curve([-0.5, -0.45, -0.2, -0.15, -0.12], [0.0, 0.05, 0.5, 0.6, 0.7])
    assert drift_account(drifting, 320).startswith("supported")
    assert drift_account(curve([-0.5] * 5, [0.0] * 5), 320).startswith("refuted")
    half = curve([-0.5, -0.45, -0.2, -0.15, -0.12], [0.0] * 5)  # rounder, but still read as triangles
    assert drift_account(half, 320).startswith("not settled")
