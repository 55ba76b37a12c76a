"""Sign-in lockout (django-axes): the backend first in AUTHENTICATION_BACKENDS and the attempt handler."""

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out username or client address before any password is checked.

    Every web and API sign-in passes the request. Only in-process callers with no request
    (the test client's login()) skip the check, instead of failing with an exception.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class SignInAttemptHandler(AxesDatabaseHandler):
    """django-axes' database handler, except that a successful sign-in clears the failures of that
    username only. The address's failures with other usernames stay, so an attacker who owns one
    account cannot sign into it between guesses to reset the address count (password spraying)."""

    def reset_user_attempts(self, request, credentials=None) -> int:
        from axes.helpers import get_client_username
        from axes.models import AccessAttempt

        username = get_client_username(request, credentials)
        if not username:
            return 0
        deleted, _ = AccessAttempt.objects.filter(username=username).delete()
        return deleted
