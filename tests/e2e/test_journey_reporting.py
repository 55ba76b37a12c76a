"""Journey 4: a probation manager requests a monthly outcomes report, watches it progress to ready and downloads
the PDF (checked to be a PDF whose first page has the report's heading)."""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from consent import policy
from reporting.periods import add_months, month_start

pytestmark = [pytest.mark.e2e, pytest.mark.demo_reports]


def test_manager_requests_a_monthly_report_and_downloads_the_pdf(journey):
    manager = journey("manager.luton")
    page = manager.page
    manager.click_link("Reports")
    assert manager.heading() == "Outcome reports"

    # Two months back: the demo has already built last month's report.
    assert page.locator("#latest-status").count() == 1
    month = add_months(month_start(policy.today()), -2)
    label = f"{month:%B %Y}"
    page.get_by_label("From", exact=True).select_option(label=label)
    page.get_by_label("To", exact=True).select_option(label=label)
    manager.click_button("Request report")
    assert f"{label} report requested" in manager.success()

    # The report's status is polled by the page until it is ready.
    row = page.locator("table tr", has_text=label)
    expect(row.get_by_text("Ready", exact=True)).to_be_visible(timeout=60_000)
    manager.check()
    manager.screenshot("reports", docs=True)

    with page.expect_download() as download_info:
        row.get_by_role("link", name=f"PDF for {label}").click()
    download = download_info.value
    assert re.search(r"\.pdf$", download.suggested_filename)
    content = open(download.path(), "rb").read()  # noqa: SIM115
    assert content.startswith(b"%PDF-")
    first_page = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "Monthly outcomes report" in first_page
    assert "Bedfordshire Probation" in first_page
    assert label in first_page
