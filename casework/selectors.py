"""Reads for people and cases. Every query starts from for_user (the access policy)."""

import datetime

from django.db.models import Case as When_
from django.db.models import F, IntegerField, Prefetch, Q, Value, When

from casework.models import (
    Appointment,
    Assessment,
    Case,
    CaseNote,
    EstablishmentTransfer,
    Goal,
    HandoffStatus,
    NeedArea,
    Person,
    PlanAction,
    ReleaseHandoff,
    ReleasePlan,
    SentenceEpisode,
)
from casework.validators import normalise
from consent import policy


def person_search(*, user, q: str):
    """Visible people matching a name, CRN, prison number or NI number, by surname.

    Names are matched in the agency's own PersonAccess rows (sort_key holds "surname given-name",
    read from the covering person_access_lookup index), so the work is the agency's people, not every
    person in the country with that name; aliases use their trigram index and identifiers their
    exact indexes, and find only people whose identity section the agency sees. The three sets of
    ids are joined by UNION ALL (docs/performance.md).
    """
    matched = person_search_ids(user=user, q=q)
    qs = Person.objects.for_user(user)
    if matched is None:
        return qs.none()
    return qs.filter(pk__in=matched).order_by("access__sort_key", "access__person_id")


def person_search_ids(*, user, q: str):
    """The ids person_search() finds (a subquery), or None for an empty search."""
    q = (q or "").strip()
    if not q:
        return None
    terms = [term.lower() for term in q.split()[:3]]
    by_name = policy.visible_person_ids(user).filter(
        *[Q(sort_key__contains=term) for term in terms]
    )
    aliases = Q()
    for term in terms:
        aliases &= Q(aliases__icontains=term)
    ident = normalise(q)
    by_alias = Person.objects.filter(aliases).order_by().values("pk")
    by_identifier = (
        Person.objects.filter(
            Q(crn=ident) | Q(prison_number=ident) | Q(national_insurance_number=ident)
        )
        .order_by()
        .values("pk")
    )
    # aliases and identifiers are identity data: they find only people whose identity the agency sees
    identity = policy.visible_person_ids(user, "identity").order_by()
    return by_name.order_by().union(
        identity.filter(person_id__in=by_alias.union(by_identifier, all=True)), all=True
    )


