"""Uploads that cannot stall the service (issue 16): a few-MB limit enforced while the file arrives, a
row cap, streamed parsing, the check and matching in the worker with a progress page, queries chunked
to the database's parameter limit, the checked preview kept, and stored uploads deleted after the
retention period."""

import datetime
import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import connection
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from core.uploads import UploadValidator
from custody import scan
from custody.forms import ScanUploadForm
from custody.models import ScanImport, ScanStatus
from tests.custody.test_matching_scan import HEADER, SAMPLE, scan_people, upload  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def rows(count: int, start: int = 0) -> bytes:
    return (
        HEADER
        + "".join(f"JK{start + i:06d}A,,Nobody{i},,2026-10-01,jsa,\r\n" for i in range(count))
    ).encode()


def post(client, content: bytes, name="scan.csv"):
    """Upload without running what the request queued for the worker."""
    return client.post(
        reverse("custody:scan_upload"),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def test_the_limit_is_a_few_megabytes_and_the_form_uses_the_shared_validator():
    assert settings.UPLOAD_MAX_BYTES <= 5 * 1024 * 1024
    assert len(rows(settings.SCAN_MAX_ROWS)) < settings.UPLOAD_MAX_BYTES  # a full scan fits
    validators = ScanUploadForm().fields["file"].validators
    assert any(isinstance(v, UploadValidator) for v in validators)


def test_a_file_over_the_limit_is_dropped_while_it_arrives_and_refused_on_the_form(
    client_for, ebsa_a, surgery, monkeypatch
):
    written = []
    original = TemporaryFileUploadHandler.receive_data_chunk

    def spy(self, raw_data, start):
        written.append(len(raw_data))
        return original(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", spy)
    monkeypatch.setattr(scan, "sniff", lambda *a: pytest.fail("an oversized file was parsed"))
    content = rows(10) + b"x" * (settings.UPLOAD_MAX_BYTES + 1)
    response = post(client_for(ebsa_a), content)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The selected file must be smaller than 5 MB" in html and "Select a CSV file" not in html
    assert 'href="#file"' in html or 'href="#id_file"' in html  # in the error summary too
    assert sum(written) <= settings.UPLOAD_MAX_BYTES  # the rest was never stored, even temporarily
    assert not ScanImport.objects.exists()


def test_a_file_over_the_row_cap_is_refused_at_once(client_for, ebsa_a, surgery, settings):
    settings.SCAN_MAX_ROWS = 10
    response = post(client_for(ebsa_a), rows(11))
    assert response.status_code == 200
    assert "more than 10 rows" in response.content.decode()
    assert not ScanImport.objects.exists()
    assert post(client_for(ebsa_a), rows(10)).status_code == 302


def test_the_row_cap_holds_while_parsing_too():
    with pytest.raises(scan.FileRefused, match="more than 3 rows"):
        list(scan.iter_rows(io.BytesIO(rows(4)), "utf-8", max_rows=3))


class Recording(io.BytesIO):
    """A file that fails the test if anything reads all of it at once."""

    biggest = 0

    def _note(self, size):
        if size is None or size < 0:
            pytest.fail("the whole file was read at once")
        Recording.biggest = max(Recording.biggest, size)

    def read(self, size=-1):
        self._note(size)
        return super().read(size)

    def read1(self, size=-1):
        self._note(size)
        return super().read1(size)

    def readinto(self, buffer):
        self._note(len(buffer))
        return super().readinto(buffer)


def test_parsing_is_streamed_over_the_file():
    content = rows(20_000)
    fileobj = Recording(content)
    encoding, _note = scan.sniff(fileobj)
    count = sum(1 for _ in scan.iter_rows(fileobj, encoding))
    assert count == 20_000
    assert Recording.biggest <= 128 * 1024 < len(content)
    assert not fileobj.closed  # the caller's file is left open


def test_parsing_and_matching_run_in_the_worker_with_the_progress_page(
    client_for, ebsa_a, surgery, monkeypatch
):
    client = client_for(ebsa_a)
    with TestCase.captureOnCommitCallbacks(execute=False) as queued:
        response = post(client, rows(30))
    assert response.status_code == 302 and len(queued) == 1
    checking = ScanImport.objects.get()
    assert checking.status == ScanStatus.PARSING and checking.counts == {}
    page = client.get(response.url).content.decode()
    assert "Checking the file" in page and "data-poll-url" in page
    fragment = client.get(reverse("custody:scan_progress", args=[checking.pk])).content.decode()
    assert "rows checked" in fragment and "data-poll-done" not in fragment
    monkeypatch.setattr(scan, "CHUNK", 7)  # progress is written between chunks
    progress = []
    real_take = scan._match_chunk

    def recording(valid, **kwargs):
        progress.append(ScanImport.objects.get().processed_rows)
        return real_take(valid, **kwargs)

    monkeypatch.setattr(scan, "_match_chunk", recording)
    queued[0]()  # what the worker runs
    checked = ScanImport.objects.get()
    assert checked.status == ScanStatus.PREVIEW and checked.counts["no_match"] == 30
    assert progress == [0, 7, 14, 21, 28]
    fragment = client.get(reverse("custody:scan_progress", args=[checked.pk])).content.decode()
    assert "data-poll-done" in fragment and "See the preview" in fragment


@pytest.mark.usefixtures("scan_people")
def test_the_preview_is_kept_not_parsed_again(client_for, ebsa_a, monkeypatch):
    client = client_for(ebsa_a)
    preview_url = upload(client, SAMPLE.read_bytes()).url
    kept = ScanImport.objects.get()
    assert len(kept.preview) == kept.total_rows == 10
    for name in ("parse", "iter_rows", "sniff", "match"):
        monkeypatch.setattr(scan, name, lambda *a, **k: pytest.fail("the preview was re-parsed"))
    html = client.get(preview_url).content.decode()
    assert "Duplicate of row 2" in html and "Unknown person" in html and "Reid" in html


def test_matching_queries_stay_under_the_databases_parameter_limit(ebsa_a, surgery, monkeypatch):
    """SQLite allows 999 parameters a query: a 10 MB scan used to fail there with "too many SQL
    variables". Every query is chunked to the limit the connection declares."""
    from agencies import acting

    monkeypatch.setattr(connection.features, "max_query_params", 999)
    acting.attach(ebsa_a, ebsa_a.memberships.get().agency_id)
    parsed = scan.parse(rows(3_000))
    sizes = []

    def count(execute, sql, params, many, context):
        sizes.append(len(params or ()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        scan.match(parsed.rows, user=ebsa_a)
    assert sizes and max(sizes) <= 999
    assert len(sizes) >= 3 * 3  # several chunks
    assert {r.outcome for r in parsed.rows} == {"no_match"}


def test_a_problem_deep_in_the_file_fails_the_check_with_a_message(client_for, ebsa_a, surgery):
    """What only reading every row finds (here a cell over the csv module's field limit) fails the
    check in the worker: the page says why, and the file is deleted."""
    content = rows(2_000) + b'JK999999A,,"' + b"x" * 200_000 + b'",,2026-10-01,jsa,\r\n'
    client = client_for(ebsa_a)
    response = upload(client, content)
    refused = ScanImport.objects.get()
    assert refused.status == ScanStatus.FAILED and not refused.upload
    page = client.get(response.url).content.decode()
    assert "The file was refused" in page and "could not be read as CSV" in page


def _age(scan_import, days):
    ScanImport.objects.filter(pk=scan_import.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days)
    )


def test_stored_uploads_are_deleted_after_the_retention_period(
    client_for, ebsa_a, surgery, media, django_capture_on_commit_callbacks
):
    from core.jobs import run

    client = client_for(ebsa_a)
    upload(client, rows(3, start=0))
    imported = ScanImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("custody:scan_detail", args=[imported.pk]))
    imported.refresh_from_db()
    assert imported.status == ScanStatus.DONE
    upload(client, rows(3, start=100))
    old_preview = ScanImport.objects.get(status=ScanStatus.PREVIEW)
    _age(imported, settings.UPLOAD_RETENTION_DAYS + 1)
    _age(old_preview, settings.UPLOAD_RETENTION_DAYS + 1)
    files = {s.pk: media / s.upload.name for s in ScanImport.objects.all()}
    assert len(files) == 2 and all(path.exists() for path in files.values())
    with django_capture_on_commit_callbacks(execute=True):
        result = run("records_retention")
    assert result["scans_deleted"] >= 1 and result["scan_files_deleted"] == 2
    assert not ScanImport.objects.filter(pk=old_preview.pk).exists()
    imported.refresh_from_db()
    assert not imported.upload and imported.upload_deleted_at and imported.preview == []
    assert imported.errors == [] and imported.counts["no_match"] == 3  # the figures stay
    assert not any(path.exists() for path in files.values())
    # the same file is still refused once its upload has gone
    response = upload(client, rows(3, start=0))
    assert "already imported" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert run("records_retention")["scan_files_deleted"] == 0  # a second run changes nothing


def test_recent_uploads_are_kept_by_retention(client_for, ebsa_a, surgery, media):
    from custody.retention import scan_uploads_retention

    upload(client_for(ebsa_a), rows(2))
    kept = ScanImport.objects.get()
    assert scan_uploads_retention() == {
        "scans_deleted": 0,
        "scans_blanked": 0,
        "scan_files_deleted": 0,
    }
    kept.refresh_from_db()
    assert kept.upload and (media / kept.upload.name).exists()


def test_the_upload_limiter_keeps_csrf_protection(ebsa_a, surgery):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(ebsa_a)
    response = client.post(
        reverse("custody:scan_upload"),
        {"file": SimpleUploadedFile("scan.csv", rows(2), content_type="text/csv")},
    )
    assert response.status_code == 403 and not ScanImport.objects.exists()
    page = client.get(reverse("custody:scan_upload"))
    token = page.cookies["csrftoken"].value
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("custody:scan_upload"),
            {
                "csrfmiddlewaretoken": token,
                "file": SimpleUploadedFile("scan.csv", rows(2), content_type="text/csv"),
            },
        )
    assert response.status_code == 302 and ScanImport.objects.get().status == ScanStatus.PREVIEW


def test_a_newer_upload_replaces_a_scan_still_being_checked(client_for, ebsa_a, surgery):
    client = client_for(ebsa_a)
    with TestCase.captureOnCommitCallbacks(execute=False) as first_task:
        post(client, rows(3))
    first = ScanImport.objects.get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        post(client, rows(4, start=50))  # replaces the first, deletes its file
    assert not ScanImport.objects.filter(pk=first.pk).exists()
    first_task[-1]()  # the worker picks up the old task late: nothing happens, no error
    assert ScanImport.objects.get().counts["no_match"] == 4


def test_upload_check_and_import_work_as_the_applications_database_role(
    client_for, ebsa_a, surgery, as_app_role, django_capture_on_commit_callbacks
):
    """The whole scan journey runs with the grants `manage.py db_app_role` gives (no DDL, audit
    events appended only)."""
    client = client_for(ebsa_a)
    preview_url = upload(client, rows(5)).url
    with django_capture_on_commit_callbacks(execute=True):
        client.post(preview_url)
    done = ScanImport.objects.get()
    assert done.status == ScanStatus.DONE and done.counts["no_match"] == 5
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == as_app_role
