"""The single access policy: who may see which sections of which person, and who may do what.

Rule (ADR 0012, DESIGN.md "Access"): an agency sees *sections* of a person's record (consent.sections),
each granted by a basis until a date. Owner (an open case, one closed less than OWNER_GRACE_DAYS
ago, or the record it created before any case): every section. Involvement in a case (share,
accepted referral, hand-off) with a live employment-support consent: the sections the consent
covers, narrowed to what the owner chose to send; sensitive parts only under the
sensitive-categories purpose. Statutory gateways (claim closure, Freshstart): identity, custody and
release, benefits. Restricted people: named users (for the agency they were named for) and the
owning agency's managers. Emergency access: one user, identity and the owner's contact, 24 hours.
Nobody widens their own access: only owners open cases, record others' consents and restrict.

The rule is materialised per (agency, person) in PersonAccess, one end date per section, rewritten
in the same transaction as every change that feeds it (refresh_person_access), so each scoped query
is one indexed lookup and an expiry takes effect on the next request. `expected_access` recomputes
it from scratch; the tests hold PersonAccess equal to it. Every role and agency-kind rule is here
too (PERMISSIONS): no other module reads the acting role or kind to decide access.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from agencies.models import AgencyKind, Role
from consent import sections as S
from core.errors import Forbidden, NotFound

OWNER_GRACE_DAYS = 400  # post-exit checks run up to a year after the case ends
FOREVER = datetime.date(9999, 12, 31)
RESTRICTED_PERMISSION = "access_restricted_person"

STAFF = frozenset(
    {Role.CASEWORKER, Role.EBSA, Role.WORK_COACH, Role.EMPLOYMENT_ADVISER, Role.MANAGER}
)
JOBCENTRE_ROLES = frozenset({Role.EBSA, Role.WORK_COACH, Role.MANAGER})
PERSON_KINDS = frozenset(
    {AgencyKind.PROBATION, AgencyKind.PRISON, AgencyKind.JOBCENTRE, AgencyKind.PROVIDER}
)
CUSTODY_KINDS = frozenset({AgencyKind.JOBCENTRE, AgencyKind.PRISON})
JOBCENTRE = frozenset({AgencyKind.JOBCENTRE})
ANY_KIND = None

# action -> (roles allowed, agency kinds allowed or ANY_KIND). Services call require(); pages and
# the navigation call can(). Record-level rules (owner, section, row) are the functions below.
PERMISSIONS = {
    "person.view": (STAFF, PERSON_KINDS),
    "person.create": (STAFF, PERSON_KINDS),
    "person.change": (STAFF, PERSON_KINDS),
    "case.create": (STAFF, PERSON_KINDS),
    "case.change": (STAFF, PERSON_KINDS),
    "case.share": (STAFF, PERSON_KINDS),
    "consent.record": (STAFF, PERSON_KINDS),
    "consent.withdraw": (STAFF, PERSON_KINDS),
    "restricted.grant": ({Role.MANAGER}, PERSON_KINDS),
    "emergency.request": (STAFF, PERSON_KINDS),
    "emergency.review": ({Role.MANAGER}, PERSON_KINDS),
    "audit.view_person": (STAFF, PERSON_KINDS),
    "audit.view_user": ({Role.MANAGER}, ANY_KIND),
    # everyone's own notifications (they carry no personal data)
    "notification.view": (frozenset(Role), ANY_KIND),
    "report.view": ({Role.MANAGER}, ANY_KIND),  # outcome reports: request, list, download
    "referral.make": (STAFF, PERSON_KINDS),
    "employer.work": (
        {Role.CASEWORKER, Role.WORK_COACH, Role.EMPLOYMENT_ADVISER, Role.MANAGER},
        PERSON_KINDS,
    ),
    "checks_due.view": (
        {Role.EMPLOYMENT_ADVISER, Role.CASEWORKER, Role.MANAGER},
        PERSON_KINDS,
    ),
    "post_exit.view": ({Role.CASEWORKER, Role.MANAGER}, PERSON_KINDS),
    "custody.worklist": (STAFF, JOBCENTRE),
    "custody.nav": ({Role.EBSA, Role.WORK_COACH}, JOBCENTRE),
    "claim_closure.read": (STAFF, CUSTODY_KINDS),
    "claim_closure.record": ({Role.EBSA, Role.MANAGER}, JOBCENTRE),
    "scan.import": ({Role.EBSA, Role.MANAGER}, JOBCENTRE),
    # scan rows that matched nobody: the importing Jobcentre's EBSAs find, add or dismiss them
    "scan_item.work": ({Role.EBSA, Role.MANAGER}, JOBCENTRE),
    "closure_chase.record": ({Role.EBSA, Role.MANAGER}, JOBCENTRE),
    # a suspected overpayment's amount, period and fraud referral: the Jobcentre's fraud-and-error
    # work, not shown to the prison that sees the closure
    "overpayment.read": (STAFF, JOBCENTRE),
    "marker.set": (JOBCENTRE_ROLES, JOBCENTRE),
    "benefit_claim.record": (JOBCENTRE_ROLES, JOBCENTRE),
    "pre_release_advice.record": (STAFF, CUSTODY_KINDS),
    "freshstart.book": (STAFF, CUSTODY_KINDS),
    "freshstart.attendance": (JOBCENTRE_ROLES, JOBCENTRE),
    # Who manages the person, and risk and licence: the case owner's caseworkers and managers
    # (the offender manager's agency, or the prison or provider holding the case); see
    # may_record_offender_management.
    "offender_management.record": ({Role.CASEWORKER, Role.MANAGER}, PERSON_KINDS),
    # Qualifications and courses: whoever works with the person on the plan (prison learning
    # staff, probation, providers, the Jobcentre work coach); not the EBSA, whose gateway has no plan.
    # The support-given log (to the person and to employers): the roles that work with employers.
    "support.record": (
        {Role.CASEWORKER, Role.WORK_COACH, Role.EMPLOYMENT_ADVISER, Role.MANAGER},
        PERSON_KINDS,
    ),
    # Accommodation outcomes at release and three months after: whoever sees custody and release
    # and works the case (not the EBSA, whose gateway work ends at the claim).
    "accommodation.record": (
        {Role.CASEWORKER, Role.EMPLOYMENT_ADVISER, Role.WORK_COACH, Role.MANAGER},
        PERSON_KINDS,
    ),
    "learning.record": (
        {Role.CASEWORKER, Role.EMPLOYMENT_ADVISER, Role.WORK_COACH, Role.MANAGER},
        PERSON_KINDS,
    ),
    # My work (the first page after sign-in): which lists each role works from. Each app's
    # my_work_panels asks for its own action; the commissioner has none (reports only).
    "my_work.casework": ({Role.CASEWORKER, Role.MANAGER}, PERSON_KINDS),  # actions, contact
    "my_work.appointments": ({Role.CASEWORKER}, PERSON_KINDS),
    "my_work.referrals": ({Role.EMPLOYMENT_ADVISER, Role.WORK_COACH}, PERSON_KINDS),
    "my_work.employment": ({Role.EMPLOYMENT_ADVISER}, PERSON_KINDS),  # interviews, starts
    "my_work.freshstart": ({Role.WORK_COACH}, JOBCENTRE),
    "my_work.markers": ({Role.WORK_COACH}, JOBCENTRE),
    "my_work.custody_summary": ({Role.EBSA}, JOBCENTRE),
    "my_work.team": ({Role.MANAGER}, PERSON_KINDS),  # the team's overdue work by person
}


def today() -> datetime.date:
    return timezone.localdate()


def acting_of(user):
    return getattr(user, "acting", None) if user is not None and user.is_authenticated else None


def can(user, action: str) -> bool:
    """May the acting role (and agency kind) do `action` at all? (Records are checked apart.)"""
    acting = acting_of(user)
    if acting is None:
        return False
    roles, kinds = PERMISSIONS[action]
    return acting.role in roles and (kinds is None or acting.kind in kinds)


def require(user, action: str) -> None:
    """Raise Forbidden (403) unless the acting role may do `action`."""
    if not can(user, action):
        raise Forbidden("Your role does not allow this.")


def is_administrator(user) -> bool:
    """A site administrator (no case data): sets directory data such as an agency's source category."""
    return user is not None and user.is_authenticated and user.is_active and user.is_superuser


