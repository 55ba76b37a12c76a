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
    # Excluded by a licence condition: kept in the list with the reason (never silently dropped).
    licence_excluded: bool = False

    @property
    def shown(self) -> bool:
        return not self.excluded or self.licence_excluded

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


CHILDREN_OR_VULNERABLE_SECTORS = {Sector.CARE}  # decision: the sectors whose work is with them


def _in_zone(vacancy: Vacancy, zones) -> str:
    """The exclusion zone a vacancy's town or postcode district falls in ("" if none)."""
    town = (vacancy.town or "").strip().lower()
    district = (vacancy.postcode or "").upper().split(" ")[0]
    for zone in zones:
        z = zone.strip()
        if z.lower() == town or (district and z.upper().replace(" ", "") == district):
            return z
    return ""


def apply_licence(match: Match, licence) -> None:
    """The licence conditions that affect work (RiskLicence, seen only with the offence part):
    an exclusion zone or a bar on work with children or vulnerable adults excludes the vacancy
    with the reason; a curfew and required disclosure are reasons to check."""
    if licence is None:
        return
    vacancy, reasons = match.vacancy, match.reasons
    zone = _in_zone(vacancy, licence.exclusion_zones or [])
    barred = [
        who
        for who, flag in (
            ("children", licence.no_work_with_children),
            ("vulnerable adults", licence.no_work_with_vulnerable_adults),
        )
        if flag
    ]
    if zone:
        reasons.append(f"excluded: the licence exclusion zone covers {zone}")
    if barred and vacancy.sector in CHILDREN_OR_VULNERABLE_SECTORS:
        reasons.append(
            f"excluded: the licence bars work with {' and '.join(barred)} "
            f"({Sector(vacancy.sector).label.lower()})"
        )
    if zone or (barred and vacancy.sector in CHILDREN_OR_VULNERABLE_SECTORS):
        match.excluded = match.licence_excluded = True
        match.score -= 100
    if licence.curfew_from is not None:
        match.score -= 1
        reasons.append(f"licence curfew {licence.curfew_text}: check the working hours")
    if licence.disclosure_required and vacancy.disclosure_level == DisclosureLevel.NONE:
        reasons.append("the licence requires disclosure to the employer")


def _licences(user, person_ids) -> dict:
    """{person id: RiskLicence} of their open case, for people whose offence part is seen."""
    from casework.record_selectors import risk_licence_for_people

    return risk_licence_for_people(user=user, person_ids=person_ids)


def _sensitive_people(user, person_ids) -> set[int]:
    """The people whose offence details (the sensitive offence part) the acting agency sees."""
    return {
        pk for pk, access in policy.access_map(user, person_ids).items() if access.sees("offence")
    }


def vacancies_for_person(
    *, user, person, today: datetime.date | None = None, include_excluded: bool = False
) -> list[Match]:
    """Open vacancies ranked for one (visible) person. Six queries whatever the numbers; a
    vacancy excluded by a licence condition stays in the list, last, with the reason."""
    today = today or policy.today()
    prefs = JobPreferences.objects.for_user(user).filter(person=person).first()
    choices = dict(
        DisclosureChoice.objects.for_user(user)
        .filter(person=person)
        .values_list("employer_id", "disclosed")
    )
    sensitive = person.pk in _sensitive_people(user, [person.pk])
    licence = _licences(user, [person.pk]).get(person.pk)
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
        apply_licence(match, licence)
        match.open_application = vacancy.pk in applied
        if include_excluded or match.shown:
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
    """Suitable people on the user's caseload for one vacancy. Seven queries whatever the
    numbers; people excluded by a licence condition are listed last, with the reason."""
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
    licences = _licences(user, ids)
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
        apply_licence(match, licences.get(pid))
        match.open_application = pid in applied
        if match.shown:
            matches.append(match)
    matches.sort(key=lambda m: (-m.score, m.person.last_name, m.person.first_name, m.person.pk))
    return matches[:limit]
