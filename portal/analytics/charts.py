"""Server-side, accessible SVG charts (no JavaScript, no external assets).

Every chart is an ``<svg role="img">`` named by its ``<title>`` and described by
its ``<desc>``; the page must also show the same numbers as a table (the chart's
inner texts are not exposed to screen readers under ``role="img"``). Meaning
never rests on colour alone: values are printed, series differ by dash pattern
and marker shape and are labelled directly at the end of their line. Texts and
axes use ``currentColor`` (they follow the page's light or dark scheme); the
palette colours all have at least 3:1 contrast against the light and dark page
and surface backgrounds (#ffffff, #f3f5f8, #121212, #1e1e1e). Charts scale with
their container (``viewBox``, ``width="100%"``), so they reflow at 320 px.

Every text passed in (titles, labels, series names) is escaped here.
"""
from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Sequence

from flask_babel import format_number
from markupsafe import Markup, escape

# >= 3:1 against #ffffff, #f3f5f8, #121212 and #1e1e1e (checked in tests/test_reports.py).
PALETTE = ("#3a78d8", "#d9480f", "#2b8a3e", "#ae3ec9", "#0c8599", "#d6336c", "#767676", "#b7791f")
DASHES = ("", "9 4", "2 4", "10 4 2 4", "5 5", "1 6", "14 4 4 4", "3 3 9 3")
MARKERS = ("circle", "square", "triangle", "diamond", "triangle-down", "cross", "circle-open", "square-open")

WIDTH = 400  # viewBox width: scaled to the container (about 0.75 at 320 px, 1.3 on a desktop)
FONT_SIZE = 14
SMALL_FONT = 13  # axis ticks
MAX_MARKED_POINTS = 16


def _format_number(value) -> str:
    """Locale-aware when a Flask-Babel locale is available, plain otherwise."""
    try:
        return format_number(value)
    except Exception:  # noqa: BLE001 - outside an app context
        return str(value)


def _chart_id(prefix: str | None, *parts) -> str:
    if prefix:
        return re.sub(r"[^A-Za-z0-9_-]", "-", prefix)
    digest = hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()[:10]
    return f"chart-{digest}"


def _text_width(text: str, size: float = FONT_SIZE) -> float:
    """Rough rendered width: wide (CJK) characters 1em, others about 0.6em."""
    return sum(size * (1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6) for ch in text)