def is_manager(user) -> bool:
    acting = acting_of(user)
    return acting is not None and acting.role == Role.MANAGER


def require_owner(user, case) -> None:
    """Only the agency that owns a case changes it (others add their own actions, notes, referrals)."""
    acting = acting_of(user)
    if acting is None or case.owning_agency_id != acting.agency_id:
        raise Forbidden("Only the agency that owns this case can do this.")


def owns_case(user, case) -> bool:
    acting = acting_of(user)
    return acting is not None and case.owning_agency_id == acting.agency_id


# --- What one agency sees of one person ----------------------------------------------------


@dataclass(frozen=True)
class Access:
    """What the acting agency sees of one person today: the live sections and parts, with their
    end dates, the bases behind them, and whether the agency holds the owner basis."""

    person_id: int
    until: dict = field(default_factory=dict)  # key (section or sensitive part) -> end date
    bases: dict = field(default_factory=dict)
    owner: bool = False
    emergency: object = None  # the live EmergencyAccess, when that is the only way in

    @property
    def visible(self) -> bool:
        return bool(self.until) or self.emergency is not None

    def sees(self, section: str) -> bool:
        """A section (or a sensitive part); "sensitive" means any part."""
        if section == S.Section.SENSITIVE:
            return any(part in self.until for part in S.PARTS)
        return section in self.until

    @property
    def parts(self) -> frozenset:
        return frozenset(p for p in S.PARTS if p in self.until)

    @property
    def all_parts(self) -> bool:
        return len(self.parts) == len(S.PARTS)

    @property
    def sections(self) -> list[str]:
        return S.sections_of(self.until)

    def __getitem__(self, section):  # templates: {% if access.plan %}
        if section in S.ALL_SECTIONS or section in S.PARTS:
            return self.sees(section)
        raise KeyError(section)  # so templates fall back to the attribute (access.emergency)

    def __getattr__(self, name):
        if name in S.ALL_SECTIONS or name in S.PARTS:
            return self.sees(name)
        raise AttributeError(name)


NO_ACCESS = Access(person_id=0)


# The columns an Access is built from, read as plain tuples (no model instances on hot paths).
_UNTIL_COLUMNS = tuple(S.field_for(key) for key in S.KEYS)
_ROW_COLUMNS = ("person_id", "owner_until", "bases", *_UNTIL_COLUMNS)
# A page of people needs what each one shows, not why: no bases (a JSON document a row).
_MAP_COLUMNS = ("person_id", "owner_until", *_UNTIL_COLUMNS)


