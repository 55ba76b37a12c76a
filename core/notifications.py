"""In-app notifications: the events that send an email (referral received, answered or withdrawn;
referrals overdue; retention checks due; a consent expired; a hand-off waiting) also leave a notice
in each recipient's list, with an unread count in the header. Like the emails they carry no
personal data: the link leads into Resettle, where the access policy decides what is shown.
"""

from django.db import transaction
from django.utils import timezone

from core.models import Notification

PAGE_SIZE = 25


def notify(*, users, kind: str, message: str, url: str) -> int:
    """One unread notice per user (ids or users; inactive users skipped by the callers' queries)."""
    ids = sorted({getattr(u, "pk", u) for u in users if u is not None})
    if not ids:
        return 0
    if not url.startswith("/") or url.startswith("//"):
        raise ValueError("a notification links to a path on this site")
    Notification.objects.bulk_create(
        Notification(user_id=pk, kind=kind, message=message[:300], url=url[:300]) for pk in ids
    )
    return len(ids)


def notify_on_commit(**kwargs) -> None:
    """notify() once the surrounding transaction commits (nothing is said of a change rolled back)."""
    transaction.on_commit(lambda: notify(**kwargs))


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def for_user(user):
    return Notification.objects.filter(user=user)


def open_notification(*, user, pk: int) -> Notification | None:
    """The user's own notice, marked read (None for anyone else's: a 404 to the page)."""
    notice = Notification.objects.filter(user=user, pk=pk).first()
    if notice is not None and notice.read_at is None:
        Notification.objects.filter(pk=notice.pk).update(read_at=timezone.now())
    return notice


def mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
