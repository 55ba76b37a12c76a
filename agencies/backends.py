"""Sign-in lockout backend (django-axes), first in AUTHENTICATION_BACKENDS."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out username or client address before any password is checked.

    Every web and API sign-in passes the request. Only in-process callers with no request
    (the test client's login()) skip the check, instead of failing with an exception.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
