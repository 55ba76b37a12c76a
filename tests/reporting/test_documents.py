"""The files: CSV shape, the PDF's figures read back with pypdf, suppression, no names, the URL fetcher."""

import csv
import io
import re

import pytest
from pypdf import PdfReader

from reporting import services
from reporting.documents import CSV_HEADER, breakdown_label, present_cells
from reporting.measures import MEASURES
from reporting.pdf import StaticOnlyFetcher, static_root

pytestmark = pytest.mark.django_db


def built(user, month, captured):
    with captured(execute=True):
        report, _ = services.report_request(user=user, month=month)
    report.refresh_from_db()
    assert report.status == "ready", report.error
    return report


def csv_rows(report):
    with report.csv.open("rb") as f:
        return list(csv.reader(io.StringIO(f.read().decode("utf-8"))))


def pdf_text(report):
    with report.pdf.open("rb") as f:
        reader = PdfReader(io.BytesIO(f.read()))
        return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_csv_has_the_fixed_header_and_one_row_per_measure_and_breakdown(
    world, manager_a, report_month, django_capture_on_commit_callbacks
):
    rows = csv_rows(built(manager_a, report_month, django_capture_on_commit_callbacks))
    assert (
        rows[0]
        == CSV_HEADER
        == [
            "measure",
            "breakdown",
            "value",
            "numerator",
            "denominator",
            "not_yet_due",
            "unknown",
            "awaiting_verification",
        ]
    )
    body = rows[1:]
    assert all(len(r) == 8 for r in body)
    assert [m.id for m in MEASURES] == list(dict.fromkeys(r[0] for r in body))
    assert len({(r[0], r[1]) for r in body}) == len(body)
    assert all(
        re.fullmatch(
            r"all|support_level:(low|medium|high)|location:.+|source:[a-z_]+|found_by:[a-z_]+"
            r"|benefit:[a-z_]+|agency:.+|area:.+",
            r[1],
        )
        for r in body
    )
    assert ["starts", "all", "3", "", "", "", "", ""] in body
    assert ["no_job_6m_after_planned_end", "all", "0.5", "1", "2", "4", "1", ""] in body
    assert ["no_reoffending_12m", "all", "", "0", "0", "6", "1", ""] in body


def assert_pdf_equals_csv(report):
    """Every CSV row appears in the PDF, in order, under its measure's heading, in words."""
    _reader, text = pdf_text(report)
    assert_text_matches_csv(text, csv_rows(report))


def _wrapped_after(pair, expected):
    """A wrapped label whose second line pypdf reads after the figures: "Area: Bury St Edmunds
    probation 3 – –" then "office"."""
    if len(pair) < 2 or not pair[1] or " " in pair[1]:
        return False
    first = pair[0].split(" ")
    tail = pair[1]
    for cut in range(1, len(first)):
        if " ".join([*first[:cut], tail, *first[cut:]]) == expected or " ".join(
            [*first[:cut], tail, *first[cut:]]
        ).startswith(expected):
            return True
    return False


def assert_text_matches_csv(text, rows):
    """The PDF's text holds every CSV row (header first), in order, under its measure's heading."""
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()]
    headings = [
        i for i, line in enumerate(lines) if line.split(" ")[-1] in {m.id for m in MEASURES}
    ]
    position, checked, previous = 0, 0, None
    for measure, breakdown, *values in rows[1:]:
        if measure != previous:
            position = next(
                # the id ends its heading's line (alone on it when a long label wraps)
                i
                for i in headings
                if i >= position and lines[i].split(" ")[-1] == measure
            )
        previous = measure
        if any(values):
            expected = " ".join([breakdown_label(breakdown), *present_cells(measure, values)])
        else:
            expected = f"{breakdown_label(breakdown)} Not available:"
        position = next(
            (
                i
                for i in range(position, len(lines))
                # a long label may wrap onto a second line of its cell
                if lines[i].startswith(expected)
                or " ".join(lines[i : i + 2]).startswith(expected)
                or _wrapped_after(lines[i : i + 2], expected)
            ),
            None,
        )
        assert position is not None, f"{measure} {breakdown}: {expected!r} is not in the PDF"
        checked += 1
    assert checked == len(rows) - 1


