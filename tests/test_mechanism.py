"""The mechanism measurements on constructed cases whose answers are known."""
import numpy as np
import pandas as pd
import torch

from cglib.mechanism import commit_steps, field_radius, locality_verdict


def test_field_radius_of_a_box_and_of_the_whole_image():
    g = torch.zeros(2, 3, 28, 28)
    g[0, :, 12:17, 12:17] = 1.0  # a 5x5 patch around pixel (14, 14): offsets -2..2, E[d^2] = 2 + 2
    g[1] = 1.0  # the whole image
    r = field_radius(g, np.array([14.5, 14.5]), np.array([14.5, 14.5]))
    assert abs(r[0] - 2.0) < 1e-6 and r[1] > 10
    # uniform over 28x28 pixel centres (mean 14.0) seen from 14.5: per axis variance (28^2 - 1) / 12 plus 0.5^2
    assert abs(r[1] - np.sqrt(2 * ((28 ** 2 - 1) / 12 + 0.25))) < 1e-6


def test_commit_step_is_where_the_reading_stops_changing():
    readings = np.array([[0, 1, np.nan, 1],
                         [1, 1, 0, 1],
                         [0, 1, 0, 0],
                         [1, 1, 0, 0]], float)  # steps x samples
    assert commit_steps(readings).tolist() == [3, 0, 1, 2]


def test_the_locality_verdict_can_go_either_way():
    def table(r_min, r_mir, c_min=0.5, c_mir=0.5):
        return pd.DataFrame([{"corner": "minimal", "ratio": r_min, "commit": c_min},
                             {"corner": "mirrored", "ratio": r_mir, "commit": c_mir}])
    assert locality_verdict(table(0.6, 1.3)).startswith("supported")
    assert locality_verdict(table(1.3, 0.6)).startswith("refuted")  # the order reversed
    assert locality_verdict(table(0.9, 1.0)).startswith("refuted")  # the same within the margin
    assert locality_verdict(table(0.5, 0.9)).startswith("not settled")  # apart, but both fields smaller


def test_the_locality_verdict_reads_every_failing_corner_it_is_given():
    rows = lambda **r: pd.DataFrame([{"corner": c, "ratio": v, "commit": 0.5} for c, v in r.items()])
    ok = locality_verdict(rows(minimal=0.6, mirrored=1.3, small_circle=1.2, large_triangle=1.4))
    assert ok.startswith("supported") and ok.endswith("the large_triangle at 0.50 with 1.40, the small_circle at 0.50 "
                                                      "with 1.20") and "the mirrored at 0.50 with 1.30" in ok
    # one probe corner that commits as the minimal one does refutes the account, whatever the mirrored shows
    assert locality_verdict(rows(minimal=0.6, mirrored=1.3, small_circle=0.65)).startswith("refuted")
