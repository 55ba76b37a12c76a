"""Pages for scan work items (custody.scan_items): the list, one item with the people it could be,
adding the person, and dismissing the item."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.services import access_event_record
from casework import dedupe
from casework import services as casework_services
from casework.forms import PersonCreateForm
from consent import policy
from core.errors import ApplicationError
from core.views import apply_error, querystring_without
from custody import scan_items
from custody.forms import ScanItemDismissForm, ScanItemFindForm
from custody.models import ScanItemState

PAGE_SIZE = 50
STATES = {
    "open": ScanItemState.OPEN,
    "resolved": ScanItemState.RESOLVED,
    "dismissed": ScanItemState.DISMISSED,
    "all": "",
}


def _items_only(user):
    if not policy.can(user, "scan_item.work"):
        raise Http404


def _viewed(request, item, page):
    access_event_record(
        user=request.user,
        action=Action.VIEW,
        obj=item,
        detail={"page": page, "scan_item": item.pk},
    )


@login_required
def item_list(request):
    _items_only(request.user)
    state = request.GET.get("state", "open")
    if state not in STATES:
        state = "open"
    page = Paginator(scan_items.scan_items(user=request.user, state=STATES[state]), PAGE_SIZE)
    page = page.get_page(request.GET.get("page"))
    access_event_record(
        user=request.user,
        action=Action.VIEW,
        detail={"page": "custody:scan_items", "state": state, "shown": len(page.object_list)},
    )
    return render(
        request,
        "custody/scan_items.html",
        {
            "page": page,
            "state": state,
            "states": [
                ("open", "To do"),
                ("resolved", "Claim closure recorded"),
                ("dismissed", "Dismissed"),
                ("all", "All"),
            ],
            "querystring": querystring_without(request, "page"),
        },
    )


@login_required
def item_detail(request, pk):
    _items_only(request.user)
    item = scan_items.get_scan_item(user=request.user, pk=pk)
    form = ScanItemFindForm(request.GET or None)
    found = None
    if item.is_open_item:
        query = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
        if not form.is_bound or form.is_valid():
            found = scan_items.candidates(user=request.user, row=item, query=query)
    _viewed(request, item, "custody:scan_item")
    if found is not None:
        access_event_record(
            user=request.user,
            action=Action.SEARCH,
            detail={
                "page": "custody:scan_item",
                "scan_item": item.pk,
                "people": [person.pk for person in found],
            },
        )
    return render(
        request,
        "custody/scan_item_detail.html",
        {
            "item": item,
            "form": form,
            "found": found,
            "may_add_person": policy.can(request.user, "person.create"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_dismiss(request, pk):
    _items_only(request.user)
    item = scan_items.get_scan_item(user=request.user, pk=pk)
    if not item.is_open_item:
        messages.info(request, "That work item has already been dealt with.")
        return redirect("custody:scan_item_detail", pk=item.pk)
    form = ScanItemDismissForm(request.POST or None, initial={"version": item.version})
    if request.method == "POST" and form.is_valid():
        try:
            scan_items.scan_item_dismiss(user=request.user, row=item, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"Work item for {item.last_name} dismissed.")
            return redirect("custody:scan_items")
    _viewed(request, item, "custody:scan_item_dismiss")
    return render(request, "custody/scan_item_dismiss.html", {"item": item, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def item_add_person(request, pk):
    """Add the row's person to Resettle (the EBSA's Jobcentre then holds the record it created),
    then record their claim closure from the row."""
    _items_only(request.user)
    if not policy.can(request.user, "person.create"):
        raise PermissionDenied
    item = scan_items.get_scan_item(user=request.user, pk=pk)
    if not item.is_open_item:
        messages.info(request, "That work item has already been dealt with.")
        return redirect("custody:scan_item_detail", pk=item.pk)
    form = PersonCreateForm(request.POST or None, initial=scan_items.person_initial(item))
    context = {"item": item, "form": form, "title": "Add the person from the scan"}
    if request.method == "POST" and form.is_valid():
        try:
            person = casework_services.person_create(user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
            context.update(dedupe.page_context(exc))  # one record per person
        else:
            messages.success(
                request, f"{person.full_name} has been added. Now record their claim closure."
            )
            return redirect(
                reverse("custody:closure_create", args=[person.pk]) + f"?item={item.pk}"
            )
    _viewed(request, item, "custody:scan_item_add_person")
    return render(request, "custody/scan_item_add_person.html", context)
