"""API authentication that also settles the acting agency (header X-Acting-Agency).

Tokens are agencies.tokens.ApiToken (hashed, expiring, revocable); `Authorization: Token <key>`.
"""

from rest_framework import exceptions
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)

from agencies import acting, tokens


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


def token_key_from(request) -> str | None:
    """The key in `Authorization: Token <key>`, or None when the header is not a token."""
    parts = get_authorization_header(request).split()
    if not parts or parts[0].lower() != tokens.KEYWORD.lower().encode():
        return None
    if len(parts) != 2:
        raise exceptions.AuthenticationFailed("Invalid token header.")
    try:
        return parts[1].decode()
    except UnicodeError:
        raise exceptions.AuthenticationFailed("Invalid token header.") from None


class ActingTokenAuthentication(BaseAuthentication):
    keyword = tokens.KEYWORD

    def authenticate(self, request):
        key = token_key_from(request)
        if key is None:
            return None
        try:
            token = tokens.api_token_use(key)
        except tokens.TokenRefused as refused:
            raise exceptions.AuthenticationFailed(refused.message, code=refused.code) from None
        return _attach(request, (token.user, token))

    def authenticate_header(self, request):
        return self.keyword


class ActingSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        return _attach(request, super().authenticate(request))
