"""Search terms in access events are kept SEARCH_TERM_RETENTION_DAYS (90) days, then removed.

A search's event keeps who searched, when, on which page and which people it showed (`people`);
the words searched for (`q`, and the list filters, which include them) can be a name or an NI
number and are removed after the period by the records_retention job. The audit table is
append-only: the only path that may change an event is audit.retention.access_event_redact (the
privileged redaction function of the append-only audit log, issue 16), which removes keys from
`detail` and nothing else.
"""

import datetime
import logging

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

SEARCH_TERM_KEYS = ("filters", "q")


def cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    now = now or timezone.now()
    return now - datetime.timedelta(days=settings.SEARCH_TERM_RETENTION_DAYS)


def _redactor():
    try:
        from audit.retention import access_event_redact
    except ImportError:  # until the append-only audit log (issue 16) is merged: nothing may change
        return None
    return access_event_redact


def search_terms_expire(*, now: datetime.datetime | None = None) -> int:
    """Remove the search terms of events older than the period; returns how many events changed."""
    redact = _redactor()
    if redact is None:
        logger.warning("search terms not removed: audit.retention.access_event_redact is missing")
        return 0
    return redact(before=cutoff(now), keys=list(SEARCH_TERM_KEYS))