def _access_from_row(row, person_id, *, on, with_bases=True) -> Access:
    """Access from a tuple of _ROW_COLUMNS (or of _MAP_COLUMNS without bases; None: no row)."""
    if row is None:
        return Access(person_id=person_id)
    if with_bases:
        _pk, owner_until, bases, *ends = row
    else:
        (_pk, owner_until, *ends), bases = row, None
    until = {
        key: value
        for key, value in zip(S.KEYS, ends, strict=True)
        if value is not None and value >= on
    }
    owner = owner_until is not None and owner_until >= on
    return Access(person_id=person_id, until=until, bases=bases or {}, owner=owner)


def _row_visible_q(user, acting, *, prefix=""):
    """The restricted rule on PersonAccess rows: unrestricted, or named for this agency, or the
    owning agency's managers."""
    clause = Q(**{f"{prefix}restricted": False})
    named = _named_people(user)
    if named is not None:
        clause |= Q(**{f"{prefix}person_id__in": named})
    if acting.role == Role.MANAGER:
        clause |= Q(**{f"{prefix}owner_until__gte": today()})
    return clause


def _access_rows(user):
    """The acting agency's live PersonAccess rows the user may use (restricted rule applied)."""
    from consent.models import PersonAccess

    acting = acting_of(user)
    if acting is None or acting.role not in STAFF:
        return PersonAccess.objects.none()
    return PersonAccess.objects.filter(
        _row_visible_q(user, acting), agency_id=acting.agency_id, visible_until__gte=today()
    )


# Bumped by every change to access rows, grants and emergency accesses: what access_for
# remembered on a user object is used again only while nothing has changed, on the same day.
_generation = [0]


def changed() -> None:
    _generation[0] += 1


def access_for(user, person) -> Access:
    """What the acting agency sees of `person` (one query, remembered until something changes)."""
    person_id = int(getattr(person, "pk", person))
    cache = user.__dict__.setdefault("_access_cache", {}) if user is not None else {}
    acting = acting_of(user)
    on = today()
    key = (acting.agency_id if acting else None, person_id)
    stamp = (_generation[0], on)
    if key in cache and cache[key][0] == stamp:
        return cache[key][1]
    row = (
        _access_rows(user).filter(person_id=person_id).values_list(*_ROW_COLUMNS).first()
        if acting
        else None
    )
    access = _access_from_row(row, person_id, on=on)
    if not access.visible and acting is not None:
        emergency = live_emergency(user, person_id)
        if emergency is not None:
            access = Access(
                person_id=person_id,
                until={S.Section.IDENTITY: emergency.expires_at.date()},
                bases={"emergency": emergency.expires_at.date().isoformat()},
                emergency=emergency,
            )
    cache[key] = (stamp, access)
    return access


def access_map(user, person_ids) -> dict:
    """{person id: Access} for a page of people (one query whatever the page's size). What each
    person shows, not why: these Access objects carry no bases (access_for has them)."""
    ids = {int(pk) for pk in person_ids}
    on = today()
    rows = {
        row[0]: row
        for row in _access_rows(user).filter(person_id__in=ids).values_list(*_MAP_COLUMNS)
    }
    return {pk: _access_from_row(rows.get(pk), pk, on=on, with_bases=False) for pk in ids}


def forget(user) -> None:
    """Drop what access_for remembered (after a change within the same request)."""
    if user is not None:
        user.__dict__.pop("_access_cache", None)
        user.__dict__.pop("_access_q_cache", None)
        user.__dict__.pop("_named_cache", None)


def sees(user, person, section: str) -> bool:
    return access_for(user, person).sees(section)


def sees_sensitive(user, person) -> bool:
    """Any part of the sensitive section (each item still needs its own part: see sees())."""
    return access_for(user, person).sees(S.Section.SENSITIVE)


def require_section(user, person, section: str) -> "Access":
    """The person's access if it includes `section`, else NotFound (absent, as if missing)."""
    access = access_for(user, person)
    if not access.sees(section):
        raise NotFound("Not found")
    return access


def need_area_visible(access: Access, area: str) -> bool:
    """Health, drugs and alcohol ratings belong to the sensitive section, each to its part."""
    part = S.SENSITIVE_NEED_AREAS.get(area)
    return part is None or access.sees(part)


def sees_risk(access: Access) -> bool:
    """Risk of serious harm, MAPPA and licence conditions: the sensitive offence part."""
    return access.sees(S.RISK_PART)


def scope_risk(queryset, user, person_field="case__person"):
    """Risk and licence rows of people whose offence part the acting agency sees."""
    return scope_by_person(queryset, user, person_field, S.RISK_PART)


def may_record_offender_management(user, case) -> bool:
    """The offender manager and risk and licence are kept by the agency owning the case."""
    return can(user, "offender_management.record") and owns_case(user, case)


def require_offender_management(user, case) -> None:
    require(user, "offender_management.record")
    require_owner(user, case)


def may_record_learning(user, person) -> bool:
    """Qualifications and courses: a learning role at an agency that sees the action plan."""
    return can(user, "learning.record") and access_for(user, person).sees(S.Section.PLAN)


def visible_ratings(access: Access, values: dict) -> dict:
    """An assessment's {area: ...} (ratings or notes) without the areas the agency may not see."""
    return {area: v for area, v in (values or {}).items() if need_area_visible(access, area)}


# --- Scoping querysets ---------------------------------------------------------------------


