"""Journey (issue 17 "Done when"): a probation manager requests the last quarter for their agency and
a commissioner the financial year to date for their region, in the browser; each opens the result
(PDF and CSV downloaded from the page) and reads the figures: the period, the "figures as at" date,
and every CSV figure in the PDF, in words; the region's funnel by agency and by area."""

import csv
import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from consent import policy
from tests.reporting.test_documents import assert_text_matches_csv
from tests.reporting.test_done_when_api import last_quarter, year_to_date

pytestmark = [pytest.mark.e2e, pytest.mark.demo_reports]


def _label(first, last):
    if first == last:
        return f"{first:%B %Y}"
    if first.year == last.year:
        return f"{first:%B} to {last:%B %Y}"
    return f"{first:%B %Y} to {last:%B %Y}"


def _option(month, today):
    return f"{month:%B %Y}" + (
        " (so far)" if (month.year, month.month) == (today.year, today.month) else ""
    )


def _request_and_read(person, first, last):
    page = person.page
    person.click_link("Reports")
    assert person.heading() == "Outcome reports"
    today = policy.today()
    page.get_by_label("From", exact=True).select_option(label=_option(first, today))
    page.get_by_label("To", exact=True).select_option(label=_option(last, today))
    # the build of several months may run in the request (eager tasks) on a busy 2-core machine
    page.set_default_timeout(180_000)
    person.click_button("Request report")
    label = _label(first, last)
    assert f"{label} report requested" in person.success()
    row = page.locator("table tr", has_text=label).first
    expect(row.get_by_text("Ready", exact=True)).to_be_visible(timeout=180_000)
    person.check()
    with page.expect_download() as pdf_download:
        row.get_by_role("link", name=f"PDF for {label}").click()
    with page.expect_download() as csv_download:
        row.get_by_role("link", name=f"CSV for {label}").click()
    content = open(pdf_download.value.path(), "rb").read()  # noqa: SIM115
    assert content.startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    rows = list(csv.reader(io.StringIO(open(csv_download.value.path(), encoding="utf-8").read())))  # noqa: SIM115
    assert label in text and "figures as at" in text
    assert_text_matches_csv(text, rows)  # every figure of the CSV, read in the PDF
    return text, {(r[0], r[1]): r[2] for r in rows[1:]}


def test_manager_last_quarter_and_commissioner_year_to_date_in_the_browser(journey):
    today = policy.today()
    manager = journey("manager.luton")
    text, figures = _request_and_read(manager, *last_quarter(today))
    assert "Bedfordshire Probation" in text
    assert figures[("starts", "all")].isdigit()
    assert not any(b.startswith("area:") for _m, b in figures)  # an agency report: no area page
    manager.close()

    commissioner = journey("manager.east")
    text, figures = _request_and_read(commissioner, *year_to_date(today))
    assert "East of England" in text
    assert "Funnel by area" in text and "By area within the region" in text
    assert any(b.startswith("area:") for _m, b in figures)
    assert any(b.startswith("agency:") for _m, b in figures)
