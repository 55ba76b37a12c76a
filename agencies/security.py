"""Sign-in security rules: who needs two-factor, and signing a user out of every session."""

from django.conf import settings
from django.db import transaction
from django.utils.crypto import get_random_string

from agencies.models import Role

TWO_FACTOR_ROLES = {Role.MANAGER, Role.ADMIN}


def requires_two_factor(user) -> bool:
    """Managers and administrators (any membership, or Django staff/superuser) need a verified device."""
    if not getattr(settings, "OTP_REQUIRED_FOR_MANAGERS", True) or not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    cached = getattr(user, "_requires_two_factor", None)
    if cached is None:
        cached = user.memberships.filter(is_active=True, role__in=TWO_FACTOR_ROLES).exists()
        user._requires_two_factor = cached
    return cached


@transaction.atomic
def user_sign_out_everywhere(*, user) -> int:
    """End every session of the user (a new session salt) and revoke their API tokens.

    Returns the number of API tokens revoked."""
    from agencies.tokens import user_api_tokens_revoke

    user.session_salt = get_random_string(32)
    user.save(update_fields=["session_salt"])
    return user_api_tokens_revoke(user=user, reason="sign_out_everywhere")


def user_access_changed(*, user) -> int:
    """A membership changed or ended, or the account was deactivated: the user's API tokens end
    (the next token is issued under the new rights). Sessions re-read memberships on every request.

    Returns the number of API tokens revoked."""
    from agencies.tokens import user_api_tokens_revoke

    return user_api_tokens_revoke(user=user, reason="staff_change")
