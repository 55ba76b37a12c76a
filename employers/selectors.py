"""Reads for employers and jobs. Personal rows start from for_user (the access policy)."""

import datetime

from django.conf import settings
from django.db.models import Case as When_
from django.db.models import Count, IntegerField, Max, Q, Value, When

from consent import policy
from core.errors import NotFound
from employers.models import (
    Application,
    DisclosureChoice,
    Employer,
    EmployerContact,
    EmploymentSpell,
    RetentionCheck,
    Vacancy,
)

RECENT_CONTACT_DAYS = 30


def _get(qs, pk, label):
    try:
        return qs.get(pk=int(pk))
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"{label} not found") from None


def employer_list(*, q: str = "", sector: str = "", town: str = ""):
    qs = Employer.objects.select_related("owning_agency").annotate(
        last_contacted_on=Max("contacts__contacted_on"),
        open_vacancies=Count(
            "vacancies",
            filter=Q(vacancies__closing_date__isnull=True)
            | Q(vacancies__closing_date__gte=policy.today()),
            distinct=True,
        ),
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(contact_name__icontains=q))
    if sector:
        qs = qs.filter(sector=sector)
    if town:
        qs = qs.filter(town__icontains=town)
    return qs.order_by("name", "id")


def get_employer(*, pk) -> Employer:
    return _get(Employer.objects.select_related("owning_agency"), pk, "Employer")


def employer_contacts(*, employer: Employer, limit: int = 50):
    return employer.contacts.select_related("agency", "user").order_by("-contacted_on", "-id")[
        :limit
    ]


def other_agency_recent_contacts(*, employer: Employer, agency, today: datetime.date | None = None):
    """Approaches by other agencies in the last 30 days: shown as a warning so two agencies do not
    approach the same employer twice (002 §B.3.3)."""
    today = today or policy.today()
    return list(
        EmployerContact.objects.filter(
            employer=employer,
            contacted_on__gte=today - datetime.timedelta(days=RECENT_CONTACT_DAYS),
        )
        .exclude(agency=agency)
        .select_related("agency", "user")
        .order_by("-contacted_on", "-id")[:5]
    )


def vacancy_list(*, q: str = "", sector: str = "", town: str = "", open_only: bool = True):
    qs = Vacancy.objects.select_related("employer")
    if open_only:
        qs = qs.open_on(policy.today())
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(employer__name__icontains=q))
    if sector:
        qs = qs.filter(sector=sector)
    if town:
        qs = qs.filter(town__icontains=town)
    return qs.order_by("closing_date", "title", "id")


def get_vacancy(*, pk) -> Vacancy:
    return _get(Vacancy.objects.select_related("employer"), pk, "Vacancy")


def vacancies_for_employer(*, employer: Employer):
    return employer.vacancies.open_on(policy.today()).order_by("closing_date", "title", "id")


def applications_for_vacancy(*, user, vacancy: Vacancy):
    return (
        Application.objects.for_user(user)
        .filter(vacancy=vacancy)
        .select_related("person")
        .order_by("-created_at", "-id")
    )


def applications_for_person(*, user, person):
    return (
        Application.objects.for_user(user, person=person)
        .select_related("vacancy", "vacancy__employer")
        .order_by("-created_at", "-id")
    )


def get_application(*, user, pk) -> Application:
    return _get(
        Application.objects.for_user(user).select_related("person", "vacancy", "vacancy__employer"),
        pk,
        "Application",
    )


def spells_for_person(*, user, person):
    return (
        EmploymentSpell.objects.for_user(user, person=person)
        .select_related("employer", "verified_by", "adviser")
        .order_by("-start_date", "-id")
    )


def get_spell(*, user, pk) -> EmploymentSpell:
    return _get(
        EmploymentSpell.objects.for_user(user).select_related(
            "person", "employer", "case", "adviser", "verified_by"
        ),
        pk,
        "Job start",
    )


def checks_for_spell(*, spell: EmploymentSpell):
    return (
        spell.checks.with_current_status().select_related("recorded_by").order_by("milestone_weeks")
    )


def get_check(*, user, pk) -> RetentionCheck:
    return _get(
        RetentionCheck.objects.for_user(user).select_related(
            "spell", "spell__person", "spell__employer"
        ),
        pk,
        "Retention check",
    )


def disclosure_choices_for_person(*, user, person):
    return (
        DisclosureChoice.objects.for_user(user)
        .filter(person=person)
        .select_related("employer", "recorded_by")
    )


