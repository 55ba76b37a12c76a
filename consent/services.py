"""Consent, case team, restricted access and emergency access writes.

Each checks who may do it (consent.policy), saves, refreshes PersonAccess and audits in one
transaction. No agency widens its own access: only the owner involves another agency or restricts a
record; a consent is recorded or withdrawn by the owner, or by the recipient for itself only.
"""

import datetime

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, AgencyKind
from audit.models import Action
from audit.services import access_event_record
from consent import policy
from consent import sections as S
from consent.models import (
    CaseInvolvement,
    ConsentMethod,
    ConsentRecord,
    EmergencyAccess,
    EmergencyReason,
    InvolvementBasis,
    Purpose,
    RestrictedPersonUserPermission,
    StatutoryGateway,
)
from core import notifications
from core.errors import ApplicationError, Conflict, ConsentRequired, Forbidden, NotFound

CONSENT_FORM_VERSION = "v4"
# The consent form's wording of each purpose (the printed form and the page say the same).
PURPOSE_WORDING = [
    (
        Purpose.EMPLOYMENT_SUPPORT,
        "to work with me on finding and keeping a job (case management), "
        "using only the information I tick below",
    ),
    (
        Purpose.OFFENDER_MARKER,
        "for the Jobcentre to put a marker on my Jobcentre record that I have "
        "a conviction, so that I can get the help offered to people with convictions (it ends after "
        "12 months)",
    ),
    (Purpose.DISCLOSE_TO_EMPLOYER, "to tell an employer I choose about my convictions, when I ask"),
    (
        Purpose.SENSITIVE_CATEGORIES,
        "to share the sensitive information I tick below (each one separately)",
    ),
]


def _clean_categories(categories, field="data_categories") -> list[str]:
    cleaned = list(dict.fromkeys(categories or []))
    bad = [c for c in cleaned if c not in S.DataCategory.values]
    if bad:
        raise ApplicationError(f"Unknown information category: {', '.join(bad)}", field=field)
    return [c for c in S.DataCategory.values if c in cleaned]


def validate_consent_scope(purposes: list[str], categories: list[str]) -> None:
    """Categories must fit the purposes: information for employment support needs that purpose,
    sensitive parts need the sensitive-categories purpose, and each purpose needs its categories."""
    sensitive = [c for c in categories if c in S.SENSITIVE_CATEGORIES]
    plain = [c for c in categories if c in S.NON_SENSITIVE_CATEGORIES]
    if sensitive and Purpose.SENSITIVE_CATEGORIES not in purposes:
        raise ApplicationError(
            "Sensitive information (offence, health, drugs, alcohol) can only be shared when "
            "the person agrees to share sensitive categories: tick that purpose or untick them",
            field="data_categories",
        )
    if plain and Purpose.EMPLOYMENT_SUPPORT not in purposes:
        raise ApplicationError(
            "Information for case management can only be shared for employment support: tick "
            "that purpose or untick the information",
            field="data_categories",
        )
    if Purpose.EMPLOYMENT_SUPPORT in purposes and not plain:
        raise ApplicationError(
            "Select which information the person agrees to share for employment support",
            field="data_categories",
        )
    if Purpose.SENSITIVE_CATEGORIES in purposes and not sensitive:
        raise ApplicationError(
            "Select each sensitive category the person agrees to share", field="data_categories"
        )


