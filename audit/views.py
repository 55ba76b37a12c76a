from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from agencies.models import User
from audit import selectors
from audit.models import Action
from audit.services import access_event_record
from consent import policy


@login_required
def person_access_log(request, pk):
    if not policy.can(request.user, "audit.view_person"):
        raise PermissionDenied
    person = policy.get_person(request.user, pk)
    access_event_record(user=request.user, action=Action.VIEW, person=person, detail={"page": "access_log"})
    page = Paginator(selectors.access_log_for_person(person=person, limit=None), 50).get_page(request.GET.get("page"))
    return render(request, "audit/person_access_log.html", {"person": person, "page": page})


@login_required
def user_access(request):
    """A manager lists everything one member of their agency has accessed."""
    if not policy.can(request.user, "audit.view_user"):
        raise PermissionDenied("Only managers can review staff access.")
    agency = request.user.acting.agency
    staff = User.objects.filter(memberships__agency=agency).distinct().order_by("username")
    selected = staff.filter(pk=request.GET.get("user") or 0).first() if request.GET.get("user", "").isdigit() else None
    page = None
    if selected:
        page = Paginator(selectors.access_log_for_user(staff_user=selected, agency=agency), 50).get_page(request.GET.get("page"))
    return render(request, "audit/user_access.html", {"staff": staff, "selected": selected, "page": page})