def _granted(user):
    """Ids of the restricted people this user is named for while acting for this agency (a subquery)."""
    from consent.models import RestrictedPersonUserPermission

    acting = acting_of(user)
    return RestrictedPersonUserPermission.objects.filter(
        user=user,
        agency_id=acting.agency_id if acting else None,
        permission__codename=RESTRICTED_PERMISSION,
    ).values("content_object_id")


# More named people than this and the rule carries the subquery instead of the list of ids.
_NAMED_LIST_LIMIT = 200


def _named_people(user):
    """The restricted people this user is named for while acting for this agency.

    A tuple of ids read once per request (one small indexed query), None when there are none (most
    staff: then no scoped query carries a subquery at all), or the subquery when there are very
    many. Read again after any change in this process (changed()) and on a new day, as access_for.
    """
    acting = acting_of(user)
    if user is None or acting is None:
        return None
    cache = user.__dict__.setdefault("_named_cache", {})
    key = (acting.agency_id, _generation[0], today())
    if key not in cache:
        ids = tuple(
            _granted(user).values_list("content_object_id", flat=True)[: _NAMED_LIST_LIMIT + 1]
        )
        cache.clear()
        if not ids:
            cache[key] = None
        else:
            cache[key] = ids if len(ids) <= _NAMED_LIST_LIMIT else _granted(user)
    return cache[key]


def not_withheld(user, person_field="person"):
    """For rows an agency sees *before* it may see the person (an incoming referral): never an
    anonymised record, and a restricted person only for named users. Reads the people table."""
    clause = Q(**{f"{person_field}__restricted": False})
    named = _named_people(user)
    if named is not None:
        clause |= Q(**{f"{person_field}__in": named})
    return clause & Q(**{f"{person_field}__anonymised_at__isnull": True})


def _section_q(section, prefix=""):
    on = today()
    if section is None:
        return Q()
    if section == S.Section.SENSITIVE:
        return Q(**{f"{prefix}sensitive_until__gte": on})
    if section not in S.KEYS:
        raise ValueError(f"unknown section {section!r}")
    return Q(**{f"{prefix}{S.field_for(section)}__gte": on})


def _access_q(user, prefix="", section=None):
    """The whole rule on PersonAccess rows (with `prefix` leading to them), or None for no access.

    Every condition sits in one Q so that Django joins PersonAccess once; the people table is
    never read: restricted is copied into PersonAccess and anonymised people have no rows.
    """
    acting = acting_of(user)
    if acting is None or acting.role not in STAFF:
        return None
    # A page builds this rule for each of its panels: remembered on the user like access_for (Q
    # objects are not changed by the querysets that use them; the subquery inside is cloned).
    on = today()
    cache = user.__dict__.setdefault("_access_q_cache", {})
    key = (acting.agency_id, acting.role, prefix, section, _generation[0], on)
    if key not in cache:
        cache[key] = (
            _row_visible_q(user, acting, prefix=prefix)
            & Q(**{f"{prefix}agency_id": acting.agency_id, f"{prefix}visible_until__gte": on})
            & _section_q(section, prefix)
        )
    return cache[key]


def scope_people(queryset, user, section=None):
    """People the acting agency may see now (any section, or the one given): one indexed join."""
    rule = _access_q(user, "access__", section)
    return queryset.none() if rule is None else queryset.filter(rule)


def access_exists(user, person_ref, section=None):
    """EXISTS(the acting agency sees `section` of the person at `person_ref`), or None."""
    from consent.models import PersonAccess

    rule = _access_q(user, section=section)
    if rule is None:
        return None
    return Exists(PersonAccess.objects.filter(rule, person_id=person_ref))


def scope_by_person(queryset, user, person_field="person", section=None, person=None):
    """Rows of people the acting agency may see `section` of (cases, notes, spells, ...).

    A semi-join (EXISTS) on PersonAccess by the row's person id: the people table is not joined at
    all, and PostgreSQL may hash the agency's access rows or probe them per row as it sees fit.

    With `person`, the rows of that one person: the same rule decided from the Access this request
    has already read for them (access_for, shared by every panel of the person page), so the query
    carries no EXISTS at all. An emergency access reads no rows either way (it has no access row).
    """
    if person is not None:
        access = access_for(user, person)
        allowed = access.visible if section is None else access.sees(section)
        if access.emergency is not None or not allowed:
            return queryset.none()
        return queryset.filter(**{person_field: getattr(person, "pk", person)})
    exists = access_exists(user, OuterRef(person_field), section)
    return queryset.none() if exists is None else queryset.filter(exists)


def visible_person_ids(user, section=None):
    """A subquery of the ids of people whose `section` (or any) the acting agency may see."""
    from consent.models import PersonAccess

    rule = _access_q(user, section=section)
    if rule is None:
        return PersonAccess.objects.none().values("person_id")
    return PersonAccess.objects.filter(rule).values("person_id")


def owned_person_ids(user):
    """A subquery of the people the acting agency holds the owner basis for (restricted ones too:
    its managers always keep access to them)."""
    from consent.models import PersonAccess

    acting = acting_of(user)
    if acting is None or acting.role not in STAFF:
        return PersonAccess.objects.none().values("person_id")
    return PersonAccess.objects.filter(agency_id=acting.agency_id, owner_until__gte=today()).values(
        "person_id"
    )


