"""Two-factor enrolment codes: a user without an authenticator app adds one only with a one-time
code from an administrator (admin action "Issue a two-factor set-up code", or
`manage.py two_factor_code <username>` for the first administrator). The code is 12 characters
from an alphabet without look-alikes (about 59 bits), lasts TWO_FACTOR_ENROLMENT_HOURS (72), works
once, and replaces any earlier unused code; only its SHA-256 digest is stored.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agencies.models import TwoFactorEnrolment

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _digest(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


@transaction.atomic
def two_factor_enrolment_issue(*, user, issued_by=None) -> tuple[TwoFactorEnrolment, str]:
    """A new set-up code for the user (earlier unused codes stop working); returns it and the code."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    code = "-".join(raw[i : i + 4] for i in range(0, 12, 4))
    TwoFactorEnrolment.objects.filter(user=user, used_at__isnull=True).delete()
    hours = getattr(settings, "TWO_FACTOR_ENROLMENT_HOURS", 72)
    enrolment = TwoFactorEnrolment.objects.create(
        user=user,
        code_digest=_digest(code),
        issued_by=issued_by,
        expires_at=timezone.now() + datetime.timedelta(hours=hours),
    )
    return enrolment, code


def _live(user):
    return TwoFactorEnrolment.objects.filter(
        user=user, used_at__isnull=True, expires_at__gt=timezone.now()
    )


def two_factor_enrolment_check(*, user, code: str) -> TwoFactorEnrolment | None:
    """The user's live enrolment for this code, or None."""
    if not _normalise(code):
        return None
    return _live(user).filter(code_digest=_digest(code)).first()


def two_factor_enrolment_live(*, user, pk) -> TwoFactorEnrolment | None:
    if pk is None:
        return None
    return _live(user).filter(pk=pk).first()


@transaction.atomic
def two_factor_enrolment_use(*, enrolment: TwoFactorEnrolment) -> bool:
    """Mark the code used; False if it was used or expired meanwhile."""
    updated = (
        TwoFactorEnrolment.objects.select_for_update()
        .filter(pk=enrolment.pk, used_at__isnull=True, expires_at__gt=timezone.now())
        .update(used_at=timezone.now())
    )
    return updated == 1
