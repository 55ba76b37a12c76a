import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.urls import reverse

from audit.models import AccessEvent
from custody import scan, services
from custody.demo import RECEIVED
from custody.models import ClaimClosure, ScanImport, ScanRow, ScanStatus
from tests.custody.conftest import receive
from tests.factories import person_with_case

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "matching_scan_sample.csv"
SAMPLE_BASE = datetime.date(
    2026, 11, 1
)  # the reception dates in the sample file count back from here
HEADER = "ni_number,prison_number,last_name,date_of_birth,reception_date,benefit,benefit_delivery_centre\r\n"


@pytest.fixture
def scan_people(caseworker_a, ebsa_a, prison_site, surgery):
    """The people named in the sample file, received at the EBSA's prison on the sample's dates."""
    people = {}
    for first, last, ni, prison_number, days_ago, _remand, _state in RECEIVED:
        person, _ = person_with_case(
            caseworker_a,
            first_name=first,
            last_name=last,
            national_insurance_number=ni,
            prison_number=prison_number,
            offender_group="short_custody",
        )
        reception = SAMPLE_BASE - datetime.timedelta(days=days_ago)
        receive(person, prison_site, days_ago=(datetime.date.today() - reception).days)
        people[last] = person
    for last, found_by in (("Reid", "ebsa_casework"), ("Foster", "matching_scan")):
        person = people[last]
        services.claim_closure_create(
            user=ebsa_a,
            person=person,
            establishment=prison_site,
            found_by=found_by,
            reception_date=person.sentences.get().reception_date,
            benefits=["universal_credit"],
        )
    return people


