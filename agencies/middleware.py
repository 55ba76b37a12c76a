from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from agencies import acting
from agencies.security import requires_two_factor


class ActingAgencyMiddleware:
    """Sets request.user.acting from the agency chosen in the session (or the first membership)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                acting.attach(user, request.session.get(acting.SESSION_KEY))
            except LookupError:
                request.session.pop(acting.SESSION_KEY, None)
                acting.attach(user)
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """A manager or administrator without a verified device this session goes to set up or verify one.

    The API answers 403 to such a session cookie (token sign-in asks for a code instead, see
    agencies.api_auth.ObtainTokenView). Needs django_otp's OTPMiddleware before it.
    """

    EXEMPT_PREFIXES = ("/two-factor/", "/sign-out/", "/sign-in/", "/static/", "/accessibility/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.EXEMPT_PREFIXES)
            and requires_two_factor(user)
            and not user.is_verified()
        ):
            from django_otp import user_has_device

            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "code": "two_factor_required",
                        "detail": "Verify your sign-in with two-factor authentication first.",
                    },
                    status=403,
                )

            target = (
                "agencies:two_factor_verify"
                if user_has_device(user)
                else "agencies:two_factor_setup"
            )
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
