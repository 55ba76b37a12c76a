"""Small helpers shared by the apps' views."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect

from core.errors import ApplicationError, Forbidden, NotFound


def apply_error(form, exc: ApplicationError) -> None:
    """Show a service refusal on the form (next to its field when it names one)."""
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    if isinstance(exc, Forbidden):
        raise PermissionDenied(exc.message)
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def querystring_without(request, *names) -> str:
    """The current query string less some keys (pagination links keep the filters)."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def safe_next(request) -> str:
    """The page to return to after a detour (?next=), if it is a path on this site; else ""."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.GET.get("next", "")
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return ""


def save_with(request, form, func, success, redirect_to, **kwargs):
    """Call a service with the form's data; show its refusal on the form (what was typed stays).

    Returns a redirect with a success message, or None to render the form again.
    """
    try:
        func(user=request.user, **kwargs)
    except ApplicationError as exc:
        apply_error(form, exc)
        return None
    messages.success(request, success)
    return redirect(redirect_to)