@transaction.atomic
def consent_record(
    *,
    user,
    person,
    recipient_agency: Agency,
    purposes: list[str],
    method: str,
    given_on: datetime.date,
    expires_on: datetime.date | None = None,
    data_categories: list[str] | None = None,
    form_version: str = "",
    witness_name: str = "",
) -> ConsentRecord:
    """Record the person's consent to share with one agency, for the purposes and information chosen.

    The owning agency records any recipient's consent; another agency only its own. A consent alone
    gives nothing: the recipient sees the record only once the owner involves it in a case.
    """
    policy.require(user, "consent.record")
    if not policy.access_for(user, person).visible:
        raise NotFound("Person not found")
    if not policy.may_record_consent(user, person, recipient_agency):
        raise Forbidden(
            "Only the agency that owns this person's case can record consent for another agency. "
            "Your agency can record the consent the person gives to it."
        )
    purposes = list(dict.fromkeys(purposes or []))
    unknown = [p for p in purposes if p not in Purpose.values]
    if not purposes:
        raise ApplicationError("Select at least one purpose", field="purposes")
    if unknown:
        raise ApplicationError(f"Unknown purpose: {', '.join(unknown)}", field="purposes")
    categories = _clean_categories(data_categories)
    validate_consent_scope(purposes, categories)
    if method not in ConsentMethod.values:
        raise ApplicationError("Select how consent was given", field="method")
    if method == ConsentMethod.SIGNED_FORM and not form_version.strip():
        raise ApplicationError("Enter the version of the signed consent form", field="form_version")
    if method == ConsentMethod.VERBAL_WITNESSED and not witness_name.strip():
        raise ApplicationError(
            "Enter the name of the witness to verbal consent", field="witness_name"
        )
    if given_on > policy.today():
        raise ApplicationError(
            "Date consent was given must be today or in the past", field="given_on"
        )
    if expires_on is not None and expires_on <= given_on:
        raise ApplicationError(
            "Expiry or review date must be after the date consent was given", field="expires_on"
        )
    if recipient_agency.kind == AgencyKind.COMMISSIONER:
        raise ApplicationError(
            "Consent to share personal data cannot be given to a commissioner",
            field="recipient_agency",
        )
    if Purpose.OFFENDER_MARKER in purposes and recipient_agency.kind != AgencyKind.JOBCENTRE:
        raise ApplicationError(
            "Only a Jobcentre sets an offender marker: choose a Jobcentre for that purpose",
            field="purposes",
        )
    consent = ConsentRecord.objects.create(
        person=person,
        recipient_agency=recipient_agency,
        method=method,
        given_on=given_on,
        expires_on=expires_on,
        data_categories=categories,
        form_version=form_version.strip(),
        witness_name=witness_name.strip(),
        recorded_by=user,
        recorded_by_agency=user.acting.agency,
        **dict.fromkeys(purposes, True),
    )
    policy.refresh_person_access(person)
    access_event_record(
        user=user,
        action=Action.CREATE,
        person=person,
        obj=consent,
        detail={
            "recipient_agency": recipient_agency.pk,
            "purposes": purposes,
            "categories": categories,
        },
    )
    return consent


def _end_marker_for_withdrawal(consent: ConsentRecord, user) -> int:
    from custody.services import markers_end_for_withdrawn_consent

    return markers_end_for_withdrawn_consent(consent=consent, user=user)


def _end_referrals_for_withdrawal(consent: ConsentRecord, user) -> int:
    """Open referrals to the recipient end when no live employment-support consent is left."""
    if not consent.employment_support or policy.consent_covers(
        consent.person, consent.recipient_agency
    ):
        return 0
    from referrals.services import referrals_end_for_withdrawn_consent

    return referrals_end_for_withdrawn_consent(
        user=user, person=consent.person, agency=consent.recipient_agency
    )


@transaction.atomic
def consent_withdraw(*, user, consent: ConsentRecord, reason: str) -> ConsentRecord:
    """Withdrawal takes effect at once: the recipient loses access on its next request, markers that
    relied on the consent end today, and open referrals to the recipient end on both sides."""
    policy.require(user, "consent.withdraw")
    consent = (
        ConsentRecord.objects.select_for_update()
        .select_related("person", "recipient_agency")
        .get(pk=consent.pk)
    )
    if not policy.access_for(user, consent.person).visible:
        raise NotFound("Consent not found")
    if not policy.may_withdraw_consent(user, consent):
        raise Forbidden(
            "Only the agency that owns this person's case, or the agency the consent was given "
            "to, can withdraw it."
        )
    if consent.withdrawn_on is not None:
        raise ApplicationError("This consent has already been withdrawn")
    if not (reason or "").strip():
        raise ApplicationError("Enter why consent was withdrawn", field="reason")
    consent.withdrawn_on = max(policy.today(), consent.given_on)
    consent.withdrawn_by = user
    consent.withdrawal_reason = reason.strip()
    consent.save(update_fields=["withdrawn_on", "withdrawn_by", "withdrawal_reason"])
    markers = _end_marker_for_withdrawal(consent, user)
    referrals = _end_referrals_for_withdrawal(consent, user)
    policy.refresh_person_access(consent.person)
    access_event_record(
        user=user,
        action=Action.WITHDRAW,
        person=consent.person,
        obj=consent,
        detail={
            "recipient_agency": consent.recipient_agency_id,
            "markers_ended": markers,
            "referrals_ended": referrals,
        },
    )
    return consent