def scope_sensitive_notes(queryset, user, person_field="case__person"):
    """Case notes the acting agency may see: notes it sees, sensitive ones only under their part
    (a legacy sensitive note without a part needs every part)."""
    scoped = scope_by_person(queryset, user, person_field, S.Section.NOTES)
    if scoped.query.is_empty():
        return scoped
    allowed = Q(sensitive=False)
    for part in S.PARTS:
        allowed |= Q(sensitive_part=part) & access_exists(user, OuterRef(person_field), part)
    every = [access_exists(user, OuterRef(person_field), part) for part in S.PARTS]
    legacy = Q(sensitive_part="")
    for exists in every:
        legacy &= exists
    return scoped.filter(allowed | legacy)


def scope_consents(queryset, user):
    """Consent records: all of a person's for an agency holding the owner basis, and otherwise the
    acting agency's own (as recipient), for people it may see."""
    from consent.models import PersonAccess

    acting = acting_of(user)
    rule = _access_q(user)
    if rule is None:
        return queryset.none()
    owner = PersonAccess.objects.filter(rule, owner_until__gte=today()).values("person_id")
    visible = PersonAccess.objects.filter(rule).values("person_id")
    return queryset.filter(
        Q(person_id__in=owner) | Q(recipient_agency_id=acting.agency_id, person_id__in=visible)
    )


def scope_claim_closures(queryset, user):
    """Claim closures exist only inside Jobcentre and prison agencies: a Jobcentre sees those of
    people whose benefits it sees, a prison those recorded at its establishments."""
    if not can(user, "claim_closure.read"):
        return queryset.none()
    acting = acting_of(user)
    scoped = scope_by_person(queryset, user, section=S.Section.BENEFITS)
    if acting.kind == AgencyKind.PRISON:
        return scoped.filter(establishment__agency_id=acting.agency_id)
    return scoped


def scope_closure_chases(queryset, user):
    """Chases of the Benefit Delivery Centre go with their claim closure: seen where it is seen."""
    from custody.models import ClaimClosure

    if not can(user, "claim_closure.read"):
        return queryset.none()
    return queryset.filter(closure__in=scope_claim_closures(ClaimClosure.objects.all(), user))


def may_chase_closure(user, closure) -> bool:
    """Only the Jobcentre that recorded a claim closure chases its Benefit Delivery Centre (and
    corrects those chases)."""
    acting = acting_of(user)
    return can(user, "closure_chase.record") and acting.agency_id == closure.agency_id


def scope_scan_items(queryset, user):
    """Scan rows that matched nobody hold what a matching scan said of someone Resettle does not
    know (name, identifiers, date of birth): only the Jobcentre that imported the scan sees them,
    and only its EBSAs and managers."""
    if not can(user, "scan_item.work"):
        return queryset.none()
    return queryset.filter(agency_id=acting_of(user).agency_id, item_state__gt="")


def may_see_overpayment(user) -> bool:
    """The amount, period and fraud referral of a suspected overpayment (on a closure the user may
    read): Jobcentre staff only."""
    return can(user, "overpayment.read")


def scope_markers(queryset, user):
    """Offender markers go with the benefits section; drug and alcohol markers never leave the
    Jobcentre that set them (which sees them live while their consent is, and ended after)."""
    acting = acting_of(user)
    if acting is None:
        return queryset.none()
    offender = scope_by_person(queryset, user, section=S.Section.BENEFITS).filter(kind="offender")
    if not can(user, "marker.set"):
        return offender
    own = scope_by_person(queryset, user).filter(
        kind__in=["drug", "alcohol"], jobcentre_id=acting.agency_id
    )
    return queryset.filter(Q(pk__in=offender.values("pk")) | Q(pk__in=own.values("pk")))


def scope_referrals_by_section(queryset, user):
    """Referrals of people whose referrals section the acting agency sees (drafts stay private)."""
    return scope_by_person(queryset, user, section=S.Section.REFERRALS).exclude(status="draft")


def live_consent_q(user, *, person_field="person_id", purpose="employment_support"):
    """EXISTS(a live consent from the row's person to the acting agency for `purpose`)."""
    from consent.models import ConsentRecord

    acting = acting_of(user)
    on = today()
    return Exists(
        ConsentRecord.objects.filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=on),
            person_id=OuterRef(person_field),
            recipient_agency_id=acting.agency_id if acting else None,
            withdrawn_on__isnull=True,
            given_on__lte=on,
            **{purpose: True},
        )
    )


def get_person(user, pk, section=None):
    """The person if the acting agency may see them (and `section`, when given), else NotFound
    (the same answer as a missing record). Emergency access counts, for identity only."""
    from casework.models import Person

    try:
        pk = int(pk)
    except (ValueError, TypeError):
        raise NotFound("Person not found") from None
    access = access_for(user, pk)
    if not access.visible or (section is not None and not access.sees(section)):
        raise NotFound("Person not found")
    person = Person.objects.filter(pk=pk, anonymised_at__isnull=True).first()
    if person is None:
        raise NotFound("Person not found")
    return person


# --- Who may change what ----------------------------------------------------------------------


def is_owner(user, person) -> bool:
    """Does the acting agency hold the owner basis for the person (today)?"""
    return access_for(user, person).owner


def require_person_owner(user, person, message: str) -> None:
    if not is_owner(user, person):
        raise Forbidden(message)


def may_change_row(user, *, person, row_agency_id) -> bool:
    """A row is changed only by the agency that recorded it, or by the person's case owner."""
    acting = acting_of(user)
    if acting is None or acting.role not in STAFF:
        return False
    return row_agency_id == acting.agency_id or is_owner(user, person)


