from agencies import acting


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