def _involvement_categories(categories, basis) -> list[str]:
    if basis == InvolvementBasis.HANDOFF:
        return list(S.KEYS)  # the owner hands over the whole case
    cleaned = _clean_categories(categories, field="categories")
    if not cleaned:
        raise ApplicationError("Select the information to share", field="categories")
    return cleaned


@transaction.atomic
def case_involve(
    *,
    user,
    case,
    agency: Agency,
    basis: str = InvolvementBasis.SHARE,
    categories: list[str] | None = None,
    check_role: bool = True,
    site=None,
) -> CaseInvolvement:
    """Involve another agency in a case, with the information chosen for it. Needs a live
    employment-support consent to that agency; it sees what it was sent as far as its consents
    cover it (what they do not cover yet shows once the person consents).

    Used directly by "share with" (the owner's action), and by referral acceptance (what the
    referral shared) and release hand-off (everything) on the owner's behalf.
    """
    if check_role:
        policy.require(user, "case.share")
    if basis == InvolvementBasis.SHARE:
        policy.require_owner(user, case)
    if agency.pk == case.owning_agency_id:
        raise ApplicationError("This agency already owns the case", field="agency")
    if agency.kind == AgencyKind.COMMISSIONER:
        raise ApplicationError("A commissioner cannot work on a case", field="agency")
    if not case.is_open:
        raise ApplicationError("The case is closed; reopen it before involving another agency")
    consent = policy.live_consent(case.person, agency)
    if consent is None:
        raise ConsentRequired(
            f"{case.person.full_name} has not consented to share their record with {agency.name} "
            "for employment support. Record their consent first.",
            field="agency",
        )
    chosen = _involvement_categories(categories, basis)
    involvement = CaseInvolvement.objects.filter(
        case=case, agency=agency, basis=basis, ended_on__isnull=True
    ).first()
    if involvement is None:
        involvement = CaseInvolvement.objects.create(
            case=case,
            agency=agency,
            basis=basis,
            categories=chosen,
            site=site,
            started_on=policy.today(),
            created_by=user,
        )
    elif (
        site is not None
        and involvement.site_id is None
        and not (set(chosen) - set(involvement.categories or S.KEYS))
    ):
        involvement.site = site
        involvement.save(update_fields=["site"])
        return involvement
    elif set(chosen) - set(involvement.categories or S.KEYS):
        involvement.categories = [
            k for k in S.KEYS if k in set(chosen) | set(involvement.categories)
        ]
        involvement.site = involvement.site or site
        involvement.save(update_fields=["categories", "site"])
    else:
        return involvement
    policy.refresh_person_access(case.person)
    access_event_record(
        user=user,
        action=Action.SHARE,
        person=case.person,
        obj=case,
        detail={"agency": agency.pk, "basis": basis, "categories": involvement.categories},
    )
    return involvement


def not_yet_consented(*, person, agency, categories) -> list[str]:
    """The chosen categories no live consent from the person to the agency covers yet: the agency
    sees them only once the person consents (the share page says so)."""
    from consent.models import ConsentRecord

    covered = set()
    for consent in ConsentRecord.objects.filter(
        person=person, recipient_agency=agency, withdrawn_on__isnull=True
    ):
        if consent.is_active_on(policy.today()):
            covered |= policy.consent_keys(consent)
    return [c for c in categories if c not in covered]