def require_row_change(user, *, person, row_agency_id, what: str = "this record") -> None:
    if not may_change_row(user, person=person, row_agency_id=row_agency_id):
        raise Forbidden(f"Only the agency that recorded {what}, or the case owner, can change it.")


def may_change_involvement_site(user, involvement) -> bool:
    """Which of its sites works a case is the involved agency's own record: only its staff change it,
    while the involvement is open (not the case owner, not another agency)."""
    acting = acting_of(user)
    return (
        acting is not None
        and acting.role in STAFF
        and involvement.agency_id == acting.agency_id
        and involvement.ended_on is None
    )


def own_open_involvement(user, case_id):
    """The acting agency's open involvement in a case (with its site), or None."""
    from consent.models import CaseInvolvement

    acting = acting_of(user)
    if acting is None:
        return None
    return (
        CaseInvolvement.objects.filter(
            case_id=case_id, agency_id=acting.agency_id, ended_on__isnull=True
        )
        .select_related("site")
        .first()
    )


def require_involvement_site_change(user, involvement) -> None:
    acting = acting_of(user)
    if acting is None or involvement.agency_id != acting.agency_id:
        raise NotFound("Involvement not found")  # another agency's record is a 404
    if not may_change_involvement_site(user, involvement):
        raise Forbidden("Only your agency's staff can change the site, while it works on the case.")


def may_see_reoffences(user, person) -> bool:
    """Re-offences (proven offences, recalls) are offence data: the sensitive offence part
    (consent.sections). An agency sees them only where it sees that part of the person's record."""
    return sees(user, person, S.SensitivePart.OFFENCE)


def may_record_reoffence(user, case) -> bool:
    """The case owner records them (it holds the offender-management record), and only while it sees
    the offence part; a partner that sees them reads them and tells the owner."""
    return (
        can(user, "case.change") and owns_case(user, case) and may_see_reoffences(user, case.person)
    )


def require_reoffence_record(user, case) -> None:
    if not may_see_reoffences(user, case.person):
        raise NotFound("Not found")  # as if absent: the agency does not see offence data
    if not may_record_reoffence(user, case):
        raise Forbidden("Only the agency that owns this case can record re-offences.")


def may_open_case(user, person) -> bool:
    """Only an agency holding the owner basis opens a case: another agency that needs its own asks
    the owner for a hand-off or a referral, so opening a case never widens anyone's access."""
    return can(user, "case.create") and is_owner(user, person)


def may_record_consent(user, person, recipient_agency) -> bool:
    """The owner records any recipient's consent; another agency only its own (for itself)."""
    acting = acting_of(user)
    if acting is None or not can(user, "consent.record"):
        return False
    if not access_for(user, person).visible or access_for(user, person).emergency is not None:
        return False
    return is_owner(user, person) or recipient_agency.pk == acting.agency_id


def consent_recipients(user, person):
    """The agencies the user may record a consent for: any (but a commissioner) for the owner,
    only its own agency otherwise (nothing without the role, or under emergency access)."""
    from agencies.models import Agency

    acting = acting_of(user)
    access = access_for(user, person)
    agencies = Agency.objects.filter(is_active=True).exclude(kind=AgencyKind.COMMISSIONER)
    if acting is None or not can(user, "consent.record") or not access.visible or access.emergency:
        return agencies.none()
    if access.owner:
        return agencies
    return agencies.filter(pk=acting.agency_id)


def may_withdraw_consent(user, consent) -> bool:
    acting = acting_of(user)
    if acting is None or not can(user, "consent.withdraw"):
        return False
    if not access_for(user, consent.person_id).visible:
        return False
    return is_owner(user, consent.person_id) or consent.recipient_agency_id == acting.agency_id


def may_manage_restriction(user, person) -> bool:
    """Only the owning agency's managers restrict, lift or name staff for a record."""
    return can(user, "restricted.grant") and is_owner(user, person)


def may_read_access_log(user, person) -> bool:
    """Who has viewed a record is for the case team: the owner and agencies seeing the case."""
    access = access_for(user, person)
    return can(user, "audit.view_person") and (access.owner or access.sees(S.Section.CASE))


def may_download_case_summary(user, case) -> bool:
    """A printable case summary is for the agency that owns the case (its staff, holding the owner
    basis today); partners read what they were given on screen. The summary itself lists only the
    sections the user's Access sees (casework/case_summary.py)."""
    return owns_case(user, case) and access_for(user, case.person_id).owner


def nameable_people(user, person_ids) -> set[int]:
    """Of the people in a page of access events, those the reader may see named: the ones whose
    identity the acting agency sees today (one query). A staff access log names nobody else: an
    expired share or a restriction hides the name as it hides the record."""
    return {
        pk for pk, access in access_map(user, person_ids).items() if access.sees(S.Section.IDENTITY)
    }


def may_export_subject_access(user, person) -> bool:
    """A subject access export is whole (it is for the person): only the owner's managers make it."""
    return can(user, "audit.view_user") and is_manager(user) and is_owner(user, person)


def consent_covers(
    person, agency, purpose: str = "employment_support", on=None, category: str | None = None
) -> bool:
    """Is there a live consent from the person to this agency for this purpose (and category)?"""
    return live_consent(person, agency, purpose=purpose, on=on, category=category) is not None


def live_consent_records(person, *, purpose="employment_support", on=None):
    """The person's live consents for `purpose`, to any recipient, newest first (a queryset, so a
    caller can use it as a subquery: e.g. the Jobcentres an offender declaration still covers)."""
    from consent.models import ConsentRecord

    on = on or today()
    return ConsentRecord.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=on),
        person=person,
        withdrawn_on__isnull=True,
        given_on__lte=on,
        **{purpose: True},
    ).order_by("-given_on", "-id")