def _caseload(user, *, stage="", support_level="", q=""):
    """Open cases the acting agency may see, filtered; each row knows whether it is the user's."""
    qs = (
        Case.objects.for_user(user)
        .open()
        .select_related("person", "owner", "owning_agency")
        .annotate(
            is_mine=When_(
                When(owner_id=user.pk, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
    )
    if stage:
        qs = qs.filter(stage=stage)
    if support_level:
        qs = qs.filter(support_level=support_level)
    if q:
        qs = qs.filter(person__in=person_search(user=user, q=q).values("pk"))
    return qs


def caseload_segments(
    *, user, stage: str = "", support_level: str = "", mine: bool = False, q: str = ""
):
    """The caseload as it is shown: the user's own cases, then the team's, then other agencies' cases
    the agency is involved in; each by name (Case.sort_key), so that each segment is one walk of the
    case_open_caseload index (or the involvement index) and a page reads about 25 rows, not the
    agency's thousands (docs/performance.md). Page it with core.pagination.narrow_page(Segments(...))."""
    agency_id = user.acting.agency_id
    qs = _caseload(user, stage=stage, support_level=support_level, q=q)
    order = ("sort_key", "id")
    own = qs.filter(owning_agency_id=agency_id)
    segments = [own.filter(owner_id=user.pk).order_by(*order)]
    if not mine:
        involved = policy.involved_case_ids(user)
        segments += [
            own.exclude(owner_id=user.pk).order_by(*order),
            qs.filter(pk__in=involved).exclude(owning_agency_id=agency_id).order_by(*order),
        ]
    return segments


def caseload_for_user(
    *, user, stage: str = "", support_level: str = "", mine: bool = False, q: str = ""
):
    """The whole caseload as one queryset, in the page's order (for job matching and exports)."""
    acting = user.acting
    owned = (
        Case.objects.filter(owning_agency_id=acting.agency_id, end_date__isnull=True)
        .order_by()
        .values("pk")
    )
    involved = policy.involved_case_ids(user).order_by()
    qs = _caseload(user, stage=stage, support_level=support_level, q=q).filter(
        pk__in=owned.union(involved, all=True)
    )
    if mine:
        qs = qs.filter(owner_id=user.pk)
    return qs.annotate(
        shared=When_(
            When(owning_agency_id=acting.agency_id, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("is_mine", "shared", "sort_key", "id")


def cases_for_person(*, user, person):
    return Case.objects.for_user(user, person=person).select_related(
        "owning_agency", "owner", "site"
    )


def get_case(*, user, pk) -> Case:
    from core.errors import NotFound

    try:
        return (
            Case.objects.for_user(user)
            .select_related("person", "owning_agency", "owner", "site")
            .get(pk=int(pk))
        )
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound("Case not found") from None


# --- The casework journey: assessment, plan, notes, custody, hand-offs, My work ------------------

NO_CONTACT_DAYS = 28
ACCOMMODATION_SCREENING_DAYS = 4


def _get(qs, pk, message):
    from core.errors import NotFound

    try:
        return qs.get(pk=int(pk))
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise NotFound(message) from None


def assessments_for_case(*, user, case, access=None):
    """The case's assessments, oldest first, each without the need areas (health, drugs, alcohol)
    whose sensitive part the acting agency does not see."""
    from consent import policy

    access = access or policy.access_for(user, case.person)
    visible_areas = [a for a in NeedArea.values if policy.need_area_visible(access, a)]
    assessments = list(
        Assessment.objects.for_user(user)
        .filter(case=case)
        .select_related("assessed_by", "agency")
        .order_by("assessed_on", "id")
    )
    for assessment in assessments:
        assessment.ratings = policy.visible_ratings(access, assessment.ratings)
        assessment.area_notes = policy.visible_ratings(access, assessment.area_notes)
        assessment.visible_areas = visible_areas
        assessment.redacted = True  # never saved back: it holds only what this agency may see
    return assessments


def goals_for_case(*, user, case):
    return list(Goal.objects.for_user(user).filter(case=case).select_related("agency"))


def actions_for_case(*, user, case):
    return list(
        PlanAction.objects.for_user(user)
        .filter(case=case)
        .select_related("owner_agency", "owner", "goal")
    )


def action_owner_choices(*, user, case):
    """Who may be named as an action's owner: the acting agency's own staff and, on a case the
    agency owns, the staff of agencies working on it. (Any other user id is "does not exist", so
    the field tells nobody who works where.) Returns (agencies, users)."""
    from django.contrib.auth import get_user_model

    from agencies.models import Agency

    acting = user.acting
    agency_ids = [acting.agency_id]
    if case.owning_agency_id == acting.agency_id:
        agency_ids += list(
            case.involvements.filter(ended_on__isnull=True).values_list("agency_id", flat=True)
        )
    agencies = Agency.objects.filter(pk__in=agency_ids)
    users = (
        get_user_model()
        .objects.filter(
            is_active=True, memberships__agency_id__in=agency_ids, memberships__is_active=True
        )
        .distinct()
        .order_by("first_name", "last_name")
    )
    return agencies, users


def appointments_for_case(*, user, case):
    return list(
        Appointment.objects.for_user(user)
        .filter(case=case)
        .select_related("agency")
        .order_by("-at", "-id")
    )


def get_action(*, user, case, pk) -> PlanAction:
    return _get(
        PlanAction.objects.for_user(user)
        .filter(case=case)
        .select_related("owner_agency", "owner", "case"),
        pk,
        "Action not found",
    )


def get_appointment(*, user, case, pk) -> Appointment:
    return _get(Appointment.objects.for_user(user).filter(case=case), pk, "Appointment not found")


def notes_for_case(*, user, case):
    """Case notes; a sensitive one only for an agency that sees its sensitive part (for_user)."""
    return CaseNote.objects.for_user(user).filter(case=case).select_related("author", "agency")


def _without_offence(user, person, sentences):
    """The offence summary is sensitive (the offence part): blanked for agencies without it."""
    from consent import policy

    if not policy.sees(user, person, "offence"):
        for sentence in sentences:
            sentence.offence_summary = ""
            sentence.redacted = True
    return sentences


def person_custody(*, user, person, access) -> dict:
    """The custody and release section of the person page: sentences and release plans (two
    queries), or nothing where the acting agency does not see the section."""
    from consent.sections import Section

    if not access.sees(Section.CUSTODY):
        return {}
    sentences = _without_offence(
        user,
        person,
        list(
            SentenceEpisode.objects.for_user(user, person=person)
            .select_related("establishment")
            .order_by("-reception_date", "-sentence_date", "-id")[:5]
        ),
    )
    plans = list(ReleasePlan.objects.for_user(user, person=person).order_by("-updated_at")[:2])
    return {"sentences": sentences, "plans": plans}


def owner_contacts(*, person) -> list[dict]:
    """Who to contact about a person: the owning agencies of their open cases and the caseworkers
    responsible (agency and staff contact details only; shown with emergency access)."""
    return list(
        Case.objects.filter(person=person, end_date__isnull=True)
        .values(
            "owning_agency__name",
            "owning_agency__contact_name",
            "owning_agency__contact_email",
            "owner__first_name",
            "owner__last_name",
            "owner__email",
        )
        .order_by("owning_agency__name")
    )


def involvements_for_case(*, case):
    """The agencies working on the case, with what was shared with each (the case team)."""
    return case.involvements.select_related("agency", "site").order_by("started_on", "id")


def sentences_for_case(*, user, case):
    return _without_offence(
        user,
        case.person,
        list(
            SentenceEpisode.objects.for_user(user)
            .filter(case=case)
            .select_related("establishment")
            .prefetch_related(
                Prefetch(
                    "transfers",
                    queryset=EstablishmentTransfer.objects.select_related(
                        "from_establishment", "to_establishment"
                    ),
                )
            )
        ),
    )


def get_sentence(*, user, case, pk) -> SentenceEpisode:
    return _get(
        SentenceEpisode.objects.for_user(user).filter(case=case).select_related("establishment"),
        pk,
        "Sentence not found",
    )


def release_plan_for_case(*, case) -> ReleasePlan | None:
    return ReleasePlan.objects.filter(case=case).first()


def accommodation_screening(*, sentences, plan, today) -> dict:
    """Was accommodation screened within 4 days of the latest reception (003 VI.A.2)?"""
    receptions = [s.reception_date for s in sentences if s.reception_date]
    if not receptions:
        return {"state": "no_reception", "text": "No reception recorded"}
    reception = max(receptions)
    due = reception + datetime.timedelta(days=ACCOMMODATION_SCREENING_DAYS)
    screened = plan.accommodation_screened_on if plan else None
    if screened:
        on_time = screened <= due
        return {
            "state": "done" if on_time else "late",
            "due": due,
            "screened": screened,
            "text": f"Screened on {screened:%-d %B %Y}"
            + ("" if on_time else f", late (due by {due:%-d %B %Y})"),
        }
    return {
        "state": "overdue" if today > due else "due",
        "due": due,
        "text": f"Not screened: {'overdue since' if today > due else 'due by'} {due:%-d %B %Y}",
    }


def handoffs_for_case(*, user, case):
    return list(
        ReleaseHandoff.objects.for_user(user)
        .filter(case=case)
        .select_related("from_agency", "to_agency", "to_site", "requested_by", "decided_by")
    )


def get_handoff(*, user, pk) -> ReleaseHandoff:
    return _get(
        ReleaseHandoff.objects.for_user(user).select_related(
            "case", "case__person", "from_agency", "to_agency", "to_site", "requested_by"
        ),
        pk,
        "Hand-off not found",
    )


def handoffs_waiting(*, user):
    """Pending hand-offs to the acting agency (its inbox), oldest first."""
    return (
        ReleaseHandoff.objects.for_user(user)
        .filter(to_agency_id=user.acting.agency_id, status=HandoffStatus.PENDING)
        .select_related("case", "case__person", "from_agency", "to_site", "requested_by")
        .order_by("requested_at", "id")
    )


def overdue_actions(*, user, mine_only: bool = True):
    """Open actions of the acting agency past their due date (assigned to the user, or unassigned)."""
    from consent import policy

    qs = (
        PlanAction.objects.for_user(user)
        .overdue(policy.today())
        .filter(owner_agency_id=user.acting.agency_id, case__end_date__isnull=True)
    )
    if mine_only:
        qs = qs.filter(Q(owner_id=user.pk) | Q(owner__isnull=True))
    return qs.select_related("case", "case__person", "owner").order_by("due_date", "id")


def cases_without_contact(*, user, days: int = NO_CONTACT_DAYS, mine_only: bool = True):
    """Open cases of the acting agency with no note and no attended appointment in the last `days` days."""
    from consent import policy

    since = policy.today() - datetime.timedelta(days=days)
    # Case.last_contact_on (kept by services.refresh_last_contact) and the case_open_last_contact index:
    # the list is read oldest contact first and stops at the page, whatever the team's size.
    qs = (
        Case.objects.for_user(user)
        .open()
        .filter(owning_agency_id=user.acting.agency_id, start_date__lte=since)
        .filter(Q(last_contact_on__lt=since) | Q(last_contact_on__isnull=True))
        .select_related("person", "owner")
    )
    if mine_only:
        qs = qs.filter(owner_id=user.pk)
    return qs.order_by(F("last_contact_on").asc(nulls_first=True), "id")


def overdue_actions_list(*, user, whose: str = "", owner_id: int | None = None):
    """The full list of overdue actions My work opens: the user's own and unassigned ones
    (whose="mine"), the team's (""), or one person's (owner_id; 0 for unassigned)."""
    qs = overdue_actions(user=user, mine_only=whose == "mine")
    if owner_id == 0:
        qs = qs.filter(owner__isnull=True)
    elif owner_id:
        qs = qs.filter(owner_id=owner_id)
    return qs


def overdue_by_owner(*, user, limit: int = 50) -> list[dict]:
    """The team's overdue actions counted by who owns them, the most first (one grouped query):
    [{"owner_id", "name", "count", "oldest"}], "Unassigned" for actions with no owner."""
    from django.db.models import Count, Min

    rows = (
        overdue_actions(user=user, mine_only=False)
        .order_by()
        .values("owner_id", "owner__first_name", "owner__last_name", "owner__username")
        .annotate(count=Count("id"), oldest=Min("due_date"))
        .order_by("-count", "oldest", "owner_id")[:limit]
    )
    return [
        {
            "owner_id": row["owner_id"] or 0,
            "name": (
                f"{row['owner__first_name']} {row['owner__last_name']}".strip()
                or row["owner__username"]
            )
            if row["owner_id"]
            else "Unassigned",
            "count": row["count"],
            "oldest": row["oldest"],
        }
        for row in rows
    ]


def appointments_this_week(*, user, whose: str = "mine"):
    """The acting agency's appointments from the start of today to the end of the seventh day, on
    its open cases: the user's own cases (whose="mine") or the team's, the soonest first."""
    from django.utils import timezone

    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    qs = Appointment.objects.for_user(user).filter(
        agency_id=user.acting.agency_id,
        at__gte=start,
        at__lt=start + datetime.timedelta(days=7),
        case__end_date__isnull=True,
        cancelled_at__isnull=True,
    )
    if whose == "mine":
        qs = qs.filter(Q(case__owner_id=user.pk) | Q(created_by_id=user.pk))
    return qs.select_related("case", "case__person").order_by("at", "id")
