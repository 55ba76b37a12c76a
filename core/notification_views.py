"""The user's notifications: the list (newest first, paginated), opening one, marking all read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core import notifications


@login_required
def notification_list(request):
    page = Paginator(notifications.for_user(request.user), notifications.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "core/notifications.html",
        {"page": page, "unread": notifications.unread_count(request.user), "querystring": ""},
    )


@login_required
@require_POST
def notification_open(request, pk):
    notice = notifications.open_notification(user=request.user, pk=pk)
    if notice is None:
        raise Http404("Notification not found")
    return redirect(notice.url)


@login_required
@require_POST
def notification_read_all(request):
    count = notifications.mark_all_read(user=request.user)
    if count:
        messages.success(
            request, f"{count} notification{'s' if count != 1 else ''} marked as read."
        )
    return redirect("notifications")
