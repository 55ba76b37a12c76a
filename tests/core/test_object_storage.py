# ruff: noqa: F811 - pytest fixtures imported from other apps' conftests are used as arguments
"""Object storage (issue 23): STORAGE_URL switches every stored file (uploaded scans, report files and
their versions) to an S3 bucket through django-storages; downloads stay audited and stream through
the app. Here against moto's in-process S3; tests/deploy/test_many_instances.py runs the same
against moto's server with two web processes and two workers."""

import io
from pathlib import Path

import boto3
import pytest
from django.urls import reverse

from audit.models import AccessEvent
from config.settings import storage_from_url
from core import health
from custody.models import ScanImport, ScanStatus
from reporting import services
from reporting.models import Report
from tests.custody.conftest import prison, prison_site, surgery  # noqa: F401 - fixtures
from tests.custody.test_matching_scan import SAMPLE, scan_people, upload  # noqa: F401
from tests.reporting.conftest import report_month, world  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

BUCKET = "resettle-test"


@pytest.fixture
def s3(settings, monkeypatch, tmp_path):
    from moto import mock_aws

    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-2",
    }.items():
        monkeypatch.setenv(key, value)
    settings.MEDIA_ROOT = tmp_path / "media"
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-2")
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
        )
        settings.STORAGES = {
            **settings.STORAGES,
            "default": storage_from_url(f"s3://{BUCKET}/files?region=eu-west-2"),
        }
        health._bucket_clients.clear()
        yield client
    health._bucket_clients.clear()


def keys(client) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()] if path.exists() else []


def test_storage_url_parsing():
    assert storage_from_url("") == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    parsed = storage_from_url(
        "s3://bucket/some/prefix?endpoint_url=http://127.0.0.1:9000&region=eu-west-2"
        "&addressing_style=path"
    )
    assert parsed["BACKEND"] == "storages.backends.s3.S3Storage"
    options = parsed["OPTIONS"]
    assert (options["bucket_name"], options["location"], options["region_name"]) == (
        "bucket",
        "some/prefix",
        "eu-west-2",
    )
    assert options["endpoint_url"] == "http://127.0.0.1:9000"
    assert options["file_overwrite"] is False and options["default_acl"] is None
    assert options["client_config"].s3 == {"addressing_style": "path"}
    for bad in ("http://bucket", "s3://key:secret@bucket", "s3://bucket?acl=public-read"):
        with pytest.raises(RuntimeError):
            storage_from_url(bad)


def test_a_scan_goes_to_the_bucket_and_is_read_back_by_the_worker(
    s3, settings, client_for, ebsa_a, scan_people, django_capture_on_commit_callbacks
):
    client = client_for(ebsa_a)
    preview_url = upload(client, SAMPLE.read_bytes()).url
    scan = ScanImport.objects.get()
    assert scan.status == ScanStatus.PREVIEW and scan.counts["new_work_item"] == 3
    assert keys(s3) == [f"files/{scan.upload.name}"]
    body = s3.get_object(Bucket=BUCKET, Key=f"files/{scan.upload.name}")["Body"].read()
    assert body == SAMPLE.read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(preview_url).status_code == 302
    assert ScanImport.objects.get().status == ScanStatus.DONE
    assert files_under(Path(settings.MEDIA_ROOT)) == []


def test_report_files_and_versions_are_in_the_bucket_and_downloads_stream_and_are_audited(
    s3,
    settings,
    world,
    client_for,
    api_for,
    manager_a,
    report_month,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = services.report_request(user=manager_a, month=report_month)
    report.refresh_from_db()
    assert report.is_ready
    assert keys(s3) == sorted([f"files/{report.pdf.name}", f"files/{report.csv.name}"])
    with django_capture_on_commit_callbacks(execute=True):
        services.report_rebuild(user=manager_a, report=report)
    report = Report.objects.get(pk=report.pk)
    version = report.versions.get()
    assert len(keys(s3)) == 4 and f"files/{version.pdf.name}" in keys(s3)

    response = client_for(manager_a).get(
        reverse("reporting:report_download", args=[report.pk, "csv"])
    )
    assert response.status_code == 200 and response.streaming
    content = b"".join(response.streaming_content)
    assert content == s3.get_object(Bucket=BUCKET, Key=f"files/{report.csv.name}")["Body"].read()
    assert int(response["Content-Length"]) == len(content)
    assert "attachment" in response["Content-Disposition"]
    pdf = api_for(manager_a).get(f"/api/v1/reports/{report.pk}/pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF-")
    old = client_for(manager_a).get(
        reverse("reporting:report_version_download", args=[report.pk, 1, "pdf"])
    )
    assert old.status_code == 200 and b"".join(old.streaming_content).startswith(b"%PDF-")
    assert AccessEvent.objects.filter(user=manager_a, action="download").count() == 3
    assert files_under(Path(settings.MEDIA_ROOT)) == []


def test_readyz_checks_the_bucket(s3, client):
    assert health.readiness()["storage"] == "ok"
    s3.delete_bucket(Bucket=BUCKET)
    health._bucket_clients.clear()
    assert health.readiness()["storage"] == "failed"
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["failed"] == ["storage"]
    assert BUCKET not in response.content.decode()


def test_default_storage_is_the_one_alias_the_app_writes_through(s3):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage, storages

    name = default_storage.save("notes/a.txt", ContentFile(b"x"))
    assert storages["default"].exists(name) and keys(s3) == ["files/notes/a.txt"]
    assert isinstance(io.BytesIO(default_storage.open(name).read()).read(), bytes)