def checks_due_for_user(*, user, mine: bool = False, day: datetime.date | None = None):
    """Checks due and overdue today on the acting agency's job starts, from their dates (whether or
    not the retention sweep has run): the user's own first, overdue first."""
    acting = user.acting
    day = day or policy.today()
    overdue_before = day - datetime.timedelta(days=settings.RETENTION_GRACE_DAYS)
    qs = (
        RetentionCheck.objects.for_user(user)
        .due_now(day)
        .filter(spell__agency_id=acting.agency_id)
        .with_current_status(day)
        .select_related("spell", "spell__person", "spell__employer", "spell__adviser")
        .annotate(
            is_mine=When_(
                When(spell__adviser_id=user.pk, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            is_overdue=When_(
                When(due_on__lt=overdue_before, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
    )
    if mine:
        qs = qs.filter(spell__adviser_id=user.pk)
    return qs.order_by("is_mine", "is_overdue", "due_on", "id")


def checks_due_parts(*, user, mine: bool = False, adviser_id: int | None = None) -> list:
    """The checks-due page as core.pagination.Segments parts: the user's own job starts, then the
    team's, each overdue first and by due date; counted up to a cap per part by the page. With
    `adviser_id`, one adviser's (the manager's "by adviser" list on My work links to it)."""
    qs = checks_due_for_user(user=user)
    order = ("is_overdue", "due_on", "id")
    if adviser_id is not None:
        return [qs.filter(spell__adviser_id=adviser_id).order_by(*order)]
    own = qs.filter(spell__adviser_id=user.pk).order_by(*order)
    return [own] if mine else [own, qs.exclude(spell__adviser_id=user.pk).order_by(*order)]


def open_checks_for_api(*, user, status: str = ""):
    """Checks for the API; `status` is the status from the dates (as each row reports it)."""
    day = policy.today()
    qs = (
        RetentionCheck.objects.for_user(user)
        .with_current_status(day)
        .select_related("spell")
        .order_by("due_on", "id")
    )
    if status:
        qs = qs.current_status_is(status, day)
    return qs


def interviews_coming_up(*, user, mine: bool = False):
    """Interviews arranged from now on, on the acting agency's applications (the user's own, with
    `mine`), the soonest first."""
    from django.utils import timezone

    from employers.models import ApplicationStatus

    qs = Application.objects.for_user(user).filter(
        agency_id=user.acting.agency_id,
        status=ApplicationStatus.INTERVIEW_ARRANGED,
        interview_at__gte=timezone.now(),
    )
    if mine:
        qs = qs.filter(created_by_id=user.pk)
    return qs.select_related("person", "vacancy", "vacancy__employer", "created_by").order_by(
        "interview_at", "id"
    )


def starts_to_verify(*, user, mine: bool = False):
    """The acting agency's job outcomes still running that nobody has verified (told by the person,
    confirmed by the employer, or a payslip seen): the user's own with `mine`, the oldest first."""
    from employers.models import OUTCOME_KINDS

    qs = EmploymentSpell.objects.for_user(user).filter(
        agency_id=user.acting.agency_id,
        verified_how="",
        end_date__isnull=True,
        kind__in=OUTCOME_KINDS,
    )
    if mine:
        qs = qs.filter(adviser_id=user.pk)
    return qs.select_related("person", "employer", "adviser").order_by("start_date", "id")


def overdue_checks_by_adviser(*, user, limit: int = 50) -> list[dict]:
    """The acting agency's overdue retention checks (from their dates) counted by adviser, the most
    first, in one grouped query: [{"adviser_id", "name", "count", "oldest"}]."""
    from django.db.models import Min

    day = policy.today()
    rows = (
        RetentionCheck.objects.for_user(user)
        .current_status_is("overdue", day)
        .filter(spell__agency_id=user.acting.agency_id)
        .order_by()
        .values(
            "spell__adviser_id",
            "spell__adviser__first_name",
            "spell__adviser__last_name",
            "spell__adviser__username",
        )
        .annotate(count=Count("id"), oldest=Min("due_on"))
        .order_by("-count", "oldest", "spell__adviser_id")[:limit]
    )
    return [
        {
            "adviser_id": row["spell__adviser_id"],
            "name": f"{row['spell__adviser__first_name']} {row['spell__adviser__last_name']}".strip()
            or row["spell__adviser__username"],
            "count": row["count"],
            "oldest": row["oldest"],
        }
        for row in rows
    ]


def overdue_checks_count(*, user, cap: int) -> int:
    from core.pagination import capped_count

    return capped_count(
        RetentionCheck.objects.for_user(user)
        .current_status_is("overdue")
        .filter(spell__agency_id=user.acting.agency_id),
        cap,
    )
