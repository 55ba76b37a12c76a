from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.services import access_event_record
from casework.selectors import get_case
from consent import policy, selectors, services
from consent.forms import ConsentForm, RestrictedGrantForm, ShareForm, WithdrawForm
from consent.models import RestrictedPersonUserPermission
from core.errors import ApplicationError
from core.views import apply_error


def _person(request, pk):
    if not policy.can(request.user, "person.view"):
        raise PermissionDenied
    return policy.get_person(request.user, pk)


@login_required
def consent_list(request, pk):
    person = _person(request, pk)
    access_event_record(
        user=request.user, action=Action.VIEW, person=person, detail={"page": "consent"}
    )
    return render(
        request,
        "consent/consent_list.html",
        {
            "person": person,
            "consents": selectors.consents_for_person(user=request.user, person=person),
            "sharing": selectors.sharing_summary(user=request.user, person=person),
            "today": policy.today(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def consent_create(request, pk):
    person = _person(request, pk)
    form = ConsentForm(
        request.POST or None,
        initial={"given_on": policy.today(), "purposes": ["employment_support"]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_record(user=request.user, person=person, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request, f"Consent recorded for {form.cleaned_data['recipient_agency'].name}."
            )
            return redirect("consent:consent_list", pk=person.pk)
    return render(request, "consent/consent_form.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def consent_withdraw(request, pk):
    consent = selectors.get_consent(user=request.user, pk=pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_withdraw(
                user=request.user, consent=consent, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request,
                f"Consent withdrawn. {consent.recipient_agency.name} can no longer see this record.",
            )
            return redirect("consent:consent_list", pk=consent.person_id)
    return render(
        request,
        "consent/consent_withdraw.html",
        {"form": form, "consent": consent, "person": consent.person},
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_share(request, pk):
    case = get_case(user=request.user, pk=pk)
    if case.owning_agency_id != request.user.acting.agency_id:
        raise PermissionDenied("Only the agency that owns this case can share it.")
    form = ShareForm(request.POST or None)
    consent_missing = None
    if request.method == "POST" and form.is_valid():
        agency = form.cleaned_data["agency"]
        try:
            services.case_involve(user=request.user, case=case, agency=agency)
        except ApplicationError as exc:
            apply_error(form, exc)
            consent_missing = exc.code == "consent_required"
        else:
            messages.success(
                request,
                f"{agency.name} can now work on this case and see {case.person.full_name}'s record.",
            )
            return redirect("casework:case_detail", pk=case.pk)
    return render(
        request,
        "consent/case_share.html",
        {"form": form, "case": case, "person": case.person, "consent_missing": consent_missing},
    )


@login_required
@require_http_methods(["GET", "POST"])
def restricted_access(request, pk):
    person = _person(request, pk)
    if not policy.can(request.user, "restricted.grant"):
        raise PermissionDenied("Only managers can manage named access.")
    form = RestrictedGrantForm(request.POST or None, agency=request.user.acting.agency)
    if request.method == "POST":
        action = request.POST.get("action", "grant")
        try:
            if action == "restrict":
                services.person_set_restricted(user=request.user, person=person, restricted=True)
                messages.success(request, "Record restricted. Only named staff can now see it.")
                return redirect("consent:restricted_access", pk=person.pk)
            if action == "unrestrict":
                services.person_set_restricted(user=request.user, person=person, restricted=False)
                messages.success(request, "Restriction removed.")
                return redirect("consent:restricted_access", pk=person.pk)
            if action == "revoke":
                from agencies.models import User

                staff = User.objects.filter(pk=request.POST.get("staff_user")).first()
                if staff:
                    services.restricted_access_revoke(
                        user=request.user, person=person, staff_user=staff
                    )
                    messages.success(request, f"Named access removed for {staff}.")
                return redirect("consent:restricted_access", pk=person.pk)
            if form.is_valid():
                services.restricted_access_grant(
                    user=request.user, person=person, staff_user=form.cleaned_data["staff_user"]
                )
                messages.success(
                    request, f"{form.cleaned_data['staff_user']} can now see this record."
                )
                return redirect("consent:restricted_access", pk=person.pk)
        except ApplicationError as exc:
            apply_error(form, exc)
    grants = RestrictedPersonUserPermission.objects.filter(content_object=person).select_related(
        "user"
    )
    return render(
        request,
        "consent/restricted_access.html",
        {"form": form, "person": person, "grants": grants},
    )
