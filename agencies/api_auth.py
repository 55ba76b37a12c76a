"""API authentication that also settles the acting agency (header X-Acting-Agency)."""

from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication

from agencies import acting


def _attach(request, result):
    if result is None:
        return None
    user, auth = result
    requested = request.META.get("HTTP_X_ACTING_AGENCY")
    if requested is None and hasattr(request, "session"):
        requested = request.session.get(acting.SESSION_KEY)
    try:
        acting.attach(user, requested)
    except LookupError:
        raise exceptions.PermissionDenied(
            "You are not a member of the agency in X-Acting-Agency."
        ) from None
    return user, auth


class ActingTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        return _attach(request, super().authenticate(request))


class ActingSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        return _attach(request, super().authenticate(request))
