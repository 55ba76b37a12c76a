"""Job matching: vacancies for a person, or people on the caseload for a vacancy, ranked and explained.

Both directions run a fixed number of queries (preferences, disclosure choices and sensitive access
are loaded for the whole set at once) and use one scoring function, so the explanations agree.
"""

import datetime
from dataclasses import dataclass, field

from consent import policy
from employers.models import (
    OPEN_APPLICATION_STATUSES,
    Application,
    ConvictionsSpent,
    DisclosureChoice,
    DisclosureLevel,
    JobPreferences,
    Sector,
    Vacancy,
)

MAX_VACANCIES = 500
MAX_PEOPLE = 500


@dataclass
class Match:
    vacancy: Vacancy
    person: object
    score: int = 0
    reasons: list[str] = field(default_factory=list)
    excluded: bool = False
    open_application: bool = False

    @property
    def explanation(self) -> str:
        text = ", ".join(self.reasons)
        return text[:1].upper() + text[1:]


def _area(person) -> str:
    return (person.release_area or person.home_area or "").strip()


def score(
    *,
    person,
    vacancy: Vacancy,
    prefs: JobPreferences | None,
    disclosed: bool | None,
    sees_sensitive: bool,
) -> Match:
    """Score one person against one vacancy, with the reasons in plain words."""
    match = Match(vacancy=vacancy, person=person)
    reasons = match.reasons
    area = _area(person)
    if area and area.lower() == (vacancy.town or "").strip().lower():
        match.score += 3
        reasons.append("same area")
    elif area:
        reasons.append(f"in {vacancy.town}, not {area}")
    interests = list(prefs.sector_interests) if prefs else []
    if vacancy.sector in interests:
        match.score += 3
        reasons.append("sector matches")
    elif not interests:
        reasons.append("no sector interests recorded")
    else:
        reasons.append(f"{Sector(vacancy.sector).label.lower()} is not a sector of interest")
    if (
        vacancy.hours_per_week is not None
        and prefs
        and (prefs.min_hours is not None or prefs.max_hours is not None)
    ):
        lo = prefs.min_hours if prefs.min_hours is not None else 0
        hi = prefs.max_hours if prefs.max_hours is not None else 80
        if lo <= vacancy.hours_per_week <= hi:
            match.score += 1
            reasons.append("hours suit")
        else:
            match.score -= 1
            reasons.append(
                f"{vacancy.hours_per_week.normalize():f} hours a week is outside the hours wanted"
            )
    level = vacancy.disclosure_level
    spent = prefs.convictions_spent if prefs else ConvictionsSpent.UNKNOWN
    if level == DisclosureLevel.NONE:
        match.score += 2
        reasons.append("no disclosure needed")
    elif disclosed is False:
        match.score -= 2
        reasons.append(
            f"{DisclosureLevel(level).label.lower()} disclosure, and the person chose not to disclose to this employer"
        )
    elif level == DisclosureLevel.BASIC and spent == ConvictionsSpent.SPENT:
        match.score += 2
        reasons.append("basic disclosure (convictions spent)")
    elif disclosed:
        match.score += 1
        reasons.append(
            f"{DisclosureLevel(level).label.lower()} disclosure, the person has chosen to disclose to this employer"
        )
    elif level == DisclosureLevel.BASIC:
        reasons.append("basic disclosure: talk disclosure through with the person first")
    else:
        match.score -= 1
        reasons.append(
            f"{DisclosureLevel(level).label.lower()} disclosure: talk disclosure through with the person first"
        )
    if vacancy.exclusions:
        offences = {o.lower() for o in (prefs.offence_types if prefs else [])}
        if sees_sensitive and offences:
            if offences & {e.lower() for e in vacancy.exclusions}:
                match.excluded = True
                match.score -= 100
                reasons.append("excluded offence type")
            else:
                reasons.append("no excluded offence types")
        else:
            match.score -= 1
            reasons.append("exclusions apply: check with the case owner")
    return match


def _sensitive_people(user, person_ids) -> set[int]:
    """The people whose offence details (the sensitive offence part) the acting agency sees."""
    return {
        pk for pk, access in policy.access_map(user, person_ids).items() if access.sees("offence")
    }


def vacancies_for_person(
    *, user, person, today: datetime.date | None = None, include_excluded: bool = False
) -> list[Match]:
    """Open vacancies ranked for one (visible) person. Five queries whatever the numbers."""
    today = today or policy.today()
    prefs = JobPreferences.objects.for_user(user).filter(person=person).first()
    choices = dict(
        DisclosureChoice.objects.for_user(user)
        .filter(person=person)
        .values_list("employer_id", "disclosed")
    )
    sensitive = person.pk in _sensitive_people(user, [person.pk])
    applied = set(
        Application.objects.for_user(user)
        .filter(person=person, status__in=OPEN_APPLICATION_STATUSES)
        .values_list("vacancy_id", flat=True)
    )
    vacancies = (
        Vacancy.objects.open_on(today)
        .select_related("employer")
        .order_by("closing_date", "-id")[:MAX_VACANCIES]
    )
    matches = []
    for vacancy in vacancies:
        match = score(
            person=person,
            vacancy=vacancy,
            prefs=prefs,
            disclosed=choices.get(vacancy.employer_id),
            sees_sensitive=sensitive,
        )
        match.open_application = vacancy.pk in applied
        if include_excluded or not match.excluded:
            matches.append(match)
    return sorted(
        matches,
        key=lambda m: (
            -m.score,
            m.vacancy.closing_date or datetime.date.max,
            m.vacancy.title,
            m.vacancy.pk,
        ),
    )


def people_for_vacancy(*, user, vacancy: Vacancy, limit: int = 50) -> list[Match]:
    """Suitable people on the user's caseload for one vacancy. Six queries whatever the numbers."""
    from casework.selectors import caseload_for_user

    people = {}
    for case in caseload_for_user(user=user)[:MAX_PEOPLE]:
        people.setdefault(case.person_id, case.person)
    ids = list(people)
    prefs = {
        p.person_id: p for p in JobPreferences.objects.for_user(user).filter(person_id__in=ids)
    }
    choices = dict(
        DisclosureChoice.objects.for_user(user)
        .filter(person_id__in=ids, employer_id=vacancy.employer_id)
        .values_list("person_id", "disclosed")
    )
    sensitive = _sensitive_people(user, ids)
    applied = set(
        Application.objects.for_user(user)
        .filter(vacancy=vacancy, person_id__in=ids, status__in=OPEN_APPLICATION_STATUSES)
        .values_list("person_id", flat=True)
    )
    matches = []
    for pid, person in people.items():
        match = score(
            person=person,
            vacancy=vacancy,
            prefs=prefs.get(pid),
            disclosed=choices.get(pid),
            sees_sensitive=pid in sensitive,
        )
        match.open_application = pid in applied
        if not match.excluded:
            matches.append(match)
    matches.sort(key=lambda m: (-m.score, m.person.last_name, m.person.first_name, m.person.pk))
    return matches[:limit]