def involvement_site_check(agency, site_id):
    """The site (by id) when it is one of `agency`'s own sites; None for none; else a clear error."""
    if site_id in (None, ""):
        return None
    from agencies.models import Site

    site = Site.objects.filter(pk=site_id, agency=agency).first()
    if site is None:
        raise ApplicationError("Select one of your agency's sites", field="site")
    return site


@transaction.atomic
def involvement_site_set(*, user, involvement: CaseInvolvement, site_id) -> CaseInvolvement:
    """The involved agency records which of its own sites works the case (policy: only that agency)."""
    involvement = CaseInvolvement.objects.select_related("case__person", "agency").get(
        pk=involvement.pk
    )
    policy.require_involvement_site_change(user, involvement)
    site = involvement_site_check(involvement.agency, site_id)
    before = involvement.site_id
    if before != (site.pk if site else None):
        involvement.site = site
        involvement.save(update_fields=["site"])
        access_event_record(
            user=user,
            action=Action.CHANGE,
            person=involvement.case.person,
            obj=involvement.case,
            detail={"involvement": involvement.pk, "site": [before, involvement.site_id]},
        )
    return involvement


@transaction.atomic
def case_involvement_end(*, user, involvement: CaseInvolvement) -> CaseInvolvement:
    """The owner stops sharing the case with an agency: its access through the case ends now."""
    policy.require(user, "case.share")
    involvement = CaseInvolvement.objects.select_related("case", "case__person", "agency").get(
        pk=involvement.pk
    )
    policy.require_owner(user, involvement.case)
    if involvement.ended_on is None:
        involvement.ended_on = policy.today()
        involvement.save(update_fields=["ended_on"])
        policy.refresh_person_access(involvement.case.person)
        access_event_record(
            user=user,
            action=Action.REVOKE,
            person=involvement.case.person,
            obj=involvement.case,
            detail={"agency": involvement.agency_id, "basis": involvement.basis},
        )
    return involvement


@transaction.atomic
def statutory_gateway_open(
    *,
    person,
    agency: Agency,
    reason: str,
    started_on: datetime.date,
    ends_on: datetime.date | None = None,
) -> StatutoryGateway:
    """Access without consent under a statutory gateway (claim closure, Freshstart): identity,
    custody and release, benefits only (consent.sections.GATEWAY_SECTIONS)."""
    if reason not in S.GATEWAY_SECTIONS:
        raise ValueError(f"unknown statutory gateway {reason!r}")
    gateway, _ = StatutoryGateway.objects.update_or_create(
        person=person,
        agency=agency,
        reason=reason,
        defaults={"started_on": started_on, "ends_on": ends_on},
    )
    policy.refresh_person_access(person)
    return gateway


def involvements_after_handoff(*, case, old_agency_id: int, new_agency_id: int, user) -> None:
    """After an accepted hand-off the new owner's involvements end (it owns the case now) and the
    old owner stays involved in the whole case, as far as the person's consent covers it."""
    today = policy.today()
    CaseInvolvement.objects.filter(
        case=case, agency_id=new_agency_id, ended_on__isnull=True
    ).update(ended_on=today)
    CaseInvolvement.objects.get_or_create(
        case=case,
        agency_id=old_agency_id,
        basis=InvolvementBasis.HANDOFF,
        ended_on__isnull=True,
        defaults={"started_on": today, "created_by": user, "categories": list(S.KEYS)},
    )


def handoff_involvement_end(*, case, agency_id: int) -> None:
    """A declined or cancelled hand-off: the receiving agency's hand-off involvement ends now."""
    CaseInvolvement.objects.filter(
        case=case, agency_id=agency_id, basis=InvolvementBasis.HANDOFF, ended_on__isnull=True
    ).update(ended_on=policy.today())
    policy.refresh_person_access(case.person)


# --- Restricted records --------------------------------------------------------------------


def _restricted_permission():
    return Permission.objects.get(
        codename=policy.RESTRICTED_PERMISSION, content_type__app_label="casework"
    )


