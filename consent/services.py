"""Consent, case team and restricted-access writes. Each refreshes PersonAccess and audits."""

import datetime

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, AgencyKind
from audit.models import Action
from audit.services import access_event_record
from consent import policy
from consent.models import (
    CaseInvolvement,
    ConsentMethod,
    ConsentRecord,
    DataCategory,
    InvolvementBasis,
    PersonAccess,
    Purpose,
    RestrictedPersonUserPermission,
    StatutoryGateway,
)
from core.errors import ApplicationError, ConsentRequired, Forbidden


def _owner_or_involved(user, person):
    """Consent is recorded by an agency that can already see the person."""
    if not policy.scope_people(type(person).objects.filter(pk=person.pk), user).exists():
        raise Forbidden("Your agency cannot record consent for this person.")


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
    policy.require(user, "consent.record")
    _owner_or_involved(user, person)
    purposes = list(dict.fromkeys(purposes or []))
    unknown = [p for p in purposes if p not in Purpose.values]
    if not purposes:
        raise ApplicationError("Select at least one purpose", field="purposes")
    if unknown:
        raise ApplicationError(f"Unknown purpose: {', '.join(unknown)}", field="purposes")
    categories = list(dict.fromkeys(data_categories or []))
    bad_categories = [c for c in categories if c not in DataCategory.values]
    if bad_categories:
        raise ApplicationError(
            f"Unknown data category: {', '.join(bad_categories)}", field="data_categories"
        )
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
        detail={"recipient_agency": recipient_agency.pk, "purposes": purposes},
    )
    return consent


@transaction.atomic
def consent_withdraw(*, user, consent: ConsentRecord, reason: str) -> ConsentRecord:
    """Withdrawal takes effect at once: the recipient loses access on its next request."""
    policy.require(user, "consent.withdraw")
    consent = ConsentRecord.objects.select_for_update().select_related("person").get(pk=consent.pk)
    _owner_or_involved(user, consent.person)
    if consent.withdrawn_on is not None:
        raise ApplicationError("This consent has already been withdrawn")
    if not (reason or "").strip():
        raise ApplicationError("Enter why consent was withdrawn", field="reason")
    consent.withdrawn_on = max(policy.today(), consent.given_on)
    consent.withdrawn_by = user
    consent.withdrawal_reason = reason.strip()
    consent.save(update_fields=["withdrawn_on", "withdrawn_by", "withdrawal_reason"])
    policy.refresh_person_access(consent.person)
    access_event_record(
        user=user,
        action=Action.WITHDRAW,
        person=consent.person,
        obj=consent,
        detail={"recipient_agency": consent.recipient_agency_id},
    )
    return consent


@transaction.atomic
def case_involve(
    *, user, case, agency: Agency, basis: str = InvolvementBasis.SHARE, check_role: bool = True
) -> CaseInvolvement:
    """Involve another agency in a case. Needs a live employment-support consent covering it.

    Used directly by "share with", and by referral acceptance and release hand-off.
    """
    if check_role:
        policy.require(user, "case.share")
    if basis == InvolvementBasis.SHARE:
        policy.require_owner(user, case)
    if agency.pk == case.owning_agency_id:
        raise ApplicationError("This agency already owns the case", field="agency")
    if not case.is_open:
        raise ApplicationError("The case is closed; reopen it before involving another agency")
    if not policy.consent_covers(case.person, agency):
        raise ConsentRequired(
            f"{case.person.full_name} has not consented to share their record with {agency.name} "
            "for employment support. Record their consent first.",
            field="agency",
        )
    involvement, created = CaseInvolvement.objects.get_or_create(
        case=case,
        agency=agency,
        basis=basis,
        ended_on__isnull=True,
        defaults={"started_on": policy.today(), "created_by": user},
    )
    if created:
        policy.refresh_person_access(case.person)
        access_event_record(
            user=user,
            action=Action.SHARE,
            person=case.person,
            obj=case,
            detail={"agency": agency.pk, "basis": basis},
        )
    return involvement


@transaction.atomic
def case_involvement_end(*, user, involvement: CaseInvolvement) -> CaseInvolvement:
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
            detail={"agency": involvement.agency_id},
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
    """Access without consent under a statutory gateway (e.g. EBSA claim closure)."""
    gateway, _ = StatutoryGateway.objects.update_or_create(
        person=person,
        agency=agency,
        reason=reason,
        defaults={"started_on": started_on, "ends_on": ends_on},
    )
    policy.refresh_person_access(person)
    return gateway


def _restricted_permission():
    return Permission.objects.get(
        codename=policy.RESTRICTED_PERMISSION, content_type__app_label="casework"
    )


@transaction.atomic
def restricted_access_grant(*, user, person, staff_user) -> None:
    """A manager names a user who may see a restricted person (guardian object permission)."""
    policy.require(user, "restricted.grant")
    if not staff_user.memberships.filter(agency=user.acting.agency, is_active=True).exists():
        raise ApplicationError(
            "Named access can only be given to staff of your agency", field="staff_user"
        )
    RestrictedPersonUserPermission.objects.get_or_create(
        user=staff_user, permission=_restricted_permission(), content_object=person
    )
    access_event_record(
        user=user, action=Action.GRANT, person=person, detail={"staff_user": staff_user.pk}
    )


@transaction.atomic
def restricted_access_revoke(*, user, person, staff_user) -> None:
    policy.require(user, "restricted.grant")
    RestrictedPersonUserPermission.objects.filter(
        user=staff_user, permission__codename=policy.RESTRICTED_PERMISSION, content_object=person
    ).delete()
    access_event_record(
        user=user, action=Action.REVOKE, person=person, detail={"staff_user": staff_user.pk}
    )


@transaction.atomic
def person_set_restricted(*, user, person, restricted: bool) -> None:
    """Flag (or unflag) a person as restricted; the manager who does it keeps named access."""
    policy.require(user, "restricted.grant")
    if restricted:
        RestrictedPersonUserPermission.objects.get_or_create(
            user=user, permission=_restricted_permission(), content_object=person
        )
    type(person).objects.filter(pk=person.pk).update(restricted=restricted)
    PersonAccess.objects.filter(person=person).update(restricted=restricted)
    access_event_record(
        user=user, action=Action.CHANGE, person=person, detail={"restricted": restricted}
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
            emails = _case_owner_emails(consent.person) or [consent.recorded_by.email]
            transaction.on_commit(
                lambda emails=emails, pk=consent.person_id: send_mail(
                    "Resettle: a data-sharing consent has expired",
                    "A data-sharing consent on a case you own has expired, so the receiving agency can no longer see the "
                    f"record. Review it and record new consent if the person agrees: {settings.SITE_URL}/people/{pk}/consent/",
                    None,
                    [e for e in emails if e],
                    fail_silently=True,
                )
            )
    return {"expired_recorded": recorded}