def live_consent(person, agency, *, purpose="employment_support", on=None, category=None):
    """The newest live consent from the person to the agency for `purpose` (and `category`)."""
    consents = live_consent_records(person, purpose=purpose, on=on).filter(recipient_agency=agency)
    for consent in consents:
        if category is None or category in consent.data_categories:
            return consent
    return None


def agency_on_case(case, agency) -> bool:
    """Does the agency own the case or work on it (an open involvement)?"""
    from consent.models import CaseInvolvement

    return (
        agency.pk == case.owning_agency_id
        or CaseInvolvement.objects.filter(case=case, agency=agency, ended_on__isnull=True).exists()
    )


def involved_case_ids(user):
    """A subquery of the cases the acting agency is involved in (not as owner)."""
    from consent.models import CaseInvolvement

    acting = acting_of(user)
    return CaseInvolvement.objects.filter(
        agency_id=acting.agency_id if acting else None, ended_on__isnull=True
    ).values("case_id")


def cases_worked_on(user, person):
    """The person's cases the acting agency owns or is involved in (for linking its own records,
    such as a job start, to the right case; what it may see of them is the sections' business)."""
    from casework.models import Case

    acting = acting_of(user)
    if acting is None or not access_for(user, person).visible:
        return Case.objects.none()
    return Case.objects.filter(person=person).filter(
        Q(owning_agency_id=acting.agency_id) | Q(pk__in=involved_case_ids(user))
    )


def live_emergency(user, person_id):
    from consent.models import EmergencyAccess

    acting = acting_of(user)
    if acting is None or acting.role not in STAFF:
        return None
    return (
        EmergencyAccess.objects.filter(
            user=user,
            agency_id=acting.agency_id,
            person_id=person_id,
            expires_at__gt=timezone.now(),
        )
        .order_by("-expires_at")
        .first()
    )


# --- Maintaining PersonAccess ---------------------------------------------------------------

# Extra statutory gateways computed from other apps' data: func(person_id) -> iterable of
# (agency_id, visible_until or None, reason). Registered in an AppConfig.ready(), e.g. the EBSA's
# claim-closure gateway for people received at the prison where the Jobcentre runs its surgery.
GATEWAY_SOURCES = []


def register_gateway_source(func):
    if func not in GATEWAY_SOURCES:
        GATEWAY_SOURCES.append(func)
    return func


@dataclass
class Grant:
    """What one agency is given for one person, computed from the bases (before the restricted rule)."""

    until: dict = field(default_factory=dict)  # key -> date
    bases: dict = field(default_factory=dict)  # basis -> date
    owner_until: datetime.date | None = None

    def add(self, basis: str, keys, until: datetime.date) -> None:
        keys = list(keys)
        if not keys:
            return
        for key in keys:
            if key not in self.until or self.until[key] < until:
                self.until[key] = until
        if basis not in self.bases or self.bases[basis] < until:
            self.bases[basis] = until

    @property
    def visible_until(self):
        return max(self.until.values()) if self.until else None

    def columns(self) -> dict:
        values = {S.field_for(key): self.until.get(key) for key in S.KEYS}
        parts = [self.until[p] for p in S.PARTS if p in self.until]
        values["sensitive_until"] = max(parts) if parts else None
        values["visible_until"] = self.visible_until
        values["owner_until"] = self.owner_until
        values["bases"] = {basis: day.isoformat() for basis, day in sorted(self.bases.items())}
        return values


def consent_keys(consent, narrowing=None) -> set:
    """The keys (sections and sensitive parts) a consent gives an involved agency, narrowed to
    what the owner chose to send (None: everything the consent covers)."""
    if not consent.employment_support:
        return set()
    categories = set(consent.data_categories or [])
    keys = categories & S.NON_SENSITIVE_CATEGORIES
    if consent.sensitive_categories:
        keys |= categories & S.SENSITIVE_CATEGORIES
    if narrowing is not None:
        keys &= set(narrowing)
    return keys


def expected_access(person_id: int) -> dict[int, Grant]:
    """The access rule computed from scratch: {agency_id: Grant}."""
    from casework.models import Case, Person
    from consent.models import CaseInvolvement, ConsentRecord, StatutoryGateway

    grants: dict[int, Grant] = {}
    person = (
        Person.objects.filter(pk=person_id).values("anonymised_at", "created_by_agency_id").first()
    )
    if person is None or person["anonymised_at"] is not None:
        return grants  # an anonymised record is seen by nobody (reports read it without the policy)

    def grant(agency_id):
        return grants.setdefault(agency_id, Grant())

    cases = list(
        Case.objects.filter(person_id=person_id).values_list("owning_agency_id", "end_date")
    )
    owners = cases or (
        [(person["created_by_agency_id"], None)] if person["created_by_agency_id"] else []
    )
    for agency_id, end_date in owners:
        until = (
            FOREVER if end_date is None else end_date + datetime.timedelta(days=OWNER_GRACE_DAYS)
        )
        g = grant(agency_id)
        g.add("owner", S.KEYS, until)
        g.owner_until = max(g.owner_until or until, until)
    narrowing: dict[int, set | None] = {}
    for agency_id, categories in CaseInvolvement.objects.filter(
        case__person_id=person_id, ended_on__isnull=True, case__end_date__isnull=True
    ).values_list("agency_id", "categories"):
        chosen = set(categories or S.KEYS)
        narrowing[agency_id] = (narrowing.get(agency_id) or set()) | chosen
    # An expired consent (or gateway) is still written with its end date: the queries compare
    # that date with today, so expiry takes effect without a job and the rows stay as computed.
    consents = ConsentRecord.objects.filter(
        person_id=person_id,
        employment_support=True,
        withdrawn_on__isnull=True,
        recipient_agency_id__in=list(narrowing),
    )
    for consent in consents:
        keys = consent_keys(consent, narrowing[consent.recipient_agency_id])
        grant(consent.recipient_agency_id).add("consent", keys, consent.expires_on or FOREVER)
    gateways = [
        (agency_id, ends_on, reason)
        for agency_id, ends_on, reason in StatutoryGateway.objects.filter(
            person_id=person_id
        ).values_list("agency_id", "ends_on", "reason")
    ]
    for source in GATEWAY_SOURCES:
        gateways.extend(source(person_id))
    for agency_id, ends_on, reason in gateways:
        grant(agency_id).add(reason, S.GATEWAY_SECTIONS[reason], ends_on or FOREVER)
    return {agency_id: g for agency_id, g in grants.items() if g.until}