def _require_restriction_manager(user, person):
    policy.require(user, "restricted.grant")
    if not policy.may_manage_restriction(user, person):
        raise Forbidden(
            "Only managers of the agency that owns this person's case can restrict the record or "
            "change who may see it."
        )


def _grantable_agencies(person) -> set[int]:
    """Agencies whose staff may be named: those that can see some part of the record."""
    return {line["agency"].pk for line in policy.who_can_see(person)}


@transaction.atomic
def restricted_access_grant(*, user, person, staff_user, agency: Agency | None = None) -> None:
    """A manager of the owning agency names a member of staff who may see a restricted person,
    while that member acts for `agency` (their own agency's, by default) only."""
    _require_restriction_manager(user, person)
    agency = agency or user.acting.agency
    if agency.pk not in _grantable_agencies(person):
        raise ApplicationError(
            f"{agency.name} cannot see this record, so its staff cannot be named",
            field="staff_user",
        )
    if not staff_user.memberships.filter(agency=agency, is_active=True).exists():
        raise ApplicationError(f"{staff_user} does not work for {agency.name}", field="staff_user")
    grant, created = RestrictedPersonUserPermission.objects.get_or_create(
        user=staff_user,
        permission=_restricted_permission(),
        content_object=person,
        defaults={"agency": agency, "granted_by": user, "granted_at": timezone.now()},
    )
    if not created and grant.agency_id != agency.pk:
        RestrictedPersonUserPermission.objects.filter(pk=grant.pk).update(
            agency=agency, granted_by=user, granted_at=timezone.now()
        )
    policy.changed()
    access_event_record(
        user=user,
        action=Action.GRANT,
        person=person,
        detail={"staff_user": staff_user.pk, "agency": agency.pk},
    )


@transaction.atomic
def restricted_access_revoke(*, user, person, staff_user) -> None:
    """Remove a named member of staff; the last one cannot be removed while the record is restricted."""
    _require_restriction_manager(user, person)
    grants = RestrictedPersonUserPermission.objects.select_for_update().filter(
        content_object=person, permission__codename=policy.RESTRICTED_PERMISSION
    )
    if not grants.filter(user=staff_user).exists():
        raise ApplicationError(f"{staff_user} is not named for this record", field="staff_user")
    if type(person).objects.filter(pk=person.pk, restricted=True).exists() and grants.count() <= 1:
        raise ApplicationError(
            "At least one member of staff must stay named while the record is restricted. Name "
            "someone else first, or remove the restriction.",
            field="staff_user",
        )
    grants.filter(user=staff_user).delete()
    policy.changed()
    access_event_record(
        user=user, action=Action.REVOKE, person=person, detail={"staff_user": staff_user.pk}
    )


@transaction.atomic
def person_set_restricted(
    *, user, person, restricted: bool, reason: str = "", confirmed: bool = False
) -> None:
    """Restrict (or lift the restriction on) a record. Restricting needs a reason and a
    confirmation; the manager who does it is named, and the owning agency's managers keep access."""
    _require_restriction_manager(user, person)
    current = type(person).objects.select_for_update().get(pk=person.pk)
    reason = (reason or "").strip()
    if restricted:
        if current.restricted:
            raise Conflict("This record is already restricted.")
        if not reason:
            raise ApplicationError("Enter why the record is being restricted", field="reason")
        if not confirmed:
            raise ApplicationError(
                "Confirm that only named staff should see this record", field="confirm"
            )
        RestrictedPersonUserPermission.objects.get_or_create(
            user=user,
            permission=_restricted_permission(),
            content_object=person,
            defaults={
                "agency": user.acting.agency,
                "granted_by": user,
                "granted_at": timezone.now(),
            },
        )
        fields = {
            "restricted": True,
            "restricted_reason": reason[:2000],
            "restricted_at": timezone.now(),
        }
    else:
        if not current.restricted:
            raise Conflict("This record is not restricted.")
        fields = {"restricted": False, "restricted_reason": "", "restricted_at": None}
    type(person).objects.filter(pk=person.pk).update(**fields)
    policy.set_restricted_flag(person, restricted)
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=person,
        detail={"restricted": restricted, **({"reason": reason[:200]} if restricted else {})},
    )