def _fit(text: str, width: float, size: float = FONT_SIZE) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` (the table has it in full)."""
    text = " ".join(str(text).split())
    if _text_width(text, size) <= width:
        return text
    while text and _text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _n(value: float) -> str:
    """A coordinate, compact."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _nice_ceiling(value: float) -> tuple[float, float]:
    """(axis maximum, tick step) for values up to ``value``: 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1.0, 1.0
    raw_step = value / 4
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw_step)
    if step < 1:
        step = 1.0  # counts: no fractional ticks
    return math.ceil(value / step) * step, step


def _open(chart_id: str, kind: str, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg class="chart chart-{kind}" viewBox="0 0 {WIDTH} {_n(height)}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc" '
        f'font-size="{FONT_SIZE}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def _lang(langs: Sequence[str | None] | None, index: int) -> str:
    if langs and index < len(langs) and langs[index]:
        return f' lang="{escape(langs[index])}"'
    return ""


def bar_chart(title: str, desc: str, labels: Sequence[str], values: Sequence[float], *, unit: str = "",
              value_labels: Sequence[str] | None = None, label_langs: Sequence[str | None] | None = None,
              max_value: float | None = None, axis_label: str = "", id_prefix: str | None = None) -> Markup:
    """Horizontal bar chart: one labelled bar per value, its value printed at its end.

    ``value_labels`` replaces the printed numbers (e.g. locale-formatted percentages);
    otherwise they are the locale-formatted values followed by ``unit``.
    ``label_langs`` gives each label's language (``lang`` attribute). ``max_value``
    fixes the scale (100 for percentages); ``axis_label`` names the value axis.
    """
    labels = [str(label) for label in labels]
    values = [max(0, v or 0) for v in values]
    chart_id = _chart_id(id_prefix, title, desc, labels, values)
    value_space, top, row, bar = 60, 8, 28, 18
    # Label column as wide as the longest label needs, within 70..170 (longer ones are shortened).
    label_width = min(170, max(70, max((_text_width(label) for label in labels), default=0) + 8))
    x0 = label_width + 8
    span = WIDTH - x0 - value_space
    axis_max, step = _nice_ceiling(max(max_value or 0, max(values, default=0)))
    axis_y = top + row * max(len(values), 1) + 2
    height = axis_y + 24 + (20 if axis_label else 0)
    out = _open(chart_id, "bar", height, title, desc)
    out.append(f'<g fill="{PALETTE[0]}">')
    for index, value in enumerate(values):
        y = top + row * index + (row - bar) / 2
        if value:
            out.append(f'<rect x="{x0}" y="{_n(y)}" width="{_n(max(span * value / axis_max, 1.5))}" height="{bar}"/>')
    out.append("</g>")
    out.append('<g fill="currentColor">')
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + row * index + row / 2
        out.append(f'<text x="{label_width}" y="{_n(y)}" dy="0.35em" text-anchor="end"{_lang(label_langs, index)}>'
                   f'{escape(_fit(label, label_width - 4))}</text>')
        shown = value_labels[index] if value_labels and index < len(value_labels) \
            else f"{_format_number(value)}{unit}"
        out.append(f'<text x="{_n(x0 + span * value / axis_max + 4)}" y="{_n(y)}" dy="0.35em" '
                   f'font-weight="600">{escape(shown)}</text>')
    out.append("</g>")
    # Value axis: baseline, ticks and their labels.
    out.append(f'<g stroke="currentColor" stroke-width="1"><line x1="{x0}" y1="{top - 2}" x2="{x0}" y2="{axis_y}"/>'
               f'<line x1="{x0}" y1="{axis_y}" x2="{x0 + span}" y2="{axis_y}"/>')
    ticks = [step * i for i in range(int(round(axis_max / step)) + 1)]
    if len(ticks) > 6:
        ticks = ticks[::2] if ticks[-1] in ticks[::2] else ticks[::2] + [ticks[-1]]
    for tick in ticks:
        x = x0 + span * tick / axis_max
        out.append(f'<line x1="{_n(x)}" y1="{axis_y}" x2="{_n(x)}" y2="{axis_y + 4}"/>')
    out.append("</g>")
    out.append(f'<g fill="currentColor" font-size="{SMALL_FONT}">')
    for tick in ticks:
        x = x0 + span * tick / axis_max
        out.append(
            f'<text x="{_n(x)}" y="{axis_y + 17}" text-anchor="middle">'
            f"{escape(_format_number(int(tick)))}{escape(unit)}</text>"
        )
    if axis_label:
        out.append(
            f'<text x="{_n(x0 + span / 2)}" y="{axis_y + 37}" text-anchor="middle">'
            f"{escape(_fit(axis_label, span))}</text>"
        )
    out.append("</g></svg>")
    return Markup("".join(out))


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    r = 3.5
    if shape == "circle":
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{r}" fill="{colour}"/>'
    if shape == "circle-open":
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{r}" fill="none" stroke="{colour}" stroke-width="1.5"/>'
    if shape in ("square", "square-open"):
        fill = "none" if shape == "square-open" else colour
        return (f'<rect x="{_n(x - r)}" y="{_n(y - r)}" width="{2 * r}" height="{2 * r}" fill="{fill}" '
                f'stroke="{colour}" stroke-width="1.5"/>')
    if shape == "triangle":
        points = f"{_n(x)},{_n(y - r - 1)} {_n(x + r + 0.5)},{_n(y + r)} {_n(x - r - 0.5)},{_n(y + r)}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    if shape == "triangle-down":
        points = f"{_n(x)},{_n(y + r + 1)} {_n(x + r + 0.5)},{_n(y - r)} {_n(x - r - 0.5)},{_n(y - r)}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    if shape == "diamond":
        points = f"{_n(x)},{_n(y - r - 1)} {_n(x + r + 1)},{_n(y)} {_n(x)},{_n(y + r + 1)} {_n(x - r - 1)},{_n(y)}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    return (
        f'<path d="M{_n(x - r)} {_n(y - r)}L{_n(x + r)} {_n(y + r)}M{_n(x - r)} {_n(y + r)}L{_n(x + r)} {_n(y - r)}" '
        f'stroke="{colour}" stroke-width="2"/>'
    )


def _spread(positions: list[tuple[float, int]], gap: float, low: float, high: float) -> dict[int, float]:
    """Move label positions apart by at least ``gap``, within [low, high]."""
    ordered = sorted(positions)
    placed: list[list[float]] = []
    for y, key in ordered:
        y = max(y, low)
        if placed and y - placed[-1][0] < gap:
            y = placed[-1][0] + gap
        placed.append([y, key])
    overflow = placed[-1][0] - high if placed else 0
    if overflow > 0:
        for item in placed:
            item[0] -= overflow
        for index in range(len(placed) - 2, -1, -1):  # keep the gaps after shifting up
            placed[index][0] = min(placed[index][0], placed[index + 1][0] - gap)
    return {int(key): y for y, key in placed}


def line_chart(title: str, desc: str, x_labels: Sequence[str], series: dict[str, Sequence[int]], *,
               series_langs: dict[str, str] | None = None, y_label: str = "", x_label: str = "",
               id_prefix: str | None = None) -> Markup:
    """Line chart with one line per series (same length as ``x_labels``).

    Series differ by colour, dash pattern and (up to 16 points) marker shape, and each is labelled
    at the end of its line with a sample of its stroke, its last value and its
    name; the highest point of each series is labelled with its value too.
    Y ticks and thinned-out x labels are visible.
    """
    x_labels = [str(label) for label in x_labels]
    names = list(series)[: len(PALETTE)]
    count = len(x_labels)
    chart_id = _chart_id(id_prefix, title, desc, x_labels, [(n, list(series[n])) for n in names])
    left, right_space, top, plot_h = 40, 124, 24 if y_label else 12, 170
    plot_w = WIDTH - left - right_space
    bottom = top + plot_h
    height = bottom + 26 + (20 if x_label else 0)
    peak = max((max(series[n], default=0) for n in names), default=0)
    axis_max, step = _nice_ceiling(peak)

    def x_at(index: int) -> float:
        return left + (plot_w / 2 if count <= 1 else plot_w * index / (count - 1))

    def y_at(value: float) -> float:
        return bottom - plot_h * value / axis_max

    out = _open(chart_id, "line", height, title, desc)
    ticks = [step * i for i in range(int(round(axis_max / step)) + 1)]
    out.append('<g stroke="currentColor" stroke-width="1" stroke-opacity="0.3">')
    for tick in ticks[1:]:
        out.append(f'<line x1="{left}" y1="{_n(y_at(tick))}" x2="{left + plot_w}" y2="{_n(y_at(tick))}"/>')
    out.append("</g>")
    out.append(f'<g stroke="currentColor" stroke-width="1"><line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}"/>'
               f'<line x1="{left}" y1="{bottom}" x2="{left + plot_w}" y2="{bottom}"/></g>')
    out.append(f'<g fill="currentColor" font-size="{SMALL_FONT}">')
    for tick in ticks:
        out.append(
            f'<text x="{left - 6}" y="{_n(y_at(tick))}" dy="0.35em" text-anchor="end">'
            f"{escape(_format_number(int(tick)))}</text>"
        )
    if y_label:
        out.append(f'<text x="{left - 6}" y="{top - 10}">{escape(_fit(y_label, plot_w))}</text>')
    if count:
        # As many x labels as fit without overlapping (the first and last are anchored at the ends).
        room = 1.2 * max(_text_width(label, SMALL_FONT) for label in x_labels) + 10
        pitch = plot_w / (count - 1) if count > 1 else plot_w
        every = max(1, math.ceil(room / pitch))
        shown = list(range(0, count, every))
        if shown[-1] != count - 1:
            if (count - 1 - shown[-1]) * pitch < room and len(shown) > 1:
                shown[-1] = count - 1
            else:
                shown.append(count - 1)
        for index in shown:
            anchor = "start" if index == 0 and count > 1 else "end" if index == count - 1 and count > 1 else "middle"
            out.append(
                f'<text x="{_n(x_at(index))}" y="{bottom + 17}" text-anchor="{anchor}">{escape(x_labels[index])}</text>'
            )
    if x_label:
        out.append(
            f'<text x="{_n(left + plot_w / 2)}" y="{bottom + 38}" text-anchor="middle">'
            f"{escape(_fit(x_label, plot_w))}</text>"
        )
    out.append("</g>")
    markers = count <= MAX_MARKED_POINTS  # more points than that: markers would only clutter
    ends: list[tuple[float, int]] = []
    for number, name in enumerate(names):
        values = [max(0, v or 0) for v in list(series[name])[:count]] + [0] * max(0, count - len(series[name]))
        if not values:
            continue
        colour, dash = PALETTE[number], DASHES[number]
        points = " ".join(f"{_n(x_at(i))},{_n(y_at(v))}" for i, v in enumerate(values))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr} '
                   f'stroke-linejoin="round"/>')
        if markers:
            out.append("<g>" + "".join(_marker(MARKERS[number], x_at(i), y_at(v), colour)
                                       for i, v in enumerate(values)) + "</g>")
        top_index = max(range(count), key=lambda i: (values[i], -i))
        if top_index != count - 1 and values[top_index]:
            out.append(
                f'<text x="{_n(x_at(top_index))}" y="{_n(y_at(values[top_index]) - 8)}" text-anchor="middle" '
                f'fill="currentColor" font-size="{SMALL_FONT}">{escape(_format_number(values[top_index]))}</text>'
            )
        ends.append((y_at(values[-1]), number))
    label_y = _spread(ends, 16, top, bottom + 8)
    label_x = left + plot_w + 8
    for number, name in enumerate(names):
        if number not in label_y:
            continue
        y = label_y[number]
        last = list(series[name])[count - 1] if count and len(series[name]) >= count else 0
        dash_attr = f' stroke-dasharray="{DASHES[number]}"' if DASHES[number] else ""
        out.append(f'<line x1="{label_x}" y1="{_n(y)}" x2="{label_x + 22}" y2="{_n(y)}" stroke="{PALETTE[number]}" '
                   f'stroke-width="2.5"{dash_attr}/>')
        if markers:
            out.append(_marker(MARKERS[number], label_x + 11, y, PALETTE[number]))
        lang = f' lang="{escape(series_langs[name])}"' if series_langs and series_langs.get(name) else ""
        # The value first: next to its line sample, and in a stable order whatever the name's script.
        value = _format_number(last)
        text = _fit(name, right_space - 34 - _text_width(value + " "))
        out.append(f'<text x="{label_x + 27}" y="{_n(y)}" dy="0.35em" fill="currentColor">'
                   f'<tspan font-weight="600">{escape(value)}</tspan> <tspan{lang}>{escape(text)}</tspan></text>')
    out.append("</svg>")
    return Markup("".join(out))
