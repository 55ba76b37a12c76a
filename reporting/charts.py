"""Server-side SVG charts for the report PDF: plain markup, no script, no external resources.

Each chart takes the figures as the report shows them (after suppression), so a suppressed count
("<5") draws no bar and is labelled as such.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BLUE, GREEN, GREY, DARK = "#1d70b8", "#00703c", "#b1b4b6", "#0b0c0c"
FONT = 'font-family="DejaVu Sans, Liberation Sans, sans-serif"'


def _number(value) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _label(value, rate=False) -> str:
    if value is None or value == "":
        return "n/a"
    if isinstance(value, str):
        return value
    return f"{value:.0%}" if rate else str(value)


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 - every interpolated text is escaped above
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def funnel(steps: list[tuple[str, object]], *, width=480) -> SafeString:
    """Horizontal bars, one per funnel step: [(label, value)]."""
    top = max([_number(v) for _, v in steps] + [1])
    row, label_w = 26, 150
    body = []
    for i, (label, value) in enumerate(steps):
        y = i * row + 4
        w = (width - label_w - 60) * _number(value) / top
        body.append(
            f'<text x="0" y="{y + 15}" font-size="11" {FONT} fill="{DARK}">{escape(label)}</text>'
        )
        body.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="18" fill="{BLUE}"/>')
        body.append(
            f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" font-size="11" {FONT} fill="{DARK}">'
            f"{escape(_label(value))}</text>"
        )
    return _svg(width, len(steps) * row + 8, "Funnel: referrals to job starts", body)


def grouped_rates(
    groups: list[tuple[str, list[tuple[str, object]]]], *, title: str, width=480
) -> SafeString:
    """Vertical bars of rates (0 to 1) per group: [(group label, [(series label, rate)])]."""
    height, base, colours = 190, 160, [BLUE, GREEN, GREY]
    series = [name for name, _ in groups[0][1]] if groups else []
    slot = (width - 40) / max(len(groups), 1)
    bar = min(28, (slot - 16) / max(len(series), 1))
    body = [
        f'<line x1="30" y1="{base}" x2="{width}" y2="{base}" stroke="{DARK}" stroke-width="1"/>'
    ]
    for gi, (group, values) in enumerate(groups):
        x0 = 36 + gi * slot
        for si, (_name, value) in enumerate(values):
            h = 130 * min(_number(value), 1.0)
            x = x0 + si * (bar + 2)
            body.append(
                f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colours[si % 3]}"/>'
            )
            body.append(
                f'<text x="{x:.1f}" y="{base - h - 3:.1f}" font-size="8" {FONT}>{escape(_label(value, rate=True))}</text>'
            )
        body.append(
            f'<text x="{x0:.1f}" y="{base + 14}" font-size="11" {FONT}>{escape(group)}</text>'
        )
    for si, name in enumerate(series):
        body.append(
            f'<rect x="{36 + si * 110}" y="{height - 12}" width="10" height="10" fill="{colours[si % 3]}"/>'
            f'<text x="{50 + si * 110}" y="{height - 3}" font-size="10" {FONT}>{escape(name)}</text>'
        )
    return _svg(width, height, title, body)


def trend(months: list[tuple[str, dict]], series: list[str], *, width=480) -> SafeString:
    """Bars per month for each series: months = [(label "Jan 25", {series: value})]."""
    height, base, colours = 190, 150, [BLUE, GREEN]
    top = max([_number(v.get(s)) for _, v in months for s in series] + [1])
    slot = (width - 30) / max(len(months), 1)
    bar = max(3.0, (slot - 6) / max(len(series), 1))
    body = [
        f'<line x1="24" y1="{base}" x2="{width}" y2="{base}" stroke="{DARK}" stroke-width="1"/>',
        f'<text x="0" y="12" font-size="9" {FONT}>{escape(_label(int(top)))}</text>',
    ]
    for mi, (label, values) in enumerate(months):
        x0 = 28 + mi * slot
        for si, name in enumerate(series):
            value = values.get(name)
            h = 120 * _number(value) / top
            body.append(
                f'<rect x="{x0 + si * bar:.1f}" y="{base - h:.1f}" width="{bar - 1:.1f}" height="{h:.1f}" '
                f'fill="{colours[si % 2]}"/>'
            )
        body.append(
            f'<text x="{x0:.1f}" y="{base + 12}" font-size="7" {FONT}>{escape(label)}</text>'
        )
    for si, name in enumerate(series):
        body.append(
            f'<rect x="{28 + si * 120}" y="{height - 12}" width="10" height="10" fill="{colours[si % 2]}"/>'
            f'<text x="{42 + si * 120}" y="{height - 3}" font-size="10" {FONT}>{escape(name)}</text>'
        )
    return _svg(width, height, "Trend over the last 12 months", body)