# --- Emergency access ("break the glass") ---------------------------------------------------

EMERGENCY_HOURS = 24


def _owner_agency_ids(person) -> list[int]:
    return [line["agency"].pk for line in policy.who_can_see(person) if line["owner"]]


def emergency_find(identifier: str):
    """The person an exact identifier (CRN, prison number or NI number) names, if exactly one."""
    from casework.models import Person
    from casework.validators import normalise

    value = normalise(identifier or "")
    if not value:
        return None, ""
    for field, kind in (
        ("crn", "CRN"),
        ("prison_number", "prison number"),
        ("national_insurance_number", "National Insurance number"),
    ):
        matches = list(
            Person.objects.filter(**{field: value}, anonymised_at__isnull=True).only(
                "pk", "restricted"
            )[:2]
        )
        if len(matches) == 1:
            return matches[0], kind
        if matches:
            return None, ""
    return None, ""


def looks_like_identifier(value: str) -> bool:
    from casework.validators import normalise

    value = normalise(value or "")
    return len(value) >= 6 and any(ch.isdigit() for ch in value) and " " not in value


@transaction.atomic
def emergency_access_request(*, user, identifier: str, reason: str, detail: str) -> EmergencyAccess:
    """Identity and contact, and the case owner's contact, for EMERGENCY_HOURS, for one person found
    by an exact identifier. Rate-limited per user; audited; flagged for review by the owning
    agency's managers and the user's own."""
    policy.require(user, "emergency.request")
    detail = (detail or "").strip()
    if reason not in EmergencyReason.values:
        raise ApplicationError("Select why you need emergency access", field="reason")
    if not detail:
        raise ApplicationError("Say what the emergency is", field="detail")
    if not looks_like_identifier(identifier):
        raise ApplicationError(
            "Enter a CRN, prison number or National Insurance number exactly. Emergency access "
            "cannot search by name.",
            field="identifier",
        )
    since = timezone.now() - datetime.timedelta(hours=EMERGENCY_HOURS)
    used = EmergencyAccess.objects.filter(user=user, granted_at__gte=since).count()
    if used >= settings.EMERGENCY_ACCESS_PER_DAY:
        raise ApplicationError(
            f"You have used emergency access {used} times in the last 24 hours, the most allowed. "
            "Ask your manager or the agency that owns the case.",
            field="identifier",
        )
    person, kind = emergency_find(identifier)
    if person is None or person.restricted:
        access_event_record(
            user=user,
            action=Action.SEARCH,
            detail={"page": "emergency_access", "matched": False, "reason": reason},
        )
        raise ApplicationError(
            "No record matches that identifier. Check it and try again.", field="identifier"
        )
    if policy.access_for(user, person).visible:
        raise ApplicationError(
            "Your agency can already see this person: search for them instead",
            field="identifier",
        )
    now = timezone.now()
    emergency = EmergencyAccess.objects.create(
        user=user,
        agency=user.acting.agency,
        person=person,
        identifier_kind=kind,
        reason=reason,
        detail=detail[:2000],
        granted_at=now,
        expires_at=now + datetime.timedelta(hours=EMERGENCY_HOURS),
    )
    emergency.owner_agencies.set(_owner_agency_ids(person))
    policy.changed()
    access_event_record(
        user=user,
        action=Action.GRANT,
        person=person,
        obj=emergency,
        detail={
            "emergency": True,
            "reason": reason,
            "identifier": kind,
            "until": emergency.expires_at.isoformat(),
        },
    )
    return emergency


