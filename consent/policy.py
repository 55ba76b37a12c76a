"""The single access policy: who may see which person, and what.

Rule (DESIGN.md "Access"): an agency sees a person while it owns a case for them (open, or closed
less than OWNER_GRACE_DAYS ago so post-exit checks can be recorded), or while it is involved in
one of their cases (shared, accepted referral, release hand-off) *and* a consent covers it for
employment support, or while a statutory gateway applies (EBSA claim closure). Restricted people
are seen only by named users. Sensitive categories need ownership or a consent that includes them.

The rule is materialised per (agency, person) in PersonAccess, refreshed in the same
transaction as every change that feeds it, so each scoped query is one indexed join and consent
expiry takes effect on the next request. `expected_access` recomputes the rule from scratch; the
tests hold PersonAccess equal to it.
"""

import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from agencies.models import AgencyKind, Role
from core.errors import Forbidden, NotFound

OWNER_GRACE_DAYS = 400  # post-exit checks run up to a year after the case ends
FOREVER = datetime.date(9999, 12, 31)
RESTRICTED_PERMISSION = "access_restricted_person"

STAFF = {Role.CASEWORKER, Role.EBSA, Role.WORK_COACH, Role.EMPLOYMENT_ADVISER, Role.MANAGER}

# action -> roles allowed (checked by services; views and the API surface the 403)
PERMISSIONS = {
    "person.view": STAFF,
    "person.create": STAFF,
    "person.change": STAFF,
    "case.create": STAFF,
    "case.change": STAFF,
    "case.share": {
        Role.CASEWORKER,
        Role.MANAGER,
        Role.EBSA,
        Role.WORK_COACH,
        Role.EMPLOYMENT_ADVISER,
    },
    "consent.record": STAFF,
    "consent.withdraw": STAFF,
    "restricted.grant": {Role.MANAGER},
    "audit.view_person": STAFF,
    "audit.view_user": {Role.MANAGER},
    "report.view": {Role.MANAGER},  # outcome reports: request, list, download (no person records)
}


def today() -> datetime.date:
    return timezone.localdate()


def acting_of(user):
    return getattr(user, "acting", None) if user is not None and user.is_authenticated else None


def can(user, action: str) -> bool:
    acting = acting_of(user)
    if (
        acting is None
        or acting.kind == AgencyKind.COMMISSIONER
        and action.startswith(("person.", "case."))
    ):
        return False
    return acting.role in PERMISSIONS[action]


def require(user, action: str) -> None:
    """Raise Forbidden (403) unless the acting role may do `action`."""
    if not can(user, action):
        raise Forbidden("Your role does not allow this.")


def require_owner(user, case) -> None:
    """Only the owning agency changes a case (others add their own actions, notes, referrals)."""
    acting = acting_of(user)
    if acting is None or case.owning_agency_id != acting.agency_id:
        raise Forbidden("Only the agency that owns this case can do this.")


# --- Scoping --------------------------------------------------------------------------------


def _granted(user):
    """Ids of the restricted people this user is named for (a subquery)."""
    from consent.models import RestrictedPersonUserPermission

    return RestrictedPersonUserPermission.objects.filter(
        user=user, permission__codename=RESTRICTED_PERMISSION
    ).values("content_object_id")


def _restricted_clause(user, prefix=""):
    """Restricted people only for named users; `prefix` leads to a PersonAccess row."""
    return Q(**{f"{prefix}restricted": False}) | Q(**{f"{prefix}person__in": _granted(user)})


def not_withheld(user, person_field="person"):
    """For rows an agency sees *before* it may see the person (an incoming referral): never an
    anonymised record, and a restricted person only for named users. Reads the people table."""
    return (
        Q(**{f"{person_field}__restricted": False}) | Q(**{f"{person_field}__in": _granted(user)})
    ) & Q(**{f"{person_field}__anonymised_at__isnull": True})


def _access_q(user, prefix=""):
    """The whole rule on PersonAccess rows (with `prefix` leading to them), or None for no access.

    Every condition sits in one Q so that Django joins PersonAccess once; the people table is
    never read: restricted is copied into PersonAccess and anonymised people have no rows.
    Wrapped by scope_people (a join), scope_by_person (EXISTS) and visible_person_ids (a subquery).
    """
    acting = acting_of(user)
    if acting is None or acting.role not in STAFF:
        return None
    return _restricted_clause(user, prefix) & Q(
        **{f"{prefix}agency_id": acting.agency_id, f"{prefix}visible_until__gte": today()}
    )


def scope_people(queryset, user):
    """People the acting agency may see now (one indexed join on PersonAccess)."""
    rule = _access_q(user, "access__")
    return queryset.none() if rule is None else queryset.filter(rule)


def scope_by_person(queryset, user, person_field="person"):
    """Rows belonging to people the acting agency may see (cases, notes, spells, ...).

    A semi-join (EXISTS) on PersonAccess by the row's person id: the people table is not joined at
    all, and PostgreSQL may hash the agency's access rows or probe them per row as it sees fit.
    """
    from consent.models import PersonAccess

    rule = _access_q(user)
    if rule is None:
        return queryset.none()
    return queryset.filter(
        Exists(PersonAccess.objects.filter(rule, person_id=OuterRef(person_field)))
    )


def visible_person_ids(user):
    """A subquery of the ids of people the acting agency may see, driven by the PersonAccess index.

    Use it where a filter needs `person_id IN (...)` inside an OR; it starts from the agency's
    access rows rather than from the whole people table.
    """
    from consent.models import PersonAccess

    rule = _access_q(user)
    if rule is None:
        return PersonAccess.objects.none().values("person_id")
    return PersonAccess.objects.filter(rule).values("person_id")


