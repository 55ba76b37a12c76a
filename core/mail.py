"""Email helpers: absolute links for emails, and the backend production uses when no mail server is set.

Emails leave the system, so they carry no names, and every link in them is absolute, built from
SITE_URL (`absolute_url`). The console and file backends print whole messages (addresses, bodies)
into logs, so production never uses them (settings): without EMAIL_HOST it uses `SummaryBackend`,
which logs only how many messages were not sent.
"""

import logging

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

logger = logging.getLogger(__name__)


def absolute_url(name: str, *args, query: str = "") -> str:
    """The full address of a named URL on this site, for emails (`SITE_URL` + path [+ ?query])."""
    url = settings.SITE_URL.rstrip("/") + reverse(name, args=args)
    return f"{url}?{query}" if query else url


class SummaryBackend(BaseEmailBackend):
    """Sends nothing and logs only a count: no address, subject or body reaches the log."""

    def send_messages(self, email_messages):
        count = len(list(email_messages or []))
        if count:
            logger.warning(
                "%d email(s) not sent: set EMAIL_HOST (and EMAIL_BACKEND) to deliver mail", count
            )
        return count
