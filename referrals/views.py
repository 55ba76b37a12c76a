from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.services import access_event_record, access_list_record
from casework.models import Person
from casework.selectors import get_case
from consent import policy
from core.errors import ApplicationError, Conflict, NotFound
from core.pagination import Segments, narrow_page
from core.views import apply_error, querystring_without
from referrals import selectors, services
from referrals.forms import (
    AcceptForm,
    DeclineForm,
    InboxFilterForm,
    ProvisionFilterForm,
    ReferralEditForm,
    ReferralForm,
    VersionForm,
    WithdrawForm,
)
from referrals.models import Status

PAGE_SIZE = 25
FORM_ACTIONS = {"decline": DeclineForm, "withdraw": WithdrawForm}
DONE = {
    "accept": "Referral accepted. You can now see the person's record.",
    "decline": "Referral declined.",
    "start": "Referral marked as started.",
    "complete": "Referral marked as completed.",
    "withdraw": "Referral withdrawn.",
}


def _staff_only(user):
    if not policy.can(user, "person.view"):
        raise PermissionDenied("Your role does not give access to referrals.")


def _referral(request, pk):
    _staff_only(request.user)
    try:
        return selectors.get_referral(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _deadline(referral, today) -> str:
    """ "3 working days left", "due today" or "2 working days late" for a referral waiting for an answer."""
    if referral.status != Status.SENT or referral.respond_by is None:
        return ""
    days = services.working_days_between(today, referral.respond_by)
    if referral.respond_by < today:
        late = max(1, -days)
        return f"{late} working day{'s' if late != 1 else ''} late"
    if referral.respond_by == today:
        return "due today"
    return f"{days} working day{'s' if days != 1 else ''} left"


def _form_data(form):
    data = dict(form.cleaned_data)
    data.pop("version", None)
    return data


@login_required
def inbox(request):
    _staff_only(request.user)
    form = InboxFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    direction, status = filters.get("direction", ""), filters.get("status", "")
    counts = selectors.inbox_counts(user=request.user)
    # the first part (incoming, waiting) is the "to answer" count when no status filter narrows it
    known = (
        {0: counts["to_answer"]}
        if direction in ("", "in") and status in ("", Status.SENT)
        else None
    )
    referrals = Segments(
        selectors.inbox_segments(user=request.user, direction=direction, status=status),
        cap=selectors.INBOX_COUNT_CAP,
        known=known,
    )
    page = narrow_page(referrals, request.GET.get("page"), PAGE_SIZE)
    today = policy.today()
    agency_id = request.user.acting.agency_id
    for referral in page.object_list:
        referral.incoming = referral.to_agency_id == agency_id
        referral.deadline = _deadline(referral, today)
    access_list_record(
        user=request.user,
        action=Action.VIEW,
        page="referrals_inbox",
        people=[referral.person_id for referral in page.object_list],
        detail={"filters": {k: v for k, v in filters.items() if v}},
    )
    return render(
        request,
        "referrals/referral_inbox.html",
        {
            "form": form,
            "page": page,
            "counts": counts,
            "shown": {k: selectors.shown(v) for k, v in counts.items()},
            "capped": referrals.capped,
            "querystring": querystring_without(request, "page"),
            "ended_by_withdrawal": selectors.ended_by_consent_withdrawal(user=request.user),
        },
    )


def _viewed(request, person, page, obj=None):
    access_event_record(
        user=request.user, action=Action.VIEW, person=person, obj=obj, detail={"page": page}
    )


def _detail(request, referral, *, error="", status=200):
    access_event_record(user=request.user, action=Action.VIEW, person=referral.person, obj=referral)
    actions = services.available_actions(user=request.user, referral=referral)
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "accept_sites": _accept_sites(request.user, referral) if "accept" in actions else [],
            "involvement": _own_involvement(request.user, referral),
            "referral": referral,
            "person": referral.person,
            "error": error,
            "events": referral.events.select_related("user", "agency"),
            "actions": actions,
            "is_sender": referral.from_agency_id == request.user.acting.agency_id,
            "can_see_person": policy.scope_people(
                Person.objects.filter(pk=referral.person_id), request.user
            ).exists(),
            "deadline": _deadline(referral, policy.today()),
        },
        status=status,
    )


def _own_involvement(user, referral):
    """The receiving agency's open involvement from this referral (its site is changed from here)."""
    if referral.to_agency_id != user.acting.agency_id or referral.status not in (
        Status.ACCEPTED,
        Status.STARTED,
    ):
        return None
    return policy.own_open_involvement(user, referral.case_id)


def _accept_sites(user, referral):
    """The receiving agency's sites for the accept form, the user's own site chosen first."""
    from django.db.models import Exists, OuterRef

    from agencies.models import Site, StaffMembership

    own = StaffMembership.objects.filter(pk=user.acting.membership_id, site=OuterRef("pk"))
    return [
        {"pk": site.pk, "name": site.name, "selected": site.own}
        for site in Site.objects.filter(agency_id=referral.to_agency_id)
        .annotate(own=Exists(own))
        .order_by("name")
    ]


