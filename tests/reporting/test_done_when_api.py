"""Issue 17 "Done when", through the API: a manager requests the last quarter for their agency and a
commissioner the financial year to date for their region; both read the figures back (CSV and PDF)."""

import csv
import datetime
import io

import pytest
from pypdf import PdfReader

from consent import policy
from reporting.periods import add_months, financial_year_start, month_end, month_start
from tests.factories import person_with_case

pytestmark = pytest.mark.django_db


def last_quarter(today):
    """The last whole financial quarter (April-June, July-September, ...) before today's."""
    fy = financial_year_start(today)
    quarter = add_months(fy, ((today.month - 4) % 12) // 3 * 3)
    return add_months(quarter, -3), add_months(quarter, -1)


def year_to_date(today):
    fy, last = financial_year_start(today), add_months(month_start(today), -1)
    return (fy, last) if last >= fy else (fy, month_start(today))


def _build(api, body, captured):
    with captured(execute=True):
        created = api.post("/api/v1/reports/", body, format="json")
    assert created.status_code == 201, created.content
    report = api.get(f"/api/v1/reports/{created.json()['id']}/").json()
    assert report["status"] == "ready"
    rows = list(
        csv.reader(
            io.StringIO(b"".join(api.get(report["csv_url"]).streaming_content).decode("utf-8"))
        )
    )
    pdf = PdfReader(io.BytesIO(b"".join(api.get(report["pdf_url"]).streaming_content)))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    return report, {(r[0], r[1]): r[2:] for r in rows[1:]}, text


def test_manager_last_quarter_and_commissioner_year_to_date_through_the_api(
    api_for,
    caseworker_a,
    caseworker_b,
    manager_a,
    commissioner_manager,
    django_capture_on_commit_callbacks,
):
    today = policy.today()
    q_from, q_to = last_quarter(today)
    fy_from, fy_to = year_to_date(today)
    starts = {  # name: (caseworker, start)
        "Q1": (caseworker_a, q_from + datetime.timedelta(days=4)),
        "Q2": (caseworker_a, q_to + datetime.timedelta(days=9)),
        "Q3": (caseworker_a, add_months(q_from, -2)),  # before the quarter
        "Q4": (caseworker_b, q_from + datetime.timedelta(days=6)),  # another agency
        **{
            f"F{i}": (caseworker_a if i % 2 else caseworker_b, fy_from + datetime.timedelta(days=i))
            for i in range(1, 7)
        },
    }
    for name, (user, start) in starts.items():
        person_with_case(user, first_name=name, last_name="Donewhen", start_date=start)

    manager = api_for(manager_a)
    quarter, rows, text = _build(
        manager,
        {"kind": "outcomes", "from": f"{q_from:%Y-%m}", "to": f"{q_to:%Y-%m}"},
        django_capture_on_commit_callbacks,
    )
    own_in_quarter = [
        n for n, (u, s) in starts.items() if u == caseworker_a and q_from <= s <= month_end(q_to)
    ]
    assert quarter["month"] == f"{q_from:%Y-%m}" and quarter["scope"] == "agency"
    assert int(rows[("starts", "all")][0]) == len(own_in_quarter) >= 2  # Q1, Q2 (+ F*)
    assert f"{q_from:%B}" in text and f"{q_to:%B %Y}" in text and "figures as at" in text

    commissioner = api_for(commissioner_manager)
    year, rows, text = _build(
        commissioner,
        {"kind": "outcomes", "from": f"{fy_from:%Y-%m}", "to": f"{fy_to:%Y-%m}", "scope": "region"},
        django_capture_on_commit_callbacks,
    )
    in_year = [n for n, (_u, s) in starts.items() if fy_from <= s <= month_end(fy_to)]
    assert year["scope"] == "region"
    assert int(rows[("starts", "all")][0]) == len(in_year) >= 6  # F1-F6 (+ Q* in the year)
    # the region's funnel per agency and per area sums to the same starts (none hidden at >= 5)
    agencies = [v for (m, b), v in rows.items() if m == "starts" and b.startswith("agency:")]
    assert len(agencies) >= 2
    assert ("starts", "area:not recorded") in rows
    assert "Funnel by area" in text and "By area within the region" in text
    assert f"{fy_from:%B} to {fy_to:%B %Y}" in text or f"{fy_from:%B %Y}" in text
