"""A small server-rendered SVG chart of sellable, physical and reserved stock over time."""

from django.utils.html import escape

SERIES = (("physical", "#417690"), ("sellable", "#2e7d32"), ("reserved", "#c62828"))


def stock_history_svg(snapshots, *, width: int = 640, height: int = 200) -> str:
    if not snapshots:
        return (
            '<svg class="stock-chart" width="640" height="40">'
            '<text x="8" y="24">No history yet.</text></svg>'
        )
    pad = 30
    values = [float(getattr(s, name)) for s in snapshots for name, _ in SERIES]
    top = max([*values, 1.0])
    times = [s.taken_at.timestamp() for s in snapshots]
    start, span = times[0], (times[-1] - times[0]) or 1.0

    def point(snapshot, name):
        x = pad + (snapshot.taken_at.timestamp() - start) / span * (width - 2 * pad)
        y = height - pad - float(getattr(snapshot, name)) / top * (height - 2 * pad)
        return f"{x:.1f},{y:.1f}"

    parts = [
        f'<svg class="stock-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" role="img" aria-label="stock over time">',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        'stroke="#999"/>',
        f'<text x="2" y="{pad}" font-size="10">{top:g}</text>',
    ]
    for index, (name, colour) in enumerate(SERIES):
        if len(snapshots) == 1:
            x, y = point(snapshots[0], name).split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}"/>')
        else:
            points = " ".join(point(s, name) for s in snapshots)
            parts.append(
                f'<polyline class="series-{name}" fill="none" stroke="{colour}" '
                f'stroke-width="2" points="{points}"/>'
            )
        parts.append(
            f'<text x="{pad + index * 90}" y="{height - 8}" font-size="11" fill="{colour}">'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
