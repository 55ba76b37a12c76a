"""Demo consents (synthetic). About a third of Luton's people share with Jobcentre Plus Luton (case
summary, plan, benefits and employment, no sensitive information) and half of those with path2work
too, with consent to the sensitive health, drugs and alcohol parts: so each basis shows on a real
person (README, "Demo logins"). The owner shares exactly what each consent covers."""

import datetime

from django.contrib.auth.models import Permission
from django.utils import timezone

from consent import policy
from consent.models import (
    CaseInvolvement,
    ConsentMethod,
    ConsentRecord,
    EmergencyAccess,
    InvolvementBasis,
    RestrictedPersonUserPermission,
)

JOBCENTRE_CATEGORIES = ["identity", "benefits", "case", "plan", "employment"]
PROVIDER_CATEGORIES = ["identity", "case", "assessment", "plan", "notes", "employment"]
PROVIDER_SENSITIVE = ["health", "drugs", "alcohol"]


def seed(world):
    agencies, users = world["agencies"], world["users"]
    today = policy.today()
    luton = agencies["Bedfordshire Probation"]
    recorder = users["probation.luton"]
    for index, person in enumerate(world["people"]):
        case = person.cases.filter(owning_agency=luton, end_date__isnull=True).first()
        if case is None or index % 3:
            continue
        recipients = [agencies["Jobcentre Plus Luton"]] + (
            [agencies["path2work"]] if index % 2 == 0 else []
        )
        for recipient in recipients:
            if ConsentRecord.objects.filter(person=person, recipient_agency=recipient).exists():
                continue
            jobcentre = recipient.kind == "jobcentre"
            categories = (
                JOBCENTRE_CATEGORIES if jobcentre else PROVIDER_CATEGORIES + PROVIDER_SENSITIVE
            )
            given = max(case.start_date, today - datetime.timedelta(days=200))
            ConsentRecord.objects.create(
                person=person,
                recipient_agency=recipient,
                employment_support=True,
                offender_marker=jobcentre,
                sensitive_categories=not jobcentre,
                data_categories=categories,
                method=ConsentMethod.SIGNED_FORM,
                form_version="v3",
                given_on=given,
                expires_on=given + datetime.timedelta(days=365),
                recorded_by=recorder,
                recorded_by_agency=luton,
            )
            CaseInvolvement.objects.get_or_create(
                case=case,
                agency=recipient,
                basis=InvolvementBasis.SHARE,
                ended_on__isnull=True,
                defaults={"started_on": given, "created_by": recorder, "categories": categories},
            )
        policy.refresh_person_access(person)
    _restricted(world, luton)
    _emergency(world, luton)


def _restricted(world, luton):
    """One Luton record restricted (a victim's safety): manager.luton sees it, probation.luton not."""
    person = next(
        (
            p
            for p in world["people"]
            if p.cases.filter(owning_agency=luton, end_date__isnull=True).exists()
            and not p.consents.exists()
        ),
        None,
    )
    if (
        person is None
        or RestrictedPersonUserPermission.objects.filter(content_object=person).exists()
    ):
        return
    manager = world["users"]["manager.luton"]
    type(person).objects.filter(pk=person.pk).update(
        restricted=True,
        restricted_reason="Victim's safety: contact the manager first",
        restricted_at=timezone.now(),
    )
    RestrictedPersonUserPermission.objects.create(
        user=manager,
        agency=luton,
        permission=Permission.objects.get(codename=policy.RESTRICTED_PERMISSION),
        content_object=person,
        granted_by=manager,
        granted_at=timezone.now(),
    )
    policy.set_restricted_flag(person, True)
    world["restricted_person"] = person


def _emergency(world, luton):
    """probation.southend broke the glass for a Luton person yesterday: waiting for review."""
    user, essex = world["users"]["probation.southend"], world["agencies"]["Essex Probation"]
    if EmergencyAccess.objects.filter(user=user).exists():
        return
    person = next(
        (
            p
            for p in world["people"]
            if p.crn
            and not p.restricted
            and p.cases.filter(owning_agency=luton, end_date__isnull=True).exists()
            and not p.access.filter(agency=essex).exists()
        ),
        None,
    )
    if person is None:
        return
    granted = timezone.now() - datetime.timedelta(hours=2)
    emergency = EmergencyAccess.objects.create(
        user=user,
        agency=essex,
        person=person,
        identifier_kind="CRN",
        reason="at_the_counter",
        detail="Came to the Southend office asking for his probation appointment; Luton unreachable.",
        granted_at=granted,
        expires_at=granted + datetime.timedelta(hours=24),
    )
    emergency.owner_agencies.set([luton.pk])
    from agencies import acting
    from audit.models import Action
    from audit.services import access_event_record

    acting.attach(user, essex.pk)
    access_event_record(
        user=user,
        action=Action.GRANT,
        person=person,
        obj=emergency,
        detail={"emergency": True, "reason": emergency.reason, "identifier": "CRN"},
    )
    world["emergency_person"] = person
