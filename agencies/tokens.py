"""API tokens that end (SECURITY.md, "API tokens").

The key is 40 random bytes, URL-safe, shown once when it is issued; the database keeps only its
SHA-256 digest (a key is high-entropy, so a fast hash is enough and a leaked table gives no key).
A token works while all of these hold: not revoked; used within API_TOKEN_IDLE_SECONDS (8 hours)
and issued less than API_TOKEN_ABSOLUTE_SECONDS (7 days) ago; the user is active; the user's
password and session salt are those it was issued under (so a password change or "sign out
everywhere" ends it); and, for a user who needs two-factor, it was issued after a code was checked.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agencies.models import ApiToken

KEYWORD = "Token"
# last_used_at is written at most this often, so a busy client does not write on every request.
TOUCH_EVERY = datetime.timedelta(seconds=60)


class TokenRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def user_fingerprint(user) -> str:
    """Changes when the password or the session salt changes (see User._get_session_auth_hash)."""
    return hashlib.sha256(user.get_session_auth_hash().encode()).hexdigest()


def idle_limit() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.API_TOKEN_IDLE_SECONDS)


@transaction.atomic
def api_token_issue(*, user, two_factor: bool) -> tuple[ApiToken, str]:
    """A new token for the user; returns it and the key (the only time the key exists)."""
    key = secrets.token_urlsafe(40)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        key_digest=key_digest(key),
        user_fingerprint=user_fingerprint(user),
        two_factor=two_factor,
        last_used_at=now,
        expires_at=now + datetime.timedelta(seconds=settings.API_TOKEN_ABSOLUTE_SECONDS),
    )
    return token, key


def api_token_find(key: str) -> ApiToken:
    """The live token for this key, or TokenRefused saying why not. Does not record the use."""
    from agencies.security import requires_two_factor

    token = (
        ApiToken.objects.select_related("user").filter(key_digest=key_digest(key.strip())).first()
    )
    now = timezone.now()
    if token is None or token.revoked_at is not None:
        raise TokenRefused("token_invalid", "Invalid token.")
    if token.expires_at <= now or token.last_used_at + idle_limit() <= now:
        raise TokenRefused("token_expired", "Your token has expired. Ask for a new one.")
    user = token.user
    if not user.is_active or token.user_fingerprint != user_fingerprint(user):
        raise TokenRefused("token_invalid", "Invalid token.")
    if requires_two_factor(user) and not token.two_factor:
        raise TokenRefused(
            "two_factor_required", "Ask for a new token with the code from your authenticator app."
        )
    return token


def api_token_use(key: str) -> ApiToken:
    """api_token_find, then record the use (keeps the idle limit from the last request)."""
    token = api_token_find(key)
    now = timezone.now()
    if now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_revoke(*, token: ApiToken, reason: str) -> ApiToken:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )
    token.refresh_from_db()
    return token


def user_api_tokens_revoke(*, user, reason: str) -> int:
    """Revoke every live token of the user; returns how many."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )
