"""Employer, vacancy and job-start fixtures: person_a is shared with Provider A, whose adviser works the job."""

import datetime

import pytest

from employers import services
from tests.factories import share_with


@pytest.fixture
def shared_person(caseworker_a, person_a, case_a, provider_a, adviser_a):
    """person_a, visible to adviser_a (Provider A) through consent and involvement."""
    share_with(caseworker_a, case_a, provider_a)
    return person_a


@pytest.fixture
def employer(adviser_a):
    return services.employer_create(
        user=adviser_a,
        name="Hatters Logistics",
        sector="warehousing",
        town="Luton",
        postcode="lu1 3aa",
        engagement_level="engaged",
        guaranteed_interviews=True,
    )


@pytest.fixture
def vacancy(adviser_a, employer):
    return services.vacancy_create(
        user=adviser_a,
        employer=employer,
        title="Warehouse operative",
        hours_per_week=37.5,
        disclosure_level="basic",
        closing_date=datetime.date.today() + datetime.timedelta(days=20),
    )


@pytest.fixture
def make_spell(adviser_a, employer):
    def make(person, *, weeks_ago=0, days_ago=None, user=None, **fields):
        start = datetime.date.today() - datetime.timedelta(
            days=days_ago if days_ago is not None else 7 * weeks_ago
        )
        fields.setdefault("employer", employer)
        fields.setdefault("job_title", "Warehouse operative")
        return services.employment_spell_create(
            user=user or adviser_a, person=person, start_date=start, **fields
        )

    return make
