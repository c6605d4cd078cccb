"""Bar charts as inline SVG, drawn on the server (rule 9 of ARCHITECTURE.md).

Why SVG from Python rather than a chart library in the browser: the pages have
no build step and must work without JavaScript; an inline SVG is plain markup
that prints, zooms and scales for 长辈版 like the text around it. Every chart
carries its figures as text as well (a <title> and <desc> read by screen
readers, the value beside each bar), so colour is never the only carrier.

One helper serves every page that compares figures: work-order KPIs against
their targets, handling times by type, and later the hotline and the halls.
Bars run horizontally because Chinese labels are long and read best level.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Bar colours, each at least 4.5:1 against white, so a bar is seen clearly by
# people with low vision; the value is also printed beside it.
PALETTE = ("#0b4f8a", "#8a4b00", "#1e6b34", "#5a2d82")
TARGET_COLOUR = "#a4161a"
INK, MUTED, RULE = "#1a1a1a", "#4a4a4a", "#8a96a3"
LABEL_CHARS = 11  # characters of a label per line before it wraps (two lines at most)


@dataclass(frozen=True)
class Series:
    """One row of figures, one value per label (None: no figure yet)."""

    name: str
    values: Sequence[float | None]


def _plain(value: float, unit: str) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{text}{unit}"


def _wrap(label: str) -> list[str]:
    lines = [label[i:i + LABEL_CHARS] for i in range(0, len(label), LABEL_CHARS)] or [""]
    if len(lines) > 2:
        lines = [lines[0], lines[1][:-1] + "…"]
    return lines


def _text(x: float, y: float, content: str, size: float, *, fill: str = INK, anchor: str = "start",
          weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:.1f}" fill="{fill}" text-anchor="{anchor}" '
            f'font-weight="{weight}">{escape(content)}</text>')


def bar_chart(labels: Sequence[str], series: Sequence[Series], *, title: str, unit: str = "",
              targets: Sequence[float | None] | None = None, maximum: float | None = None,
              fmt: Callable[[float], str] | None = None, font_size: float = 14, width: int = 640,
              ident: str | None = None) -> Markup:
    """A horizontal bar chart: one group of bars per label, one bar per
    series, and an optional target per label drawn as a red line across its
    group (and named under the label). `fmt` writes a value as text; by
    default one decimal and the unit. Answers safe markup for a template."""
    if any(len(s.values) != len(labels) for s in series):
        raise ValueError("every series needs one value per label")
    if targets is not None and len(targets) != len(labels):
        raise ValueError("targets need one value (or None) per label")
    write = fmt or (lambda value: _plain(value, unit))
    ident = ident or "chart-" + hashlib.sha1(title.encode()).hexdigest()[:8]
    scale = font_size / 14
    bar_h, bar_gap, group_gap = 18 * scale, 4 * scale, 16 * scale
    label_w, value_w, pad = 12 * font_size + 8, 6 * font_size, 8 * scale
    plot_x, plot_w = label_w, width - label_w - value_w
    figures = [v for s in series for v in s.values if v is not None]
    figures += [t for t in (targets or []) if t is not None]
    top = max([maximum or 0, *figures]) or 1.0

    parts: list[str] = []
    y = pad
    legend = [(s.name, PALETTE[i % len(PALETTE)]) for i, s in enumerate(series)] if len(series) > 1 else []
    if targets is not None and any(t is not None for t in targets):
        legend.append(("目标", TARGET_COLOUR))
    if legend:
        x = plot_x
        for name, colour in legend:
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{font_size:.1f}" height="{font_size:.1f}" '
                         f'fill="{colour}"/>')
            parts.append(_text(x + font_size * 1.3, y + font_size * 0.9, name, font_size))
            x += font_size * (len(name) + 3)
        y += font_size * 1.8

    described: list[str] = []
    for index, label in enumerate(labels):
        target = targets[index] if targets is not None else None
        lines = _wrap(label) + ([f"目标{write(target)}"] if target is not None else [])
        group_h = max(len(series) * (bar_h + bar_gap) - bar_gap, len(lines) * font_size * 1.2)
        for n, line in enumerate(lines):
            is_target = target is not None and n == len(lines) - 1
            parts.append(_text(label_w - 8, y + font_size * (1.0 + 1.2 * n), line, font_size * (.9 if is_target else 1),
                               fill=MUTED if is_target else INK, anchor="end",
                               weight="normal" if is_target else "bold"))
        said = []
        tx = plot_x + plot_w * target / top if target is not None else None
        for s_index, one in enumerate(series):
            value = one.values[index]
            bar_y = y + s_index * (bar_h + bar_gap)
            if value is None:
                parts.append(_text(plot_x + 4, bar_y + bar_h * 0.8, "无数据", font_size * .9, fill=MUTED))
                said.append(f"{one.name}无数据" if len(series) > 1 else "无数据")
                continue
            length = max(0.0, plot_w * value / top)
            parts.append(f'<rect x="{plot_x:.1f}" y="{bar_y:.1f}" width="{length:.1f}" height="{bar_h:.1f}" '
                         f'fill="{PALETTE[s_index % len(PALETTE)]}"/>')
            value_x = plot_x + length + 6  # the value right after its bar, or after the target line it would cross
            if tx is not None and value_x - 6 <= tx + 2 * scale <= value_x + len(write(value)) * font_size * .6:
                value_x = tx + 4 * scale
            parts.append(_text(value_x, bar_y + bar_h * 0.8, write(value), font_size * .95))
            said.append(f"{one.name}{write(value)}" if len(series) > 1 else write(value))
        if tx is not None:
            parts.append(f'<line x1="{tx:.1f}" y1="{y - 3 * scale:.1f}" x2="{tx:.1f}" y2="{y + group_h + 3 * scale:.1f}" '
                         f'stroke="{TARGET_COLOUR}" stroke-width="{3 * scale:.1f}"/>')
            said.append(f"目标{write(target)}")
        described.append(f"{label}：{'，'.join(said)}")
        y += group_h + group_gap
    parts.append(f'<line x1="{plot_x:.1f}" y1="{pad:.1f}" x2="{plot_x:.1f}" y2="{y - group_gap / 2:.1f}" '
                 f'stroke="{RULE}" stroke-width="1"/>')
    height = y + pad
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="100%" '
            f'viewBox="0 0 {width} {height:.0f}" aria-labelledby="{ident}-title {ident}-desc">'
            f'<title id="{ident}-title">{escape(title)}</title>'
            f'<desc id="{ident}-desc">{escape("；".join(described))}</desc>')
    return Markup(head + "".join(parts) + "</svg>")