def test_pdf_figures_match_the_csv(
    world, manager_a, report_month, django_capture_on_commit_callbacks
):
    report = built(manager_a, report_month, django_capture_on_commit_callbacks)
    assert_pdf_equals_csv(report)
    reader, text = pdf_text(report)
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4
    assert f"Page 1 of {len(reader.pages)}" in text
    # the period and the "figures as at" date are on every page (the footer)
    as_at = f"figures as at {report.data_as_at:%-d %B %Y}"
    for page in reader.pages:
        assert report.period_label in page.extract_text() and as_at in page.extract_text()
    # labels in words and rates as percentages with their numbers, never codes or raw fractions
    assert "support_level:" not in text and "location:" not in text
    assert "Low support" in text and "High support" in text
    assert "50% (1 of 2)" in text  # no_job_6m_after_planned_end, all: 0.5 in the CSV
    assert "none due" in text  # a rate with nobody due shows no division by zero


def test_rates_are_presented_as_percentages_with_n_of_n():
    assert present_cells("data_completeness", ["0.627", "32", "51", "", "", ""])[0] == (
        "62.7% (32 of 51)"
    )
    assert present_cells("data_completeness", ["", "0", "0", "", "", ""])[0] == "none due"
    assert present_cells("data_completeness", ["<5", "<5", "12", "", "", ""])[0] == "<5 (<5 of 12)"
    assert present_cells("starts", ["3", "", "", "", "", ""]) == ["3", "–", "–", "–", "–", "–"]
    assert breakdown_label("source:prison_education") == "From prison education"
    assert breakdown_label("support_level:medium") == "Medium support"


def test_region_report_suppresses_small_numbers_for_the_commissioner(
    world, commissioner_manager, report_month, django_capture_on_commit_callbacks
):
    report = built(commissioner_manager, report_month, django_capture_on_commit_callbacks)
    rows = csv_rows(report)
    assert report.scope == "region"
    assert ["starts", "all", "<5", "", "", "", "", ""] in rows  # 4 starts in the region
    assert ["no_job_6m_after_planned_end", "all", "<5", "<5", "<5", "5", "<5", ""] in rows
    assert not any(cell.isdigit() and 0 < int(cell) < 5 for row in rows[1:] for cell in row[2:])
    # complementary suppression: where a total is shown, never exactly one of its parts is hidden
    totals = {r[0]: r for r in rows[1:] if r[1] == "all"}
    parts: dict = {}
    for r in rows[1:]:
        if r[1] != "all":
            parts.setdefault((r[0], r[1].split(":")[0]), []).append(r)
    for (measure, _kind), members in parts.items():
        for column in range(3, 8):
            if totals[measure][column] not in ("", "<5"):
                assert sum(m[column] == "<5" for m in members) != 1, (measure, members)
    _reader, text = pdf_text(report)
    assert "fewer than 5" in text
    assert_pdf_equals_csv(report)
    assert "Funnel by area" in text
    agency_rows = [r for r in rows[1:] if r[1].startswith("agency:")]
    assert {r[0] for r in agency_rows} == {
        "referrals_received",
        "starts",
        "employers_engaged",
        "interviews",
        "job_offers",
        "job_starts",
        "interview_to_job_rate",
    }


def test_reports_contain_no_names(
    world, manager_a, report_month, django_capture_on_commit_callbacks
):
    report = built(manager_a, report_month, django_capture_on_commit_callbacks)
    _reader, text = pdf_text(report)
    with report.csv.open("rb") as f:
        data = f.read().decode()
    for name in ("Knownworld", "Agencyperson", "caseworker_a"):
        assert name not in text and name not in data


def test_pdf_fetcher_serves_static_files_only(tmp_path):
    fetcher = StaticOnlyFetcher()
    inside = next(p for p in static_root().rglob("*") if p.is_file())
    assert fetcher.fetch(inside.as_uri()).read() == inside.read_bytes()
    outside = tmp_path / "secret.txt"
    outside.write_text("no")
    for url in (
        outside.as_uri(),
        "file:///etc/passwd",
        (static_root() / ".." / "manage.py").as_uri(),
        "http://example.org/x.png",
        "https://127.0.0.1/",
        "data:text/plain,hello",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
