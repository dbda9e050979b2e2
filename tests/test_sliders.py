import re

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from cglib.sliders import slider, static_slider_html  # noqa: E402


def _render(**point):
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.set_title(str(point))
    return fig


def test_static_slider_embeds_every_point_and_no_remote_script():
    html = static_slider_html(_render, {"count": [0, 10, 30], "step": [100, 200]}, start={"count": 10})
    assert html.count("data:image/png;base64,") == 3 * 2 + 1  # every panel, and the one shown first
    assert len(re.findall(r'<input type="range"', html)) == 2
    assert 'max="2"' in html and 'max="1"' in html
    assert 'data-point="1,0"' in html  # starts at count=10, step=100
    assert "src=\"http" not in html and "<script src" not in html


def test_static_slider_needs_values():
    with pytest.raises(ValueError, match="at least one value"):
        static_slider_html(_render, {"count": []})


def test_slider_is_static_html_in_a_static_build(monkeypatch):
    monkeypatch.setenv("CGLIB_STATIC", "1")
    out = slider(_render, {"a": [1, 2], "b": ["x"]})
    assert "cglib-slider" in out.data
    monkeypatch.delenv("CGLIB_STATIC")
    w = slider(_render, {"a": [1, 2], "b": ["x"]})
    assert [c.description for c in w.children[:2]] == ["a", "b"]


def test_controls_carry_the_readers_labels():
    html = static_slider_html(_render, {"p_star": [0.5, 0.9]}, labels={"p_star": "threshold P*"})
    assert ">threshold P*</label>" in html and 'aria-label="threshold P*"' in html and ">p_star<" not in html
