"""A small server-rendered SVG chart of physical, sellable and reserved stock over time, with a
date axis and each snapshot's figures on hover (SVG titles: no script, nothing from a CDN)."""

from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.html import escape

from stock.templatetags.stock_figures import figure

SERIES = (("physical", "#417690"), ("sellable", "#2e7d32"), ("reserved", "#c62828"))
TICKS = 5
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 48, 16, 12, 44


def _label(moment: datetime, *, span_s: float) -> str:
    local = timezone.localtime(moment)
    return f"{local:%d %b %H:%M}" if span_s < 3 * 86400 else f"{local:%d %b %Y}"


def stock_history_svg(snapshots, *, width: int = 720, height: int = 240) -> str:
    if not snapshots:
        return (
            '<svg class="stock-chart" width="640" height="40">'
            '<text x="8" y="24">No history yet.</text></svg>'
        )
    plot_w = width - PAD_LEFT - PAD_RIGHT
    plot_h = height - PAD_TOP - PAD_BOTTOM
    base = height - PAD_BOTTOM
    top = max([*(getattr(s, n) for s in snapshots for n, _ in SERIES), Decimal(1)])
    times = [s.taken_at.timestamp() for s in snapshots]
    start, span = times[0], times[-1] - times[0]

    def x_at(seconds: float) -> float:
        return PAD_LEFT + ((seconds - start) / span * plot_w if span else plot_w / 2)

    def y_at(value: Decimal) -> float:
        return base - float(value / top) * plot_h

    parts = [
        f'<svg class="stock-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" role="img" aria-label="stock over time" font-size="11">',
    ]
    for value in (Decimal(0), top / 2, top):
        y = y_at(value)
        parts.append(
            f'<line x1="{PAD_LEFT}" y1="{y:.1f}" x2="{width - PAD_RIGHT}" y2="{y:.1f}" '
            f'stroke="{"#999" if value == 0 else "#eee"}"/>'
            f'<text class="y-tick" x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{figure(value)}</text>"
        )
    parts.append(_date_axis(start, span, x_at, base))
    if len(snapshots) > 1:
        for name, colour in SERIES:
            parts.append(_steps(name, colour, snapshots, times, x_at, y_at))
    for snapshot, seconds in zip(snapshots, times, strict=True):
        parts.append(_hover_point(snapshot, x_at(seconds), y_at(snapshot.sellable)))
    for index, (name, colour) in enumerate(SERIES):
        parts.append(
            f'<text x="{PAD_LEFT + index * 90}" y="{height - 6}" fill="{colour}">'
            f"&#9632; {escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _steps(name: str, colour: str, snapshots, times, x_at, y_at) -> str:
    """A figure holds until the next snapshot, so the line steps instead of sloping."""
    ys = [y_at(getattr(s, name)) for s in snapshots]
    xs = [x_at(t) for t in times]
    points = [f"{xs[0]:.1f},{ys[0]:.1f}"]
    for index in range(1, len(xs)):
        points.append(f"{xs[index]:.1f},{ys[index - 1]:.1f}")
        points.append(f"{xs[index]:.1f},{ys[index]:.1f}")
    # Physical is drawn wide and pale underneath, so it shows where sellable equals it.
    width, opacity = ("5", "0.45") if name == "physical" else ("2", "1")
    return (
        f'<polyline class="series-{name}" fill="none" stroke="{colour}" stroke-width="{width}" '
        f'stroke-opacity="{opacity}" points="{" ".join(points)}"/>'
    )


def _date_axis(start: float, span: float, x_at, base: float) -> str:
    """Up to TICKS dates spread over the time span (one when all snapshots share a time)."""
    count = TICKS if span else 1
    ticks = []
    for index in range(count):
        seconds = start + (span * index / (count - 1) if count > 1 else 0)
        x = x_at(seconds)
        moment = datetime.fromtimestamp(seconds, tz=timezone.get_current_timezone())
        anchor = "start" if index == 0 and count > 1 else "end" if index == count - 1 else "middle"
        if count == 1:
            anchor = "middle"
        ticks.append(
            f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 4}" stroke="#999"/>'
            f'<text class="x-tick" x="{x:.1f}" y="{base + 16}" text-anchor="{anchor}">'
            f"{escape(_label(moment, span_s=span))}</text>"
        )
    return "".join(ticks)


def _hover_point(snapshot, x: float, y: float) -> str:
    """A dot per snapshot whose title (shown on hover) says when and every figure."""
    figures = ", ".join(f"{name} {figure(getattr(snapshot, name))}" for name, _ in SERIES)
    local = timezone.localtime(snapshot.taken_at)
    title = f"{local:%Y-%m-%d %H:%M}: {figures}"
    return (
        f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#2e7d32" '
        f'fill-opacity="0.6"><title>{escape(title)}</title></circle>'
    )
