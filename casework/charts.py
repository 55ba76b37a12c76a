"""Server-side SVG charts (no JavaScript): distance travelled across the needs assessment."""

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from casework.models import Rag

X = {Rag.RED: 300, Rag.AMBER: 390, Rag.GREEN: 480}
COLOUR = {Rag.RED: "#ca3535", Rag.AMBER: "#f47738", Rag.GREEN: "#0f7a52"}
ROW, TOP, WIDTH = 30, 40, 560


def distance_travelled_svg(rows: list[dict]) -> str:
    """One row per need area: hollow circle = first rating, filled = latest, line between them."""
    height = TOP + ROW * len(rows) + 10
    parts = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="{}" height="{}" role="img" '
            'aria-labelledby="dt-title dt-desc" focusable="false">',
            WIDTH,
            height,
            WIDTH,
            height,
        ),
        mark_safe(
            '<title id="dt-title">Distance travelled: first and latest rating per need area</title>'
        ),  # noqa: S308
        mark_safe(
            '<desc id="dt-desc">Hollow circle is the first rating, filled circle the latest. '  # noqa: S308
            "The table below gives the same figures.</desc>"
        ),
    ]
    for rag, x in X.items():
        parts.append(
            format_html(
                '<text x="{}" y="20" text-anchor="middle" font-size="14" font-family="sans-serif" '
                'fill="#0b0c0c">{}</text>',
                x,
                Rag(rag).label,
            )
        )
        parts.append(
            format_html(
                '<line x1="{}" y1="28" x2="{}" y2="{}" stroke="#cecece" stroke-width="1"/>',
                x,
                x,
                height - 5,
            )
        )
    for index, row in enumerate(rows):
        y = TOP + ROW * index + ROW // 2
        parts.append(
            format_html(
                '<text x="0" y="{}" font-size="14" font-family="sans-serif" fill="#0b0c0c">{}</text>',
                y + 5,
                row["label"],
            )
        )
        if not row["first"]:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="13" font-family="sans-serif" fill="#484949">'
                    "Not rated</text>",
                    X[Rag.RED] - 20,
                    y + 5,
                )
            )
            continue
        x1, x2 = X[row["first"]], X[row["latest"]]
        if x1 != x2:
            parts.append(
                format_html(
                    '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#505a5f" stroke-width="3"/>',
                    x1,
                    y,
                    x2,
                    y,
                )
            )
        parts.append(
            format_html(
                '<circle cx="{}" cy="{}" r="8" fill="#ffffff" stroke="{}" stroke-width="3"/>',
                x1,
                y,
                COLOUR[row["first"]],
            )
        )
        parts.append(
            format_html(
                '<circle cx="{}" cy="{}" r="{}" fill="{}"/>',
                x2,
                y,
                5 if x1 == x2 else 8,
                COLOUR[row["latest"]],
            )
        )
    parts.append(mark_safe("</svg>"))  # noqa: S308
    return mark_safe("".join(str(p) for p in parts))  # noqa: S308
