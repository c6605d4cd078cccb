"""The server-side SVG bar chart: figures as text too (title, desc, a value
per bar), labels escaped, a target line per label, and mismatched input refused."""

from __future__ import annotations

import pytest

from kindline.web.charts import TARGET_COLOUR, Series, bar_chart


def test_a_chart_carries_its_figures_as_text_and_escapes_labels():
    svg = str(bar_chart(["装机<24h>", "城区故障修复"], [Series("达成率", [0.93, None])], title="达成率与目标",
                        targets=[0.9, 0.98], maximum=1.0, fmt=lambda v: f"{v * 100:.0f}%", ident="kpi"))
    assert svg.startswith("<svg") and 'role="img"' in svg and 'aria-labelledby="kpi-title kpi-desc"' in svg
    assert '<title id="kpi-title">达成率与目标</title>' in svg
    assert "装机&lt;24h&gt;：93%，目标90%；城区故障修复：无数据，目标98%" in svg
    assert "<24h>" not in svg and svg.count(f'stroke="{TARGET_COLOUR}"') == 2
    assert svg.count("<rect") == 2  # one bar (the other has no figure) and the legend's target swatch


def test_two_series_get_a_legend_and_bars_scale_to_the_largest_value():
    svg = str(bar_chart(["投诉", "故障维修"], [Series("中位数", [2.0, 10.0]), Series("90%", [4.0, 20.0])],
                        title="处理时长", unit="小时", width=640, font_size=14))
    assert "中位数" in svg and "90%" in svg and "20小时" in svg and "2小时" in svg
    widths = [float(part.split('"')[0]) for part in svg.split('width="')[2:]]  # after the svg's own width
    assert max(widths) == pytest.approx(640 - (12 * 14 + 8) - 6 * 14)


def test_a_series_must_have_one_value_per_label():
    with pytest.raises(ValueError):
        bar_chart(["a", "b"], [Series("x", [1.0])], title="t")
    with pytest.raises(ValueError):
        bar_chart(["a"], [Series("x", [1.0])], title="t", targets=[0.5, 0.6])