def emergency_reviewable(user):
    """Emergency accesses a manager reviews: to people their agency owned, or by their own staff."""
    from django.db.models import Q

    if not policy.can(user, "emergency.review"):
        return EmergencyAccess.objects.none()
    agency_id = user.acting.agency_id
    return (
        EmergencyAccess.objects.filter(
            Q(agency_id=agency_id)
            | Q(pk__in=EmergencyAccess.objects.filter(owner_agencies__id=agency_id).values("pk"))
        )
        .select_related("user", "agency", "person", "reviewed_by")
        .order_by("reviewed_at", "-granted_at", "-id")
    )


@transaction.atomic
def emergency_access_review(*, user, emergency: EmergencyAccess, note: str) -> EmergencyAccess:
    if not emergency_reviewable(user).filter(pk=emergency.pk).exists():
        raise NotFound("Emergency access not found")
    emergency = EmergencyAccess.objects.select_for_update().get(pk=emergency.pk)
    if emergency.reviewed_at is not None:
        raise Conflict("This emergency access has already been reviewed.")
    note = (note or "").strip()
    if not note:
        raise ApplicationError("Enter what you found when you reviewed it", field="note")
    EmergencyAccess.objects.filter(pk=emergency.pk).update(
        reviewed_at=timezone.now(), reviewed_by=user, review_note=note[:2000]
    )
    access_event_record(
        user=user,
        action=Action.CHANGE,
        person=emergency.person,
        obj=emergency,
        detail={"emergency_reviewed": True},
    )
    emergency.refresh_from_db()
    return emergency


def _case_owners(person) -> list[tuple[int, str]]:
    """(user id, email) of the caseworkers owning the person's open cases."""
    from casework.models import Case

    return sorted(
        set(
            Case.objects.filter(
                person=person, end_date__isnull=True, owner__isnull=False, owner__is_active=True
            ).values_list("owner_id", "owner__email")
        )
    )


def _case_owner_emails(person) -> list[str]:
    """Email addresses of the caseworkers owning the person's open cases."""
    from casework.models import Case

    return sorted(
        {
            email
            for email in Case.objects.filter(
                person=person, end_date__isnull=True, owner__isnull=False
            ).values_list("owner__email", flat=True)
            if email
        }
    )


def consent_expiry_record(*, on: datetime.date | None = None) -> dict:
    """Record consents that have expired (access already stopped at query time) and tell the case owners.

    Idempotent: each expiry is stamped once (conditional update), so a second run notifies nobody.
    """
    from django.core.mail import send_mail

    from core.mail import absolute_url

    on = on or policy.today()
    due = ConsentRecord.objects.filter(
        expires_on__lt=on, withdrawn_on__isnull=True, expiry_recorded_at__isnull=True
    )
    recorded = 0
    for consent in due.select_related("person", "recipient_agency", "recorded_by"):
        with transaction.atomic():
            stamped = ConsentRecord.objects.filter(
                pk=consent.pk, expiry_recorded_at__isnull=True
            ).update(expiry_recorded_at=timezone.now())
            if not stamped:
                continue
            policy.refresh_person_access(consent.person)
            access_event_record(
                user=None,
                system="consent_expiry",
                action=Action.REVOKE,
                person=consent.person,
                obj=consent,
                detail={"recipient_agency": consent.recipient_agency_id, "expired": True},
            )
            recorded += 1
            owners = _case_owners(consent.person) or [
                (consent.recorded_by_id, consent.recorded_by.email)
            ]
            emails = [email for _pk, email in owners if email]
            notifications.notify_on_commit(
                users=[pk for pk, _email in owners],
                kind="consent_expired",
                message="A data-sharing consent on a case you own has expired: the receiving "
                "agency can no longer see the record.",
                url=reverse("consent:consent_list", args=[consent.person_id]),
            )
            transaction.on_commit(
                lambda emails=emails, pk=consent.person_id: send_mail(
                    "Resettle: a data-sharing consent has expired",
                    "A data-sharing consent on a case you own has expired, so the receiving agency can no longer see the "
                    f"record. Review it and record new consent if the person agrees: {absolute_url('consent:consent_list', pk)}",
                    None,
                    [e for e in emails if e],
                    fail_silently=True,
                )
            )
    return {"expired_recorded": recorded}