@login_required
def referral_detail(request, pk):
    return _detail(request, _referral(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def referral_create(request, case_pk):
    _staff_only(request.user)
    case = get_case(user=request.user, pk=case_pk)
    form = ReferralForm(
        request.POST or None,
        agency=request.user.acting.agency,
        initial={
            "need": request.GET.get("need", ""),
            "share_categories": ["identity", "employment"],
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(user=request.user, case=case, **_form_data(form))
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("referrals:check", pk=referral.pk)
    _viewed(request, case.person, "referral create form")
    return render(
        request,
        "referrals/referral_form.html",
        {"form": form, "case": case, "person": case.person, "title": "Make a referral"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_edit(request, pk):
    referral = _referral(request, pk)
    if referral.from_agency_id != request.user.acting.agency_id:
        raise PermissionDenied("Only the agency that made this referral can change it.")
    if referral.status != Status.DRAFT:
        messages.info(request, "This referral has been sent, so it can no longer be changed.")
        return redirect("referrals:detail", pk=referral.pk)
    initial = {
        "provision": referral.provision_id,
        "to_agency": None if referral.provision_id else referral.to_agency_id,
        "need": referral.need,
        "reason": referral.reason,
        "share_categories": referral.share_categories,
        "version": referral.version,
    }
    form = ReferralEditForm(
        request.POST or None, agency=request.user.acting.agency, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_update(
                user=request.user,
                referral=referral,
                version=form.cleaned_data["version"],
                **_form_data(form),
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("referrals:check", pk=referral.pk)
    _viewed(request, referral.person, "referral edit form", obj=referral)
    return render(
        request,
        "referrals/referral_form.html",
        {
            "form": form,
            "case": referral.case,
            "person": referral.person,
            "referral": referral,
            "title": "Change the referral",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_check(request, pk):
    """Check your answers, then send (GOV.UK pattern): flags duplicates and missing consent first."""
    referral = _referral(request, pk)
    if referral.from_agency_id != request.user.acting.agency_id:
        raise PermissionDenied("Only the agency that made this referral can send it.")
    if referral.status != Status.DRAFT:
        return redirect("referrals:detail", pk=referral.pk)
    error = ""
    if request.method == "POST":
        form = VersionForm(request.POST)
        version = form.cleaned_data.get("version") if form.is_valid() else None
        try:
            services.referral_send(user=request.user, referral=referral, version=version)
        except ApplicationError as exc:
            if exc.status_code in (403, 404):
                apply_error(form, exc)
            error = exc.message
        else:
            messages.success(
                request,
                f"Referral sent to {referral.to_agency.name}. They have been told by email.",
            )
            return redirect("referrals:detail", pk=referral.pk)
        referral = _referral(request, pk)
    problem = services.consent_problem(referral)
    _viewed(request, referral.person, "referral check", obj=referral)
    return render(
        request,
        "referrals/referral_check.html",
        {
            "referral": referral,
            "case": referral.case,
            "person": referral.person,
            "error": error,
            "consent_problem": problem,
            "duplicates": services.possible_duplicates(
                person=referral.person,
                provision=referral.provision,
                to_agency=referral.to_agency,
                exclude_pk=referral.pk,
            ),
            "respond_days": (
                referral.provision.response_working_days
                if referral.provision_id
                else settings.REFERRAL_RESPONSE_WORKING_DAYS
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_action(request, pk, action):
    """accept / start / complete (buttons on the detail page) and decline / withdraw (a form with a reason)."""
    referral = _referral(request, pk)
    if action not in services.TRANSITIONS:
        raise Http404("Unknown action")
    form_class = FORM_ACTIONS.get(action)
    if request.method == "GET":
        if form_class is None:
            return redirect("referrals:detail", pk=referral.pk)
        if action not in services.available_actions(user=request.user, referral=referral):
            return _detail(
                request,
                referral,
                error=f"This referral {services.STATUS_WORDS[referral.status]}: "
                "you cannot do this now.",
            )
    data = request.POST if request.method == "POST" else None
    if action == "accept":
        form = AcceptForm(data, initial={"version": referral.version}, agency=referral.to_agency)
    else:
        form = (form_class or VersionForm)(data, initial={"version": referral.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.TRANSITIONS[action](user=request.user, referral=referral, **form.cleaned_data)
        except ApplicationError as exc:
            if exc.status_code in (403, 404):
                apply_error(form, exc)  # raises: 403 / 404 pages
            if form_class is None or isinstance(exc, Conflict):
                return _detail(
                    request, _referral(request, pk), error=exc.message, status=exc.status_code
                )
            apply_error(form, exc)
        else:
            messages.success(request, DONE[action])
            return redirect("referrals:detail", pk=referral.pk)
    elif request.method == "POST" and action == "accept":
        error = next(iter(form.errors.values()))[0]
        return _detail(request, referral, error=error, status=400)
    elif request.method == "POST" and form_class is None:
        return redirect("referrals:detail", pk=referral.pk)
    _viewed(request, referral.person, "referral action form", obj=referral)
    return render(
        request,
        f"referrals/referral_{action}.html",
        {"form": form, "referral": referral, "person": referral.person},
    )


@login_required
def provision_list(request):
    _staff_only(request.user)
    form = ProvisionFilterForm(request.GET or None)
    provisions = selectors.provision_list()
    if form.is_valid() and form.cleaned_data.get("setting"):
        provisions = provisions.filter(setting=form.cleaned_data["setting"])
    return render(
        request, "referrals/provision_list.html", {"form": form, "provisions": provisions}
    )