def upload(client, content: bytes, name="scan.csv"):
    """Upload, then run the check queued for the worker (eager in tests, once the request commits)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            reverse("custody:scan_upload"),
            {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
        )


def test_sample_preview_shows_row_errors_and_saves_nothing(client_for, ebsa_a, scan_people):
    client = client_for(ebsa_a)
    response = upload(client, SAMPLE.read_bytes())
    assert response.status_code == 302
    preview = ScanImport.objects.get()
    assert preview.status == ScanStatus.PREVIEW
    assert preview.counts | {"encoding_note": ""} == {
        "new_work_item": 3,
        "already_recorded": 3,
        "on_worklist": 0,
        "no_match": 1,
        "already_imported": 0,
        "not_imported": 3,
        "encoding_note": "",
    }
    html = client.get(response.url).content.decode()
    assert (
        "Duplicate of row 2" in html and "is not a real date" in html and "run as a formula" in html
    )
    assert "Unknown person" in html and "Nothing has been saved yet" in html
    assert ClaimClosure.objects.count() == 2 and not ScanRow.objects.exists()


def test_confirmed_scan_reconciles_each_row_once(
    client_for, ebsa_a, scan_people, django_capture_on_commit_callbacks
):
    client = client_for(ebsa_a)
    preview_url = upload(client, SAMPLE.read_bytes()).url
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(preview_url).status_code == 302
    done = ScanImport.objects.get()
    assert (
        done.status == ScanStatus.DONE and done.processed_rows == done.total_rows == 10
    )  # the blank line is not a row
    assert (
        done.counts["new_work_item"] == 3
        and done.counts["already_recorded"] == 3
        and done.counts["no_match"] == 1
    )
    walker = ClaimClosure.objects.get(person=scan_people["Walker"])
    assert (
        walker.benefits == ["universal_credit", "housing_benefit"]
        and walker.found_by == "matching_scan"
    )
    assert walker.closed_on is None  # a new work item on the EBSA's worklist
    assert ClaimClosure.objects.get(person=scan_people["Reid"]).found_by == "both"
    assert ClaimClosure.objects.get(person=scan_people["Foster"]).found_by == "matching_scan"
    assert not ClaimClosure.objects.filter(
        person=scan_people["Price"]
    ).exists()  # the formula row was refused
    assert ScanRow.objects.count() == 7
    assert ScanRow.objects.get(line=7).outcome == "no_match"
    assert (
        AccessEvent.objects.filter(
            object_type="custody.claimclosure", detail__source="matching_scan"
        ).count()
        == 6
    )  # 3 new, 3 changed
    html = client.get(preview_url).content.decode()
    assert "Scan imported" in html and "New work item" in html


def test_reuploading_the_same_file_changes_nothing(
    client_for, ebsa_a, scan_people, django_capture_on_commit_callbacks
):
    client = client_for(ebsa_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(upload(client, SAMPLE.read_bytes()).url)
    before = list(
        ClaimClosure.objects.order_by("pk").values_list("pk", "version", "benefits", "found_by")
    )
    response = upload(client, SAMPLE.read_bytes(), name="scan-again.csv")
    assert response.status_code == 200 and "already imported" in response.content.decode()
    # the same rows in another file (other order, one row) are recognised by their row key
    rows = SAMPLE.read_text().splitlines()
    with django_capture_on_commit_callbacks(execute=True):
        again = upload(client, (rows[0] + "\r\n" + rows[4] + "\r\n" + rows[1] + "\r\n").encode())
        assert ScanImport.objects.get(status="preview").counts["already_imported"] == 2
        client.post(again.url)
    assert (
        list(
            ClaimClosure.objects.order_by("pk").values_list("pk", "version", "benefits", "found_by")
        )
        == before
    )
    assert ScanRow.objects.count() == 7


def test_running_the_import_task_twice_changes_nothing(
    client_for, ebsa_a, scan_people, django_capture_on_commit_callbacks
):
    client = client_for(ebsa_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(upload(client, SAMPLE.read_bytes()).url)
    done = ScanImport.objects.get()
    scan.scan_import_run(scan_id=done.pk)
    ScanImport.objects.filter(pk=done.pk).update(
        status=ScanStatus.RUNNING
    )  # as if a worker died and the task is retried
    scan.scan_import_run(scan_id=done.pk)
    assert ScanRow.objects.count() == 7 and ClaimClosure.objects.count() == 5


@pytest.mark.parametrize(
    "content,message",
    [
        (b"name,date\r\nBob,2026-01-01\r\n", "columns are wrong"),
        (b"", "empty"),
        (b"\r\n\r\n", "empty"),
        (HEADER.encode(), "no data rows"),
        (b"\x00\x01PK\x03\x04binary", "not a real CSV file"),  # the shared validator
        (
            HEADER.encode() + b"JK100002B,,Walker,,2026-10-01,jsa,Centre \x81\x8d\r\n",
            "not a real CSV file",  # neither UTF-8 nor Windows-1252
        ),
    ],
)
def test_bad_files_are_refused_and_save_nothing(client_for, ebsa_a, surgery, content, message):
    response = upload(client_for(ebsa_a), content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ScanImport.objects.exists() and not ScanRow.objects.exists()


def test_file_over_the_size_limit_is_refused(client_for, ebsa_a, surgery):
    with override_settings(UPLOAD_MAX_BYTES=100):
        response = upload(client_for(ebsa_a), SAMPLE.read_bytes())
    assert "must be smaller than" in response.content.decode() and not ScanImport.objects.exists()


def test_not_a_csv_name_is_refused(client_for, ebsa_a, surgery):
    response = upload(client_for(ebsa_a), SAMPLE.read_bytes(), name="scan.xlsx")
    assert "must be a CSV, TXT" in response.content.decode() and not ScanImport.objects.exists()


def test_windows_1252_file_is_read_with_a_warning(
    client_for, ebsa_a, caseworker_a, prison_site, surgery
):
    person, _ = person_with_case(caseworker_a, last_name="Zoë", prison_number="A4321BC")
    receive(person, prison_site, days_ago=5)
    reception = (datetime.date.today() - datetime.timedelta(days=5)).strftime("%d/%m/%Y")
    content = (HEADER + f",A4321BC,Zoë,,{reception},jsa,\r\n").encode("cp1252")
    client = client_for(ebsa_a)
    response = upload(client, content)
    preview = ScanImport.objects.get()
    assert preview.encoding == "cp1252" and preview.counts["new_work_item"] == 1
    assert "read as Windows-1252" in client.get(response.url).content.decode()


@pytest.mark.parametrize(
    "value",
    [
        "2026-03-31",
        "31/03/2026",
        "31-03-2026",
        "31.03.2026",
        "31 Mar 2026",
        "31 March 2026",
        "31-Mar-2026",
        " 31/03/2026 ",
    ],
)
def test_accepted_date_formats(value):
    assert scan.parse_date(value) == datetime.date(2026, 3, 31)


@pytest.mark.parametrize("value", ["31/02/2026", "03/31/2026", "yesterday", "2026-3", ""])
def test_refused_dates(value):
    assert scan.parse_date(value) is None


@pytest.mark.parametrize("cell", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", ' =HYPERLINK("x")'])
def test_formula_cells_are_refused_per_row(cell):
    parsed = scan.parse((HEADER + f"JK100002B,,{cell},,2026-10-01,jsa,\r\n").encode())
    assert "run as a formula" in parsed.rows[0].errors[0]


def test_large_file_imports_in_chunks_with_progress(
    client_for, ebsa_a, surgery, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(scan, "CHUNK", 5)
    lines = [HEADER] + [f"JK{200000 + i:06d}A,,Nobody{i},,2026-10-01,jsa,\r\n" for i in range(23)]
    client = client_for(ebsa_a)
    preview_url = upload(client, "".join(lines).encode()).url
    with django_capture_on_commit_callbacks(execute=True):
        client.post(preview_url)
    done = ScanImport.objects.get()
    assert done.status == "done" and done.processed_rows == 23 and done.counts["no_match"] == 23
    fragment = client.get(reverse("custody:scan_progress", args=[done.pk])).content.decode()
    assert "data-poll-done" in fragment


def test_progress_fragment_polls_while_running(client_for, ebsa_a, surgery):
    client = client_for(ebsa_a)
    preview_url = upload(client, (HEADER + "JK200000A,,Nobody,,2026-10-01,jsa,\r\n").encode()).url
    scan_import = ScanImport.objects.get()
    ScanImport.objects.filter(pk=scan_import.pk).update(status="running", processed_rows=0)
    page = client.get(preview_url).content.decode()
    assert "data-poll-url" in page and "<progress" in page
    assert (
        "data-poll-done"
        not in client.get(reverse("custody:scan_progress", args=[scan_import.pk])).content.decode()
    )


def test_other_agency_gets_404_on_scan_pages(client_for, ebsa_a, work_coach_a, adviser_a, surgery):
    upload(client_for(ebsa_a), (HEADER + "JK200000A,,Nobody,,2026-10-01,jsa,\r\n").encode())
    scan_import = ScanImport.objects.get()
    for user in (work_coach_a, adviser_a):
        client = client_for(user)
        for url in (
            reverse("custody:scan_detail", args=[scan_import.pk]),
            reverse("custody:scan_progress", args=[scan_import.pk]),
        ):
            assert client.get(url).status_code == 404
        assert client.post(reverse("custody:scan_detail", args=[scan_import.pk])).status_code == 404
    assert ScanImport.objects.get().status == "preview"


def test_work_coach_of_the_same_jobcentre_cannot_confirm(
    client_for, ebsa_a, surgery, prison_jobcentre
):
    from agencies.models import Role
    from tests.factories import staff

    coach = staff("coach_same_agency", prison_jobcentre, Role.WORK_COACH)
    upload(client_for(ebsa_a), (HEADER + "JK200000A,,Nobody,,2026-10-01,jsa,\r\n").encode())
    scan_import = ScanImport.objects.get()
    assert (
        client_for(coach).post(reverse("custody:scan_detail", args=[scan_import.pk])).status_code
        == 403
    )
    assert ScanImport.objects.get().status == "preview"


HEADER_SEX = HEADER.rstrip("\r\n") + ",sex\r\n"


def test_match_basis_identifiers_and_surname_sex_and_date_of_birth(
    client_for, ebsa_a, caseworker_a, prison_site, surgery
):
    """A row with identifiers names them and what else agrees; a row without them matches on
    surname, sex and date of birth when exactly one person has all three."""
    known, _ = person_with_case(
        caseworker_a,
        last_name="Okafor",
        sex="male",
        date_of_birth=datetime.date(1990, 5, 6),
        national_insurance_number="AB111111C",
        prison_number="A1111AA",
    )
    receive(known, prison_site, days_ago=5)
    twin_a, _ = person_with_case(
        caseworker_a, last_name="Twin", sex="female", date_of_birth=datetime.date(1992, 1, 1)
    )
    twin_b, _ = person_with_case(
        caseworker_a, last_name="Twin", sex="female", date_of_birth=datetime.date(1992, 1, 1)
    )
    for p in (twin_a, twin_b):
        receive(p, prison_site, days_ago=5)
    on = (datetime.date.today() - datetime.timedelta(days=5)).isoformat()
    content = (
        HEADER_SEX
        + f"AB111111C,,Okafor,1990-05-06,{on},jsa,,M\r\n"
        + f",,OKAFOR,1990-05-06,{on},esa,,male\r\n"
        + f"AB111111C,,Okafor,1991-01-01,{on},income_support,,F\r\n"
        + f",,Twin,1992-01-01,{on},jsa,,F\r\n"
        + f",,Nobody,1970-01-01,{on},jsa,,M\r\n"
        + f",,Nosex,1970-01-01,{on},jsa,,\r\n"
        + f",,Okafor,1990-05-06,{on},jsa,,X\r\n"
    ).encode()
    parsed = scan.parse(content)
    scan.match(parsed.rows, user=ebsa_a)
    rows = parsed.rows
    assert rows[0].person_id == known.pk
    assert rows[0].basis == "NI number; surname, date of birth, sex agree"
    assert rows[1].person_id == known.pk and rows[1].basis == "surname, sex and date of birth"
    assert rows[2].person_id == known.pk and "date of birth and sex differ" in rows[2].basis
    assert "2 people share this surname, sex and date of birth" in rows[3].errors[0]
    assert rows[4].outcome == "no_match" and not rows[4].errors
    assert "enter the sex" in rows[5].errors[0]
    assert "sex “X”" in rows[6].errors[0]
    client = client_for(ebsa_a)
    response = upload(client, content, name="basis.csv")
    assert response.status_code == 302
    item = ScanImport.objects.get()
    html = client.get(reverse("custody:scan_detail", args=[item.pk])).content.decode()
    assert "Matched on" in html and "surname, sex and date of birth" in html
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("custody:scan_detail", args=[item.pk]))
    stored = ScanRow.objects.get(line=3)
    assert stored.match_basis == "surname, sex and date of birth"
    html = client.get(reverse("custody:scan_detail", args=[item.pk])).content.decode()
    assert "NI number; surname, date of birth, sex agree" in html
