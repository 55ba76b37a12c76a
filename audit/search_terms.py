"""Search terms in access events are kept SEARCH_TERM_RETENTION_DAYS (90) days, then removed.

A search's event keeps who searched, when, on which page and which people it showed (`people`);
the words searched for (`q`, and the list filters, which include them) can be a name or an NI
number and are removed after the period by the records_retention job. The audit table is
append-only: the only path that may change an event is audit.retention.access_event_redact (the
privileged redaction function of the append-only audit log, issue 16), which removes keys from
`detail` and nothing else.
"""

import datetime

from django.conf import settings
from django.utils import timezone

from audit.retention import access_event_redact

SEARCH_TERM_KEYS = ("filters", "q")


def cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    now = now or timezone.now()
    return now - datetime.timedelta(days=settings.SEARCH_TERM_RETENTION_DAYS)


def search_terms_expire(*, now: datetime.datetime | None = None) -> int:
    """Remove the search terms of events older than the period; returns how many events changed."""
    return access_event_redact(before=cutoff(now), keys=list(SEARCH_TERM_KEYS))
