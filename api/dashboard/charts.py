"""Small server-side charts as inline SVG strings: bars, cash by week with an interval, lines.

Every piece of text is escaped here, so the result may be inserted into a page unescaped.
Values are plain numbers (minor units or days); the caller formats the labels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 900
HEIGHT = 220
PAD_LEFT = 112
PAD_BOTTOM = 36
PAD_TOP = 22
BAR = "#3b6ea5"
PAST = "#6a9955"
BAND = "#c9dbef"
SERIES_COLOURS = ("#3b6ea5", "#c0504d", "#6a9955", "#8064a2")


def plain_number(value: float) -> str:
    return f"{value:,.0f}"


@dataclass(frozen=True)
class CashBar:
    """One week: ``received`` for past weeks; ``expected`` with ``low``..``high`` ahead."""

    label: str
    received: float | None = None
    expected: float | None = None
    low: float | None = None
    high: float | None = None


def _svg(title: str, body: list[str], *, css_class: str) -> str:
    return (
        f'<svg class="chart {css_class}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<text x="{PAD_LEFT}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>'
        + "".join(body)
        + "</svg>"
    )


def _scale(top: float) -> tuple[float, float]:
    """Pixels per unit and the axis maximum (at least 1, so empty charts still draw)."""
    top = max(top, 1.0)
    return (HEIGHT - PAD_TOP - PAD_BOTTOM) / top, top


def _axis(top: float, fmt: Callable[[float], str]) -> list[str]:
    base = HEIGHT - PAD_BOTTOM
    parts = [
        f'<line x1="{PAD_LEFT}" y1="{base}" x2="{WIDTH - 10}" y2="{base}" stroke="#888"/>',
        f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + 4}" font-size="10" text-anchor="end">'
        f"{escape(fmt(top))}</text>",
        f'<text x="{PAD_LEFT - 6}" y="{base}" font-size="10" text-anchor="end">0</text>',
    ]
    return parts


def _label(x: float, text: str) -> str:
    return (
        f'<text x="{x:.1f}" y="{HEIGHT - PAD_BOTTOM + 14}" font-size="10" '
        f'text-anchor="middle">{escape(text)}</text>'
    )


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    fmt: Callable[[float], str] = plain_number,
) -> str:
    """Vertical bars, one per label (the aging buckets)."""
    per_unit, top = _scale(max(values, default=0))
    slot = (WIDTH - PAD_LEFT - 10) / max(len(values), 1)
    base = HEIGHT - PAD_BOTTOM
    body = _axis(top, fmt)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = max(value * per_unit, 1.0)
        x = PAD_LEFT + i * slot + slot * 0.15
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{base - height:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{height:.1f}" fill="{BAR}"><title>{escape(label)}: '
            f"{escape(fmt(value))}</title></rect>"
        )
        body.append(_label(x + slot * 0.35, label))
    return _svg(title, body, css_class="bars")


def cash_chart(
    title: str, weeks: Sequence[CashBar], *, fmt: Callable[[float], str] = plain_number
) -> str:
    """Received bars for past weeks, then expected bars over a shaded low–high interval."""
    tops = [w.received or 0 for w in weeks] + [max(w.high or 0, w.expected or 0) for w in weeks]
    per_unit, top = _scale(max(tops, default=0))
    slot = (WIDTH - PAD_LEFT - 10) / max(len(weeks), 1)
    base = HEIGHT - PAD_BOTTOM
    body = _axis(top, fmt)
    for i, week in enumerate(weeks):
        x = PAD_LEFT + i * slot
        if week.received is not None:
            height = max(week.received * per_unit, 1.0)
            body.append(
                f'<rect class="received" x="{x + slot * 0.2:.1f}" y="{base - height:.1f}" '
                f'width="{slot * 0.6:.1f}" height="{height:.1f}" fill="{PAST}"><title>'
                f"{escape(week.label)} received {escape(fmt(week.received))}"
                "</title></rect>"
            )
        if week.expected is not None:
            low, high = (week.low or 0) * per_unit, (week.high or 0) * per_unit
            body.append(
                f'<rect class="interval" x="{x + slot * 0.1:.1f}" y="{base - high:.1f}" '
                f'width="{slot * 0.8:.1f}" height="{max(high - low, 1.0):.1f}" fill="{BAND}">'
                f"<title>{escape(week.label)} interval "
                f"{escape(fmt(week.low or 0))}–"
                f"{escape(fmt(week.high or 0))}</title></rect>"
            )
            height = max(week.expected * per_unit, 1.0)
            body.append(
                f'<rect class="expected" x="{x + slot * 0.3:.1f}" y="{base - height:.1f}" '
                f'width="{slot * 0.4:.1f}" height="{height:.1f}" fill="{BAR}"><title>'
                f"{escape(week.label)} expected {escape(fmt(week.expected))}"
                "</title></rect>"
            )
        if len(weeks) <= 12 or i % 2 == 0:  # every other label when they would collide
            body.append(_label(x + slot / 2, week.label))
    return _svg(title, body, css_class="cash")


def line_chart(
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    fmt: Callable[[float], str] = plain_number,
) -> str:
    """One polyline per series over the labels; missing points break nothing, they are skipped."""
    values = [v for points in series.values() for v in points if v is not None]
    per_unit, top = _scale(max(values, default=0))
    slot = (WIDTH - PAD_LEFT - 10) / max(len(labels), 1)
    base = HEIGHT - PAD_BOTTOM
    body = _axis(top, fmt)
    for i, label in enumerate(labels):
        body.append(_label(PAD_LEFT + i * slot + slot / 2, label))
    for n, (name, points) in enumerate(series.items()):
        colour = SERIES_COLOURS[n % len(SERIES_COLOURS)]
        xy = [
            (PAD_LEFT + i * slot + slot / 2, base - v * per_unit)
            for i, v in enumerate(points)
            if v is not None
        ]
        if xy:
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
            body.append(
                f'<polyline class="line" points="{coords}" fill="none" stroke="{colour}" '
                f'stroke-width="2"><title>{escape(name)}</title></polyline>'
            )
            body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>' for x, y in xy]
        body.append(
            f'<text x="{WIDTH - 12}" y="{PAD_TOP + 4 + 12 * n}" font-size="10" '
            f'text-anchor="end" fill="{colour}">{escape(name)}</text>'
        )
    return _svg(title, body, css_class="lines")


def reliability_chart(title: str, bins: Sequence[tuple[float, float, int]]) -> str:
    """Predicted (x) against observed (y) late share per bin, with the diagonal a perfectly
    calibrated model would follow; ``bins`` are (predicted, observed, invoices)."""
    side = HEIGHT - PAD_TOP - PAD_BOTTOM
    left, base = PAD_LEFT, HEIGHT - PAD_BOTTOM

    def point(x: float, y: float) -> tuple[float, float]:
        return left + x * side, base - y * side

    x0, y0 = point(0, 0)
    x1, y1 = point(1, 1)
    body = [
        f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y0:.1f}" stroke="#888"/>',
        f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x0:.1f}" y2="{y1:.1f}" stroke="#888"/>',
        f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" stroke="#bbb" '
        'stroke-dasharray="4 3"/>',
        f'<text x="{x1:.1f}" y="{y0 + 14:.1f}" font-size="10" text-anchor="end">'
        "predicted P(late) → 100%</text>",
        f'<text x="{x0 - 6:.1f}" y="{y1 + 4:.1f}" font-size="10" text-anchor="end">'
        "observed 100%</text>",
    ]
    points = [point(p, o) for p, o, _ in bins]
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{BAR}" stroke-width="2"/>')
    for (x, y), (predicted, observed, rows) in zip(points, bins, strict=True):
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BAR}"><title>'
            f"{escape(f'{rows} invoices: predicted {predicted:.0%}, observed {observed:.0%}')}"
            "</title></circle>"
        )
    return _svg(title, body, css_class="reliability")
