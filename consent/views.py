from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from audit.models import Action
from audit.services import access_event_record, access_list_record
from casework.selectors import get_case
from consent import policy, selectors, services
from consent import sections as S
from consent.forms import (
    ConsentForm,
    ConsentFormPrintForm,
    EmergencyAccessForm,
    EmergencyReviewForm,
    InvolvementSiteForm,
    RestrictedGrantForm,
    RestrictForm,
    ShareForm,
    WithdrawForm,
)
from consent.models import CaseInvolvement
from core.errors import ApplicationError
from core.views import apply_error, safe_next, save_with


def _person(request, pk):
    if not policy.can(request.user, "person.view"):
        raise PermissionDenied
    return policy.get_person(request.user, pk)


def _viewed(request, person, page, obj=None):
    access_event_record(
        user=request.user, action=Action.VIEW, person=person, obj=obj, detail={"page": page}
    )


@login_required
def consent_list(request, pk):
    person = _person(request, pk)
    access = policy.access_for(request.user, person)
    if access.emergency is not None:
        raise Http404("Not found")
    _viewed(request, person, "consent")
    return render(
        request,
        "consent/consent_list.html",
        {
            "person": person,
            "consents": selectors.consents_for_person(user=request.user, person=person),
            "sharing": selectors.sharing_summary(user=request.user, person=person, access=access),
            "today": policy.today(),
            "can_record": policy.can(request.user, "consent.record"),
            "is_owner": access.owner,
            "print_form": ConsentFormPrintForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def consent_create(request, pk):
    person = _person(request, pk)
    if not policy.can(request.user, "consent.record"):
        raise PermissionDenied("Your role does not allow you to record consent.")
    recipients = policy.consent_recipients(request.user, person)
    if not recipients.exists():
        raise PermissionDenied("Your agency cannot record consent for this person.")
    # a detour from another task (the referral being written): back there once consent is saved,
    # with the agency it was for already chosen
    back_to = safe_next(request)
    initial = {"given_on": policy.today(), "form_version": services.CONSENT_FORM_VERSION}
    wanted = request.GET.get("recipient", "")
    if wanted.isdigit() and recipients.filter(pk=int(wanted)).exists():
        initial["recipient_agency"] = int(wanted)
    form = ConsentForm(request.POST or None, recipients=recipients, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            services.consent_record,
            f"Consent recorded for {form.cleaned_data['recipient_agency'].name}.",
            back_to or reverse("consent:consent_list", args=[person.pk]),
            person=person,
            **form.service_kwargs(),
        )
        if done:
            return done
    _viewed(request, person, "consent form")
    return render(
        request,
        "consent/consent_form.html",
        {
            "form": form,
            "person": person,
            "is_owner": policy.is_owner(request.user, person),
            "back_to": back_to,
        },
    )


@login_required
def consent_form_pdf(request, pk):
    """The printable consent form: the version's wording, purposes and information in plain
    English, every box empty for the person to tick, and signature lines. An audited download."""
    person = _person(request, pk)
    if (
        not policy.can(request.user, "consent.record")
        or not policy.consent_recipients(request.user, person).exists()
    ):
        raise PermissionDenied("Your agency cannot record consent for this person.")
    form = ConsentFormPrintForm(request.GET or None)
    recipient = form.cleaned_data.get("recipient_agency") if form.is_valid() else None
    from core.pdf import render_pdf

    html = render_to_string(
        "pdf/consent_form.html",
        {
            "person": person,
            "show_identity": policy.sees(request.user, person, S.Section.IDENTITY),
            "recipient": recipient,
            "version": services.CONSENT_FORM_VERSION,
            "purposes": services.PURPOSE_WORDING,
            "plain": [(c, S.PLAIN_ENGLISH[c]) for c in S.NON_SENSITIVE],
            "sensitive": [(c, S.PLAIN_ENGLISH[c]) for c in S.PARTS],
            "printed_on": policy.today(),
        },
    )
    pdf = render_pdf(html)
    access_event_record(
        user=request.user,
        action=Action.DOWNLOAD,
        person=person,
        detail={"page": "consent form", "recipient_agency": recipient.pk if recipient else None},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="consent-form-{services.CONSENT_FORM_VERSION}-{person.pk}.pdf"'
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def consent_withdraw(request, pk):
    consent = selectors.get_consent(user=request.user, pk=pk)
    if not policy.may_withdraw_consent(request.user, consent):
        raise PermissionDenied(
            "Only the agency that owns this person's case, or the agency the consent was given "
            "to, can withdraw it."
        )
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            services.consent_withdraw,
            f"Consent withdrawn. {consent.recipient_agency.name} can no longer see this record.",
            reverse("consent:consent_list", args=[consent.person_id]),
            consent=consent,
            reason=form.cleaned_data["reason"],
        )
        if done:
            return done
    _viewed(request, consent.person, "consent withdrawal form", obj=consent)
    return render(
        request,
        "consent/consent_withdraw.html",
        {"form": form, "consent": consent, "person": consent.person},
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_share(request, pk):
    case = get_case(user=request.user, pk=pk)
    if not policy.owns_case(request.user, case):
        raise PermissionDenied("Only the agency that owns this case can share it.")
    form = ShareForm(request.POST or None)
    consent_missing = None
    if request.method == "POST" and form.is_valid():
        agency = form.cleaned_data["agency"]
        try:
            services.case_involve(
                user=request.user,
                case=case,
                agency=agency,
                categories=form.cleaned_data["categories"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
            consent_missing = exc.code == "consent_required"
        else:
            waiting = services.not_yet_consented(
                person=case.person, agency=agency, categories=form.cleaned_data["categories"]
            )
            note = (
                " Not yet consented, so not shown until the person agrees: "
                + ", ".join(S.DataCategory(c).label.lower() for c in waiting)
                + "."
                if waiting
                else ""
            )
            messages.success(
                request, f"{agency.name} can now work on this case and see what you shared.{note}"
            )
            return redirect("casework:case_detail", pk=case.pk)
    _viewed(request, case.person, "share form", obj=case)
    return render(
        request,
        "consent/case_share.html",
        {"form": form, "case": case, "person": case.person, "consent_missing": consent_missing},
    )


@login_required
@require_POST
def involvement_end(request, pk, involvement_pk):
    case = get_case(user=request.user, pk=pk)
    if not policy.owns_case(request.user, case):
        raise PermissionDenied("Only the agency that owns this case can stop sharing it.")
    involvement = CaseInvolvement.objects.filter(case=case, pk=involvement_pk).first()
    if involvement is None:
        raise Http404("Not found")
    try:
        services.case_involvement_end(user=request.user, involvement=involvement)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{involvement.agency.name} no longer works on this case.")
    return redirect("casework:case_detail", pk=case.pk)


@login_required
@require_http_methods(["GET", "POST"])
def involvement_site(request, involvement_pk):
    """The involved agency records which of its own sites works the case (only that agency)."""
    involvement = (
        CaseInvolvement.objects.select_related("case__person", "agency", "site")
        .filter(
            pk=involvement_pk, agency_id=getattr(policy.acting_of(request.user), "agency_id", None)
        )
        .first()
    )
    if involvement is None or not policy.access_for(request.user, involvement.case.person).visible:
        raise Http404("Not found")  # another agency's involvement is a 404
    if not policy.may_change_involvement_site(request.user, involvement):
        raise PermissionDenied(
            "Only your agency's staff can change the site while it works on the case."
        )
    back = (
        reverse("casework:case_detail", args=[involvement.case_id])
        if policy.sees(request.user, involvement.case.person, S.Section.CASE)
        else reverse("referrals:inbox")
    )
    form = InvolvementSiteForm(
        request.POST or None, initial={"site": involvement.site_id}, agency=involvement.agency
    )
    if request.method == "POST" and form.is_valid():
        site = form.cleaned_data["site"]
        done = save_with(
            request,
            form,
            services.involvement_site_set,
            "The site working with the person has been saved.",
            back,
            involvement=involvement,
            site_id=site.pk if site else None,
        )
        if done:
            return done
    _viewed(request, involvement.case.person, "involvement site form", obj=involvement.case)
    return render(
        request,
        "consent/involvement_site.html",
        {"form": form, "involvement": involvement, "person": involvement.case.person, "back": back},
    )


def _grant_choices(person):
    """Staff who may be named: members of each agency that can see the record, for that agency."""
    from agencies.models import StaffMembership

    agencies = {line["agency"].pk: line["agency"] for line in policy.who_can_see(person)}
    memberships = (
        StaffMembership.objects.filter(agency_id__in=list(agencies), is_active=True)
        .select_related("user", "agency")
        .order_by("agency__name", "user__last_name", "user__first_name")
    )
    return [(f"{m.user_id}:{m.agency_id}", f"{m.user} ({m.agency.name})") for m in memberships]


@login_required
@require_http_methods(["GET", "POST"])
def restricted_access(request, pk):
    person = _person(request, pk)
    if not policy.may_manage_restriction(request.user, person):
        raise PermissionDenied(
            "Only managers of the agency that owns this person's case can manage named access."
        )
    from agencies.models import Agency, User

    choices = _grant_choices(person)
    action = request.POST.get("action", "grant") if request.method == "POST" else ""
    form = RestrictedGrantForm(request.POST if action == "grant" else None, choices=choices)
    restrict_form = RestrictForm(request.POST if action == "restrict" else None)
    status, page_error = 200, ""
    if request.method == "POST":
        try:
            if action == "restrict":
                if restrict_form.is_valid():
                    services.person_set_restricted(
                        user=request.user,
                        person=person,
                        restricted=True,
                        reason=restrict_form.cleaned_data["reason"],
                        confirmed=restrict_form.cleaned_data["confirm"],
                    )
                    messages.success(request, "Record restricted. Only named staff can now see it.")
                    return redirect("consent:restricted_access", pk=person.pk)
                status = 400
            elif action == "unrestrict":
                services.person_set_restricted(user=request.user, person=person, restricted=False)
                messages.success(request, "Restriction removed.")
                return redirect("consent:restricted_access", pk=person.pk)
            elif action == "revoke":
                staff = User.objects.filter(pk=request.POST.get("staff_user") or 0).first()
                if staff is None:
                    raise ApplicationError("Select a member of staff", field="staff_user")
                services.restricted_access_revoke(
                    user=request.user, person=person, staff_user=staff
                )
                messages.success(request, f"Named access removed for {staff}.")
                return redirect("consent:restricted_access", pk=person.pk)
            elif form.is_valid():
                user_id, agency_id = form.cleaned_data["staff_user"].split(":")
                staff = User.objects.get(pk=int(user_id))
                services.restricted_access_grant(
                    user=request.user,
                    person=person,
                    staff_user=staff,
                    agency=Agency.objects.get(pk=int(agency_id)),
                )
                messages.success(request, f"{staff} can now see this record.")
                return redirect("consent:restricted_access", pk=person.pk)
            else:
                status = 400
        except ApplicationError as exc:
            if action in ("restrict", "grant"):
                apply_error(restrict_form if action == "restrict" else form, exc)
            else:
                if exc.status_code in (403, 404):
                    apply_error(form, exc)  # raises the 403 / 404
                page_error = exc.message
            status = 400
    person.refresh_from_db()
    _viewed(request, person, "named access")
    return render(
        request,
        "consent/restricted_access.html",
        {
            "form": form,
            "restrict_form": restrict_form,
            "person": person,
            "grants": policy.named_grants(person),
            "page_error": page_error,
        },
        status=status,
    )


RESTRICTED_PAGE_SIZE = 50


@login_required
def restricted_list(request):
    """A manager's list of the restricted records their agency owns."""
    if not policy.can(request.user, "restricted.grant"):
        raise PermissionDenied("Only managers see the list of restricted records.")
    page = Paginator(selectors.restricted_people(user=request.user), RESTRICTED_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    access_list_record(
        user=request.user,
        action=Action.VIEW,
        page="restricted records",
        people=[p.pk for p in page.object_list],
    )
    return render(
        request,
        "consent/restricted_list.html",
        {"people": page.object_list, "page": page, "querystring": ""},
    )


@login_required
@require_http_methods(["GET", "POST"])
def emergency_access_create(request):
    if not policy.can(request.user, "emergency.request"):
        raise PermissionDenied("Your role does not allow emergency access.")
    form = EmergencyAccessForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                emergency = services.emergency_access_request(
                    user=request.user, **form.cleaned_data
                )
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(
                    request,
                    "Emergency access given until "
                    f"{timezone.localtime(emergency.expires_at):%-d %B %Y at %H:%M}. It has been "
                    "flagged to your managers and the agency that owns the case.",
                )
                return redirect("casework:person_detail", pk=emergency.person_id)
        status = 400
    return render(request, "consent/emergency_form.html", {"form": form}, status=status)


@login_required
def emergency_list(request):
    if not policy.can(request.user, "emergency.review"):
        raise PermissionDenied("Only managers review emergency access.")
    rows = list(selectors.emergency_for_review(user=request.user)[:200])
    access_list_record(
        user=request.user,
        action=Action.VIEW,
        page="emergency accesses",
        people=[row.person_id for row in rows],
    )
    return render(
        request,
        "consent/emergency_list.html",
        {
            "to_review": [r for r in rows if r.reviewed_at is None],
            "reviewed": [r for r in rows if r.reviewed_at is not None][:50],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def emergency_review(request, pk):
    if not policy.can(request.user, "emergency.review"):
        raise PermissionDenied("Only managers review emergency access.")
    emergency = selectors.get_emergency(user=request.user, pk=pk)
    form = EmergencyReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and emergency.reviewed_at is None:
        done = save_with(
            request,
            form,
            services.emergency_access_review,
            "Emergency access reviewed.",
            reverse("consent:emergency_list"),
            emergency=emergency,
            note=form.cleaned_data["note"],
        )
        if done:
            return done
    access_event_record(
        user=request.user,
        action=Action.VIEW,
        person=emergency.person,
        obj=emergency,
        detail={"page": "emergency review"},
    )
    return render(
        request,
        "consent/emergency_review.html",
        {"form": form, "emergency": emergency, "person": emergency.person},
        status=400 if form.errors else 200,
    )
