"""Uploaded matching-scan files are kept SCAN_FILE_RETENTION_DAYS (30) days after they were
imported or failed, then the file and the rows it could not import (NI numbers, prison numbers,
surnames) are deleted; the counts stay. A preview never confirmed is deleted with its file after
the same period. Run by the records_retention job; safe to run twice.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Length
from django.utils import timezone

from custody.models import ScanImport, ScanStatus


def cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    now = now or timezone.now()
    return now - datetime.timedelta(days=settings.SCAN_FILE_RETENTION_DAYS)


@transaction.atomic
def scan_files_expire(*, now: datetime.datetime | None = None) -> int:
    """Returns how many scans lost their file."""
    before = cutoff(now)
    abandoned, _ = ScanImport.objects.filter(
        status=ScanStatus.PREVIEW, created_at__lt=before
    ).delete()
    finished = (
        ScanImport.objects.filter(status__in=[ScanStatus.DONE, ScanStatus.FAILED])
        .filter(Q(finished_at__lt=before) | Q(finished_at__isnull=True, created_at__lt=before))
        .annotate(size=Length("content"))
        .filter(Q(size__gt=0) | ~Q(errors=[]))
    )
    cleared = finished.update(content=b"", errors=[])
    return abandoned + cleared
