"""Retention of search terms in access events and of uploaded scan files, in the records_retention job."""

import datetime
import sys
import types
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from audit.models import AccessEvent, Action
from core import jobs
from custody.models import ScanImport, ScanStatus

pytestmark = pytest.mark.django_db


def test_periods_are_ninety_days_for_search_terms_and_thirty_for_scan_files():
    assert settings.SEARCH_TERM_RETENTION_DAYS == 90
    assert settings.SCAN_FILE_RETENTION_DAYS == 30


def test_the_retention_job_removes_search_terms_through_the_audit_redaction_path(monkeypatch):
    """The job asks the one privileged path of the append-only log to drop q and filters from
    events older than the period (the path itself is tested with the audit log's role)."""
    calls = []

    def access_event_redact(*, before, keys):
        calls.append((before, keys))
        return 3

    monkeypatch.setitem(
        sys.modules,
        "audit.retention",
        types.SimpleNamespace(access_event_redact=access_event_redact),
    )
    result = jobs.registry()["records_retention"]()
    assert result["search_terms_removed"] == 3
    ((before, keys),) = calls
    assert keys == ["filters", "q"]
    expected = timezone.now() - datetime.timedelta(days=90)
    assert abs((before - expected).total_seconds()) < 60


def test_search_terms_older_than_the_period_are_removed_and_the_people_stay(caseworker_a):
    pytest.importorskip("audit.retention")  # the append-only audit log's redaction function
    old = AccessEvent.objects.create(
        user=caseworker_a,
        action=Action.SEARCH,
        at=timezone.now() - datetime.timedelta(days=91),
        detail={"page": "search", "q": "QQ123456C", "people": [1, 2], "shown": 2},
    )
    recent = AccessEvent.objects.create(
        user=caseworker_a,
        action=Action.SEARCH,
        at=timezone.now() - datetime.timedelta(days=89),
        detail={"page": "search", "q": "Alpha", "people": [1], "shown": 1},
    )
    call_command("runjob", "records_retention", stdout=StringIO())
    assert AccessEvent.objects.get(pk=old.pk).detail == {
        "page": "search",
        "people": [1, 2],
        "shown": 2,
    }
    assert AccessEvent.objects.get(pk=recent.pk).detail["q"] == "Alpha"


def _scan(user, *, status, age_days, finished=True):
    scan = ScanImport.objects.create(
        agency=user.acting.agency,
        uploaded_by=user,
        filename="scan.csv",
        sha256=f"{status}{age_days}".ljust(64, "0"),
        content=b"ni_number,last_name\r\nQQ123456C,Synthetic\r\n",
        status=status,
        counts={"rows": 1},
        errors=[{"line": 2, "ni": "QQ123456C", "last_name": "Synthetic", "message": "x"}],
    )
    when = timezone.now() - datetime.timedelta(days=age_days)
    ScanImport.objects.filter(pk=scan.pk).update(
        created_at=when, finished_at=when if finished else None
    )
    return scan


def test_scan_files_are_deleted_after_thirty_days_and_their_counts_stay(ebsa_a):
    old_done = _scan(ebsa_a, status=ScanStatus.DONE, age_days=31)
    old_failed = _scan(ebsa_a, status=ScanStatus.FAILED, age_days=40)
    recent = _scan(ebsa_a, status=ScanStatus.DONE, age_days=29)
    abandoned = _scan(ebsa_a, status=ScanStatus.PREVIEW, age_days=31, finished=False)
    fresh_preview = _scan(ebsa_a, status=ScanStatus.PREVIEW, age_days=1, finished=False)
    result = jobs.registry()["records_retention"]()
    assert result["scan_files_deleted"] == 3
    for scan in (old_done, old_failed):
        scan.refresh_from_db()
        assert bytes(scan.content) == b"" and scan.errors == [] and scan.counts == {"rows": 1}
    recent.refresh_from_db()
    assert b"QQ123456C" in bytes(recent.content) and recent.errors
    assert not ScanImport.objects.filter(pk=abandoned.pk).exists()
    assert ScanImport.objects.filter(pk=fresh_preview.pk).exists()
    assert jobs.registry()["records_retention"]()["scan_files_deleted"] == 0  # safe to run twice
