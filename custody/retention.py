"""Retention of uploaded matching scans (issue 16): a stored file and what was read from it are kept
UPLOAD_RETENTION_DAYS (30) days after upload, then deleted by `runjob records_retention`.

- Never imported (still being checked, awaiting confirmation, or refused before confirmation): the
  whole record and its file go.
- Imported (or an import that failed part-way): the file, the preview rows and the list of problem
  rows (names and identifiers from the file) go; the counts and the file's hash stay, so the same file
  is still refused if uploaded again. The reconciled rows (ScanRow) are case records and follow records
  retention like every other row linked to a person.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from custody.models import ScanImport, ScanStatus


def cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(days=settings.UPLOAD_RETENTION_DAYS)


def _delete_files(names: list[str]) -> None:
    storage = ScanImport._meta.get_field("upload").storage
    for name in names:
        if name:
            storage.delete(name)


@transaction.atomic
def scan_uploads_retention(now: datetime.datetime | None = None) -> dict:
    """Delete stored scans past the retention period. Safe to run twice."""
    now = now or timezone.now()
    old = ScanImport.objects.filter(created_at__lt=cutoff(now))
    never_imported = old.filter(
        Q(status__in=[ScanStatus.PARSING, ScanStatus.PREVIEW])
        | Q(status=ScanStatus.FAILED, confirmed_at__isnull=True)
    )
    imported = old.filter(
        Q(status=ScanStatus.DONE) | Q(status=ScanStatus.FAILED, confirmed_at__isnull=False),
        upload_deleted_at__isnull=True,
    )
    names = list(never_imported.values_list("upload", flat=True))
    names += list(imported.values_list("upload", flat=True))
    deleted, _ = never_imported.delete()
    blanked = imported.update(upload="", preview=[], errors=[], upload_deleted_at=now)
    transaction.on_commit(lambda: _delete_files(names))
    return {
        "scans_deleted": deleted,
        "scans_blanked": blanked,
        "scan_files_deleted": len([n for n in names if n]),
    }
