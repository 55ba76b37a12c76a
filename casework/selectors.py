"""Reads for people and cases. Every query starts from for_user (the access policy)."""

from django.db.models import Case as When_
from django.db.models import IntegerField, Q, Value, When

from casework.models import Case, Person
from casework.validators import normalise
from consent.models import CaseInvolvement


def person_search(*, user, q: str):
    """Visible people matching a name, CRN, prison number or NI number."""
    qs = Person.objects.for_user(user)
    q = (q or "").strip()
    if not q:
        return qs.none()
    ident = normalise(q)
    terms = q.split()
    name_q = Q()
    for term in terms[:3]:
        name_q &= Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(aliases__icontains=term)
    return qs.filter(name_q | Q(crn=ident) | Q(prison_number=ident) | Q(national_insurance_number=ident)).order_by(
        "last_name", "first_name", "id")


def caseload_for_user(*, user, stage: str = "", support_level: str = "", mine: bool = False, q: str = ""):
    """Open cases the acting agency owns or is involved in: the user's own first, then the team's."""
    acting = user.acting
    # Candidate ids from two indexed lookups (case_caseload and the involvement agency index), not an
    # OR with an EXISTS: the OR made PostgreSQL read every PersonAccess row of the agency, or scan all
    # people (docs/performance.md).
    owned = Case.objects.filter(owning_agency_id=acting.agency_id, end_date__isnull=True).order_by().values("pk")
    involved = CaseInvolvement.objects.filter(agency_id=acting.agency_id, ended_on__isnull=True).order_by().values("case_id")
    qs = (
        Case.objects.for_user(user).open()
        .filter(pk__in=owned.union(involved, all=True))
        .select_related("person", "owner", "owning_agency")
        .annotate(is_mine=When_(When(owner_id=user.pk, then=Value(0)), default=Value(1), output_field=IntegerField()))
    )
    if stage:
        qs = qs.filter(stage=stage)
    if support_level:
        qs = qs.filter(support_level=support_level)
    if mine:
        qs = qs.filter(owner_id=user.pk)
    if q:
        qs = qs.filter(person__in=person_search(user=user, q=q).values("pk"))
    return qs.order_by("is_mine", "person__last_name", "person__first_name", "id")


def cases_for_person(*, user, person):
    return Case.objects.for_user(user).filter(person=person).select_related("owning_agency", "owner", "site")


def get_case(*, user, pk) -> Case:
    from core.errors import NotFound

    try:
        return Case.objects.for_user(user).select_related("person", "owning_agency", "owner", "site").get(pk=int(pk))
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound("Case not found") from None
