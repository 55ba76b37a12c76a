from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from core.errors import ApplicationError, Forbidden, NotFound


class ApplicationErrorMiddleware:
    """Web pages: NotFound -> 404, Forbidden -> 403, any other unhandled refusal -> a 400 page with the message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, NotFound):
            raise Http404(exception.message)
        if isinstance(exception, Forbidden):
            raise PermissionDenied(exception.message)
        if isinstance(exception, ApplicationError):
            return render(request, "400.html", {"message": exception.message}, status=exception.status_code)
        return None
