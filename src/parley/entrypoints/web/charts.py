"""Charts drawn on the server as inline SVG: no script, no build step.

Each chart is an ``<svg role="img">`` with a ``<title>`` and an ``aria-label``; the page
that shows one also shows its figures as a table, for screen readers and for print.
Labels come in already translated; everything written into the SVG is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["Bar", "BarGroup", "Line", "line_chart", "stacked_bars"]

# The two sides' colours (parley.css's --side-a and --side-b; WCAG AA on white).
SIDE_COLOURS = ("#0b5394", "#7a3e9d")
_INK = "#1a1a1a"
_GRID = "#c8c8c8"


@dataclass(frozen=True, slots=True)
class Line:
    """One series of a line chart: its name and its values at each point."""

    label: str
    values: tuple[float, ...]
    colour: str = SIDE_COLOURS[0]


@dataclass(frozen=True, slots=True)
class Bar:
    """One stacked bar: the part done, and the part still to do."""

    label: str
    done: int
    left: int
    colour: str = SIDE_COLOURS[0]


@dataclass(frozen=True, slots=True)
class BarGroup:
    """Bars side by side under one label (a tranche, say)."""

    label: str
    bars: tuple[Bar, ...]


def _n(value: float) -> str:
    """A coordinate, short."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _ticks(top: float, count: int = 4) -> list[int]:
    """Whole-number marks from 0 to at least ``top``."""
    if top <= 0:
        return [0, 1]
    step = max(1, -(-int(top) // count))
    return list(range(0, int(top) + step + 1, step))[: count + 2]


def _open(width: int, height: int, title: str, ident: str) -> Markup:
    return Markup(
        '<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-labelledby="{i}-title" aria-label="{t}" xmlns="http://www.w3.org/2000/svg" '
        'preserveAspectRatio="xMinYMin meet">'
        '<title id="{i}-title">{t}</title>'
    ).format(w=width, h=height, i=ident, t=title)


def _text(x: float, y: float, text: str, anchor: str = "start") -> Markup:
    return Markup('<text x="{}" y="{}" text-anchor="{}">{}</text>').format(
        _n(x), _n(y), anchor, escape(text)
    )


def line_chart(
    ident: str,
    title: str,
    lines: Sequence[Line],
    x_labels: Sequence[str],
    *,
    xs: Sequence[float] | None = None,
    y_label: str = "",
    width: int = 640,
    height: int = 240,
) -> Markup:
    """Step lines, one per series, over points at ``xs`` (0 to 1; even when None).

    ``x_labels`` name the first and last points (the rest are left to the table).
    """
    left, right, top, bottom = 44, 12, 24, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    count = max((len(line.values) for line in lines), default=0)
    if xs is None or len(xs) != count:
        xs = [i / (count - 1) if count > 1 else 0.5 for i in range(count)]
    highest = max((max(line.values, default=0) for line in lines), default=0)
    ticks = _ticks(highest)
    scale = ticks[-1] or 1

    def px(x: float) -> float:
        return left + x * plot_w

    def py(y: float) -> float:
        return top + plot_h - y / scale * plot_h

    parts = [_open(width, height, title, ident)]
    for tick in ticks:
        parts.append(
            Markup('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"/>').format(
                left, width - right, _n(py(tick)), _n(py(tick)), _GRID
            )
        )
        parts.append(_text(left - 6, py(tick) + 4, str(tick), "end"))
    if y_label:
        parts.append(_text(4, 14, y_label))
    for line in lines:
        if not line.values:
            continue
        points = [(px(xs[0]), py(line.values[0]))]
        for i in range(1, len(line.values)):
            points.append((px(xs[i]), py(line.values[i - 1])))  # a step: level, then up
            points.append((px(xs[i]), py(line.values[i])))
        path = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        parts.append(
            Markup(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5" '
                'stroke-linejoin="round"/>'
            ).format(path, line.colour)
        )
        last_x, last_y = points[-1]
        parts.append(
            Markup('<circle cx="{}" cy="{}" r="3.5" fill="{}"/>').format(
                _n(last_x), _n(last_y), line.colour
            )
        )
    if x_labels:
        parts.append(_text(left, height - bottom + 16, x_labels[0]))
        if len(x_labels) > 1:
            parts.append(_text(width - right, height - bottom + 16, x_labels[-1], "end"))
    parts.append(_legend([(line.label, line.colour, 1.0) for line in lines], left, height - 8))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _legend(items: Sequence[tuple[str, str, float]], x: float, y: float) -> Markup:
    parts = []
    for label, colour, opacity in items:
        parts.append(
            Markup(
                '<rect x="{}" y="{}" width="12" height="12" fill="{}" fill-opacity="{}" '
                'stroke="{}"/>'
            ).format(_n(x), _n(y - 10), colour, opacity, colour)
        )
        parts.append(_text(x + 16, y, label))
        x += 24 + 7 * len(label)
    return Markup("").join(parts)


def stacked_bars(
    ident: str,
    title: str,
    groups: Sequence[BarGroup],
    *,
    done_label: str,
    left_label: str,
    width: int = 640,
    height: int = 260,
) -> Markup:
    """Per group, a bar per side: what is done (solid) under what is left (pale)."""
    left, right, top, bottom = 44, 12, 16, 64
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max((b.done + b.left for g in groups for b in g.bars), default=0)
    ticks = _ticks(highest)
    scale = ticks[-1] or 1
    slot = plot_w / max(len(groups), 1)

    def py(y: float) -> float:
        return top + plot_h - y / scale * plot_h

    parts = [_open(width, height, title, ident)]
    for tick in ticks:
        parts.append(
            Markup('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"/>').format(
                left, width - right, _n(py(tick)), _n(py(tick)), _GRID
            )
        )
        parts.append(_text(left - 6, py(tick) + 4, str(tick), "end"))
    for g_index, group in enumerate(groups):
        count = max(len(group.bars), 1)
        bar_w = min(40.0, slot * 0.8 / count)
        start = left + g_index * slot + (slot - bar_w * count) / 2
        for b_index, bar in enumerate(group.bars):
            x = start + b_index * bar_w
            done_top = py(bar.done)
            parts.append(
                Markup('<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>').format(
                    _n(x + 1), _n(done_top), _n(bar_w - 2), _n(py(0) - done_top), bar.colour
                )
            )
            left_top = py(bar.done + bar.left)
            parts.append(
                Markup(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" fill-opacity="0.3" '
                    'stroke="{}"/>'
                ).format(
                    _n(x + 1),
                    _n(left_top),
                    _n(bar_w - 2),
                    _n(done_top - left_top),
                    bar.colour,
                    bar.colour,
                )
            )
            parts.append(_text(x + bar_w / 2, py(0) + 13, bar.label, "middle"))
        parts.append(_text(left + g_index * slot + slot / 2, py(0) + 28, group.label, "middle"))
    parts.append(_legend([(done_label, _INK, 1.0), (left_label, _INK, 0.3)], left, height - 8))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
