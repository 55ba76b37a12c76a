"""Turning a report's rows into its two files: the CSV (API.md "Report CSV") and the PDF.

Both are rendered from the same rows, after small-number suppression when the report needs it,
so the figures in the PDF and the CSV are the same strings.
"""

import csv
import io

from django.conf import settings

from reporting import charts
from reporting.measures import BY_ID, GROUPS, MEASURES, SUPPORT_LEVELS, Row, model_or_none
from reporting.pdf import render_pdf

CSV_HEADER = [
    "measure",
    "breakdown",
    "value",
    "numerator",
    "denominator",
    "not_yet_due",
    "unknown",
    "awaiting_verification",
]


def render_csv(rows: list[Row]) -> bytes:
    """UTF-8, the fixed header, one row per measure and breakdown; "<5" marks a suppressed cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow(row.cells())
    return out.getvalue().encode("utf-8")


# --- Presenting a row in words (the PDF); the same CSV strings, never another computation ----

LEVEL_LABELS = {"low": "Low support", "medium": "Medium support", "high": "High support"}
SOURCE_LABELS = {  # short enough for one line of the PDF table
    "jobcentre": "From Jobcentre Plus",
    "prison_education": "From prison education",
    "prison": "From prison service",
    "probation": "From probation service",
    "employment_programme": "From employment programme",
    "other": "From other sources",
}


FOUND_BY_LABELS = {
    "ebsa_casework": "Found at reception interview",
    "matching_scan": "Found by matching scan",
    "both": "Found by both",
    "person_told": "Told by the person",
    "other": "Found another way",
}


def breakdown_label(breakdown: str) -> str:
    """ "all" -> "All"; "support_level:low" -> "Low support"; "source:prison" -> "From prison service";
    "location:Luton office" and "agency:path2work" -> the name."""
    if breakdown == "all":
        return "All"
    kind, _, name = breakdown.partition(":")
    if kind == "support_level":
        return LEVEL_LABELS.get(name, name)
    if kind == "source":
        return SOURCE_LABELS.get(name, name)
    if kind == "found_by":
        return FOUND_BY_LABELS.get(name, name)
    if kind == "benefit":
        claim = model_or_none("custody.PostReleaseClaim")
        return dict(claim._meta.get_field("benefit").choices).get(name, name) if claim else name
    if kind == "area":
        return f"Area: {name}"
    return name


def _percent(value: str) -> str:
    return format(float(value) * 100, ".4g") + "%"


def present_cells(measure: str, cells: list[str]) -> list[str]:
    """A CSV row's six figure cells as the PDF shows them: a rate as "62.7% (32 of 51)" (no rate when
    nothing is due: "none due"), "<5" kept, an empty cell as a dash."""
    value, numerator, denominator, *rest = cells
    if BY_ID[measure].kind == "rate":
        if value == "" and denominator == "0":
            value = "none due"
        elif value not in ("", "<5") or (value == "<5" and numerator and denominator):
            shown = _percent(value) if value != "<5" else "<5"
            value = f"{shown} ({numerator} of {denominator})"
    return [c if c != "" else "–" for c in (value, numerator, denominator, *rest)]


def _all(rows: list[Row]) -> dict[str, Row]:
    return {r.measure: r for r in rows if r.breakdown == "all"}


def _value(row: Row | None):
    return None if row is None or not row.available else row.value


def _charts(rows: list[Row], trend: list, suppressed: bool):
    totals = _all(rows)
    funnel = charts.funnel(
        [
            (BY_ID[m].label, _value(totals.get(m)))
            for m in ("referrals_received", "starts", "interviews", "job_offers", "job_starts")
        ]
    )
    by_level = {(r.measure, r.breakdown): r for r in rows}
    retention_ids = (
        "continuous_employment_4w",
        "continuous_employment_8w",
        "continuous_employment_12w",
    )
    retention = None
    if all(totals.get(m) and totals[m].available for m in retention_ids):
        retention = charts.grouped_rates(
            [
                (
                    level.capitalize(),
                    [
                        (
                            f"{m[-3:].lstrip('_')}",
                            _value(by_level.get((m, f"support_level:{level}"))),
                        )
                        for m in retention_ids
                    ],
                )
                for level in SUPPORT_LEVELS
            ],
            title="Continuous employment by support level",
        )
    threshold = settings.SMALL_NUMBER_THRESHOLD
    months = [
        (
            m.strftime("%b %y"),
            {
                k: (f"<{threshold}" if suppressed and v < threshold else v)
                for k, v in values.items()
            },
        )
        for m, values in trend
    ]
    series = list(trend[0][1]) if trend else []
    return {"funnel": funnel, "retention": retention, "trend": charts.trend(months, series)}


def report_sections(rows: list[Row]) -> list[dict]:
    """Rows grouped for the PDF tables: [{title, measures: [{measure, rows}]}]."""
    by_measure: dict[str, list[Row]] = {}
    for row in rows:
        by_measure.setdefault(row.measure, []).append(row)
    sections = []
    for group, title in GROUPS.items():
        measures = [
            {
                "measure": m,
                "rows": [
                    {
                        "row": r,
                        "label": breakdown_label(r.breakdown),
                        "cells": present_cells(r.measure, r.cells()[2:]),
                    }
                    for r in by_measure.get(m.id, [])
                ],
            }
            for m in MEASURES
            if m.group == group
        ]
        sections.append({"title": title, "measures": measures})
    return sections


FUNNEL_COLUMNS = (
    ("referrals_received", "Referrals"),
    ("starts", "Starts"),
    ("employers_engaged", "Employers engaged"),
    ("interviews", "Interviews"),
    ("job_offers", "Job offers"),
    ("job_starts", "Job starts"),
    ("interview_to_job_rate", "Interview to job"),
)


def funnel_by_area(rows: list[Row], kind: str = "agency") -> list[dict]:
    """The region's funnel as a table: a line per agency (`agency:` rows) or per area (`area:` rows,
    the region's sites), the same cells as the CSV."""
    cells = {(r.measure, r.breakdown): r for r in rows if r.breakdown.startswith(f"{kind}:")}
    names = list(dict.fromkeys(b for _m, b in cells))
    return [
        {
            "label": name.partition(":")[2],
            "cells": [
                present_cells(m, cells[(m, name)].cells()[2:])[0] if (m, name) in cells else "–"
                for m, _label in FUNNEL_COLUMNS
            ],
        }
        for name in names
    ]


def render_report_pdf(*, report, rows: list[Row], trend: list, produced_at, data_as_at) -> bytes:
    totals = _all(rows)
    headline = [
        {
            "measure": BY_ID[m],
            "cell": present_cells(m, totals[m].cells()[2:])[0]
            if totals.get(m) and totals[m].available
            else "not available",
        }
        for m in (
            "starts",
            "job_starts",
            "continuous_employment_12w",
            "no_job_6m_after_planned_end",
            "no_reoffending_6m",
            "data_completeness",
        )
    ]
    return render_pdf(
        template_name="pdf/monthly_report.html",
        context={
            "report": report,
            "headline": headline,
            "charts": _charts(rows, trend, report.suppressed),
            "sections": report_sections(rows),
            "funnel_by_area": funnel_by_area(rows),
            "funnel_by_site": funnel_by_area(rows, "area"),
            "funnel_columns": [label for _m, label in FUNNEL_COLUMNS],
            "measures": MEASURES,
            "produced_at": produced_at,
            "data_as_at": data_as_at,
            "threshold": settings.SMALL_NUMBER_THRESHOLD,
        },
    )
