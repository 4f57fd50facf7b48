"""The overview's charts: inline SVG with a title, escaped labels, bars and lines in scale."""

from __future__ import annotations

import re

from parley.entrypoints.web import charts


def test_a_line_chart_is_an_image_with_its_title_and_escapes_what_it_is_given() -> None:
    svg = charts.line_chart(
        "h1",
        "Tranche 1 <over time>",
        [charts.Line("UA & co", (0.0, 1.0, 2.0)), charts.Line("RU", (0.0, 0.0, 1.0))],
        ["09:00", "09:30"],
    )
    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    assert 'role="img"' in svg
    assert 'aria-labelledby="h1-title"' in svg
    assert '<title id="h1-title">Tranche 1 &lt;over time&gt;</title>' in svg
    assert "UA &amp; co" in svg
    assert "<over" not in svg
    assert svg.count("<polyline") == 2


def test_a_step_line_rises_only_where_its_value_does() -> None:
    svg = charts.line_chart("h", "t", [charts.Line("UA", (0.0, 2.0))], [], xs=[0.0, 1.0])
    points = re.search(r'points="([^"]+)"', svg)
    assert points is not None
    coords = [tuple(map(float, p.split(","))) for p in points.group(1).split()]
    assert len(coords) == 3  # start, level to the second time, then up
    assert coords[0][1] == coords[1][1] > coords[2][1]
    assert coords[1][0] == coords[2][0]


def test_stacked_bars_draw_what_is_done_under_what_is_left() -> None:
    groups = [
        charts.BarGroup("Tranche 1", (charts.Bar("UA", 1, 1), charts.Bar("RU", 0, 2))),
        charts.BarGroup("Tranche 2", (charts.Bar("UA", 0, 2), charts.Bar("RU", 0, 2))),
    ]
    svg = charts.stacked_bars("p", "Progress", groups, done_label="done", left_label="left")
    assert '<title id="p-title">Progress</title>' in svg
    heights = [
        float(h)
        for h in re.findall(r'<rect x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)"', svg)
    ]
    bars = heights[:8]  # two rectangles a bar, before the legend's
    assert bars[0] == bars[1]  # UA in tranche 1: one exchanged, one to cross
    assert bars[2] == 0
    assert bars[3] == bars[0] * 2
    assert "Tranche 2" in svg
    assert "done" in svg
    assert "left" in svg


def test_an_empty_chart_still_draws() -> None:
    assert "<svg" in charts.line_chart("e", "empty", [], [])
    assert "<svg" in charts.stacked_bars("e", "empty", [], done_label="d", left_label="l")