def sees_sensitive(user, person) -> bool:
    from consent.models import PersonAccess

    acting = acting_of(user)
    if acting is None:
        return False
    return PersonAccess.objects.filter(
        agency_id=acting.agency_id, person=person, sensitive_until__gte=today()
    ).exists()


def get_person(user, pk):
    """The person if the acting agency may see them, else NotFound (same as missing)."""
    from casework.models import Person

    try:
        return Person.objects.for_user(user).get(pk=int(pk))
    except (Person.DoesNotExist, ValueError, TypeError):
        raise NotFound("Person not found") from None


# --- Maintaining PersonAccess ---------------------------------------------------------------

# Extra statutory gateways computed from other apps' data: func(person_id) -> iterable of
# (agency_id, visible_until or None). Registered in an AppConfig.ready(), e.g. the EBSA's
# claim-closure gateway for people received at the prison where the Jobcentre runs its surgery.
GATEWAY_SOURCES = []


def register_gateway_source(func):
    if func not in GATEWAY_SOURCES:
        GATEWAY_SOURCES.append(func)
    return func


def _merge(rows, agency_id, visible_until, sensitive_until, owner=False):
    current = rows.get(agency_id, (None, None, False))
    vis = max(d for d in (current[0], visible_until) if d is not None)
    sens_candidates = [d for d in (current[1], sensitive_until) if d is not None]
    rows[agency_id] = (vis, max(sens_candidates) if sens_candidates else None, current[2] or owner)


def expected_access(person_id: int) -> dict[int, tuple]:
    """The access rule computed from scratch: {agency_id: (visible_until, sensitive_until, is_owner)}."""
    from casework.models import Case, Person
    from consent.models import CaseInvolvement, ConsentRecord, StatutoryGateway

    rows: dict[int, tuple] = {}
    person = (
        Person.objects.filter(pk=person_id).values("anonymised_at", "created_by_agency_id").first()
    )
    if person is None or person["anonymised_at"] is not None:
        return rows  # an anonymised record is seen by nobody (reports read it without the policy)
    has_case = False
    for agency_id, end_date in Case.objects.filter(person_id=person_id).values_list(
        "owning_agency_id", "end_date"
    ):
        until = (
            FOREVER if end_date is None else end_date + datetime.timedelta(days=OWNER_GRACE_DAYS)
        )
        _merge(rows, agency_id, until, until, owner=end_date is None)
        has_case = True
    if not has_case and person["created_by_agency_id"]:
        _merge(rows, person["created_by_agency_id"], FOREVER, FOREVER, owner=True)
    involved = set(
        CaseInvolvement.objects.filter(
            case__person_id=person_id, ended_on__isnull=True, case__end_date__isnull=True
        ).values_list("agency_id", flat=True)
    )
    consents = ConsentRecord.objects.filter(
        person_id=person_id,
        employment_support=True,
        withdrawn_on__isnull=True,
        recipient_agency_id__in=involved,
    )
    for consent in consents:
        until = consent.expires_on or FOREVER
        _merge(
            rows,
            consent.recipient_agency_id,
            until,
            until if consent.sensitive_categories else None,
        )
    for agency_id, ends_on in StatutoryGateway.objects.filter(person_id=person_id).values_list(
        "agency_id", "ends_on"
    ):
        _merge(rows, agency_id, ends_on or FOREVER, None)
    for source in GATEWAY_SOURCES:
        for agency_id, until in source(person_id):
            _merge(rows, agency_id, until or FOREVER, None)
    return rows


def sort_key_for(last_name: str, first_name: str) -> str:
    """The caseload and people-list order (surname, then given name, case-insensitive)."""
    return f"{last_name} {first_name}".lower()[:210]


def refresh_person_access(person) -> None:
    """Rewrite the PersonAccess rows of one person from the rule (and the name key of their cases).
    Call inside the changing transaction."""
    from casework.models import Case, Person
    from consent.models import PersonAccess

    rows = expected_access(person.pk)
    # the stored row, not the caller's copy, which may predate a rename or a restriction
    last_name, first_name, restricted = (
        Person.objects.filter(pk=person.pk)
        .values_list("last_name", "first_name", "restricted")
        .get()
    )
    sort_key = sort_key_for(last_name, first_name)
    Case.objects.filter(person_id=person.pk).exclude(sort_key=sort_key).update(sort_key=sort_key)
    PersonAccess.objects.filter(person_id=person.pk).exclude(agency_id__in=rows).delete()
    existing = {a.agency_id: a for a in PersonAccess.objects.filter(person_id=person.pk)}
    for agency_id, (visible_until, sensitive_until, is_owner) in rows.items():
        row = existing.get(agency_id)
        values = {
            "visible_until": visible_until,
            "sensitive_until": sensitive_until,
            "is_owner": is_owner,
            "restricted": restricted,
            "sort_key": sort_key,
        }
        if row is None:
            PersonAccess.objects.create(agency_id=agency_id, person_id=person.pk, **values)
        elif any(getattr(row, k) != v for k, v in values.items()):
            PersonAccess.objects.filter(pk=row.pk).update(**values)


def consent_covers(
    person, agency, purpose: str = "employment_support", on: datetime.date | None = None
) -> bool:
    """Is there a live consent from the person to this agency for this purpose?"""
    from consent.models import ConsentRecord

    on = on or today()
    return ConsentRecord.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=on),
        person=person,
        recipient_agency=agency,
        withdrawn_on__isnull=True,
        given_on__lte=on,
        **{purpose: True},
    ).exists()


def has_restricted_grant(user, person) -> bool:
    from consent.models import RestrictedPersonUserPermission

    return RestrictedPersonUserPermission.objects.filter(
        user=user, content_object=person, permission__codename=RESTRICTED_PERMISSION
    ).exists()
