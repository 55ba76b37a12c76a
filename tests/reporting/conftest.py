"""A small known world for the outcome report: seven people of agency A with hand-worked outcomes.

d(k, n) is day n of the month k months from the report month M (last month).

| person | level  | site    | start     | planned end | ended               | checks                                        |
|--------|--------|---------|-----------|-------------|---------------------|-----------------------------------------------|
| P1     | low    | Luton   | d(0,3)    | d(12,3)     | open                | -                                             |
| P2     | high   | Luton   | d(0,10)   | d(12,10)    | open                | -                                             |
| P3     | high   | Bedford | d(0,20)   | d(12,20)    | d(0,25) moved away  | - (early leaver)                              |
| P4     | medium | Luton   | d(-12,5)  | d(-6,5)     | d(-6,5) completed   | in work +6m: no; re-offended: support no, 6m no |
| P5     | high   | Bedford | d(-12,8)  | d(-6,8)     | d(-6,8) completed   | in work +6m: yes; re-offended: support YES, 6m no |
| P6     | high   | Luton   | d(-12,9)  | d(-6,9)     | d(0,15) completed   | re-offended during support: no                |
| P7     | low    | Bedford | d(-15,1)  | d(2,1)      | d(-12,2) disengaged | support no; 6m open; 12m missing              |

P1 and P2 have all their details recorded (data completeness). Agency B has one person starting in M.
"""

import datetime

import pytest

from agencies.models import Role
from casework.models import Case, Person
from consent import policy
from reporting.models import CheckStatus, InWork, PostExitEmploymentCheck, ReoffendingCheck
from reporting.periods import add_months, last_month
from tests.factories import SiteFactory, person_with_case, staff


def d(k: int, n: int) -> datetime.date:
    return add_months(last_month(policy.today()), k) + datetime.timedelta(days=n - 1)


PEOPLE = [
    # name, level, site, start, planned, end, reason
    ("P1", "low", "Luton", d(0, 3), d(12, 3), None, ""),
    ("P2", "high", "Luton", d(0, 10), d(12, 10), None, ""),
    ("P3", "high", "Bedford", d(0, 20), d(12, 20), d(0, 25), "moved_away"),
    ("P4", "medium", "Luton", d(-12, 5), d(-6, 5), d(-6, 5), "completed"),
    ("P5", "high", "Bedford", d(-12, 8), d(-6, 8), d(-6, 8), "completed"),
    ("P6", "high", "Luton", d(-12, 9), d(-6, 9), d(0, 15), "completed"),
    ("P7", "low", "Bedford", d(-15, 1), d(2, 1), d(-12, 2), "disengaged"),
]


@pytest.fixture
def report_month():
    return last_month(policy.today())


def _check(case, window, due_on, reoffended):
    ReoffendingCheck.objects.create(
        case=case,
        window=window,
        due_on=due_on,
        status=CheckStatus.OPEN if reoffended is None else CheckStatus.RECORDED,
        reoffended=reoffended,
    )


@pytest.fixture
def world(caseworker_a, caseworker_b, agency_a):
    sites = {
        name: SiteFactory(agency=agency_a, name=f"{name} office") for name in ("Luton", "Bedford")
    }
    cases = {}
    for name, level, site, start, planned, end, reason in PEOPLE:
        _person, case = person_with_case(
            caseworker_a,
            first_name=name,
            last_name="Knownworld",
            support_level=level,
            start_date=start,
            planned_end_date=planned,
        )
        Case.objects.filter(pk=case.pk).update(site=sites[site], end_date=end, end_reason=reason)
        cases[name] = Case.objects.get(pk=case.pk)
    Person.objects.filter(first_name__in=["P1", "P2"]).update(
        employment_status="unemployed", benefit_status="claiming", accommodation_status="settled"
    )
    PostExitEmploymentCheck.objects.create(
        case=cases["P4"], due_on=d(0, 5), status="recorded", in_work=InWork.NO
    )
    PostExitEmploymentCheck.objects.create(
        case=cases["P5"], due_on=d(0, 8), status="recorded", in_work=InWork.YES
    )
    _check(cases["P4"], "during_support", d(-6, 5), False)
    _check(cases["P4"], "six_months", d(0, 5), False)
    _check(cases["P5"], "during_support", d(-6, 8), True)
    _check(cases["P5"], "six_months", d(0, 8), False)
    _check(cases["P6"], "during_support", d(0, 15), False)
    _check(cases["P7"], "during_support", d(-12, 2), False)
    _check(cases["P7"], "six_months", d(-6, 2), None)
    person_with_case(
        caseworker_b,
        first_name="Other",
        last_name="Agencyperson",
        start_date=d(0, 4),
        planned_end_date=d(12, 4),
    )
    return cases


@pytest.fixture
def manager_b(agency_b):
    return staff("manager_b", agency_b, Role.MANAGER)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