def sort_key_for(last_name: str, first_name: str) -> str:
    """The caseload and people-list order (surname, then given name, case-insensitive)."""
    return f"{last_name} {first_name}".lower()[:210]


def refresh_person_access(person) -> None:
    """Rewrite the PersonAccess rows of one person from the rule (and the name key of their cases).
    Call inside the changing transaction."""
    from casework.models import Case, Person
    from consent.models import PersonAccess

    changed()
    grants = expected_access(person.pk)
    # the stored row, not the caller's copy, which may predate a rename or a restriction
    last_name, first_name, restricted = (
        Person.objects.filter(pk=person.pk)
        .values_list("last_name", "first_name", "restricted")
        .get()
    )
    sort_key = sort_key_for(last_name, first_name)
    Case.objects.filter(person_id=person.pk).exclude(sort_key=sort_key).update(sort_key=sort_key)
    PersonAccess.objects.filter(person_id=person.pk).exclude(agency_id__in=grants).delete()
    existing = {a.agency_id: a for a in PersonAccess.objects.filter(person_id=person.pk)}
    for agency_id, g in grants.items():
        values = g.columns() | {"restricted": restricted, "sort_key": sort_key}
        row = existing.get(agency_id)
        if row is None:
            PersonAccess.objects.create(agency_id=agency_id, person_id=person.pk, **values)
        elif any(getattr(row, k) != v for k, v in values.items()):
            PersonAccess.objects.filter(pk=row.pk).update(**values)


def set_restricted_flag(person, restricted: bool) -> None:
    """Copy the person's restricted flag into their access rows (in the changing transaction)."""
    from consent.models import PersonAccess

    changed()
    PersonAccess.objects.filter(person=person).update(restricted=restricted)


def stored_access(person_id: int) -> dict:
    """{agency_id: columns} as stored, in the shape Grant.columns() gives (for tests and checks)."""
    from consent.models import PersonAccess

    names = [S.field_for(k) for k in S.KEYS] + [
        "sensitive_until",
        "visible_until",
        "owner_until",
        "bases",
    ]
    return {
        row["agency_id"]: {n: row[n] for n in names}
        for row in PersonAccess.objects.filter(person_id=person_id).values("agency_id", *names)
    }


def who_can_see(person) -> list[dict]:
    """Every agency that can see any part of the record today, from the rows the queries use:
    {agency, bases [(label, until)], sections [(label, until)], restricted}."""
    from consent.models import PersonAccess

    on = today()
    lines = []
    rows = (
        PersonAccess.objects.filter(person=person, visible_until__gte=on)
        .select_related("agency")
        .order_by("agency__name")
    )
    for row in rows:
        access = _access_from_row(
            tuple(getattr(row, column) for column in _ROW_COLUMNS), person.pk, on=on
        )
        bases = [
            (S.BASIS_LABELS.get(basis, basis), datetime.date.fromisoformat(until))
            for basis, until in (row.bases or {}).items()
            if datetime.date.fromisoformat(until) >= on
        ]
        sections = []
        for section in access.sections:
            if section == S.Section.SENSITIVE:
                parts = sorted(access.parts)
                until = max(access.until[p] for p in parts)
                text = (
                    "sensitive (" + ", ".join(S.SensitivePart(p).label.lower() for p in parts) + ")"
                )
                sections.append((text, until))
            else:
                sections.append((S.Section(section).label.lower(), access.until[section]))
        lines.append(
            {
                "agency": row.agency,
                "owner": access.owner,
                "bases": bases,
                "sections": sections,
                "all": len(access.until) == len(S.KEYS),
            }
        )
    lines.sort(key=lambda line: (not line["owner"], line["agency"].name))
    return lines


def named_grants(person):
    """The staff named for a restricted record, with the agency each grant holds for."""
    from consent.models import RestrictedPersonUserPermission

    return RestrictedPersonUserPermission.objects.filter(
        content_object=person, permission__codename=RESTRICTED_PERMISSION
    ).select_related("user", "agency")


def emergency_accesses(person, *, live_only=True):
    from consent.models import EmergencyAccess

    qs = EmergencyAccess.objects.filter(person=person).select_related("user", "agency")
    if live_only:
        qs = qs.filter(expires_at__gt=timezone.now())
    return qs
