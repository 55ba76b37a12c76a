"""Turning a report's rows into its two files: the CSV (API.md "Report CSV") and the PDF.

Both are rendered from the same rows, after small-number suppression when the report needs it,
so the figures in the PDF and the CSV are the same strings.
"""

import csv
import io

from django.conf import settings

from reporting import charts
from reporting.measures import BY_ID, GROUPS, MEASURES, SUPPORT_LEVELS, Row, format_cell
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
                "rows": [{"row": r, "cells": r.cells()[2:]} for r in by_measure.get(m.id, [])],
            }
            for m in MEASURES
            if m.group == group
        ]
        sections.append({"title": title, "measures": measures})
    return sections


def render_report_pdf(*, report, rows: list[Row], trend: list, produced_at, data_as_at) -> bytes:
    totals = _all(rows)
    headline = [
        {
            "measure": BY_ID[m],
            "cell": (format_cell(_value(totals.get(m))) or "–")
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
            "measures": MEASURES,
            "produced_at": produced_at,
            "data_as_at": data_as_at,
            "threshold": settings.SMALL_NUMBER_THRESHOLD,
        },
    )
