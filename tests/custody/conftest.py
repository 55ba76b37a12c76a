"""Custody personas: a prison with a Jobcentre benefit surgery (the EBSA's), a release-area Jobcentre office."""

import datetime

import pytest

from agencies.models import AgencyKind, Role, SiteKind
from casework.models import SentenceEpisode, SentenceType
from consent import policy
from custody.services import benefit_surgery_open
from tests.factories import AgencyFactory, SiteFactory, person_with_case, staff

TODAY = datetime.date.today
RELEASE_IN_DAYS = 100  # the prisoner's expected release: Freshstart is booked on or after it


@pytest.fixture
def prison(region):
    return AgencyFactory(name="HMP A", kind=AgencyKind.PRISON, region=region)


@pytest.fixture
def prison_site(prison):
    return SiteFactory(agency=prison, name="HMP A", kind=SiteKind.PRISON, town="Bedford")


@pytest.fixture
def surgery(prison_jobcentre, prison_site):
    return benefit_surgery_open(jobcentre=prison_jobcentre, establishment=prison_site)


@pytest.fixture
def prison_officer(prison):
    return staff("prison_officer", prison, Role.CASEWORKER)


@pytest.fixture
def luton_office(jobcentre_a):
    return SiteFactory(
        agency=jobcentre_a, name="Luton Jobcentre", kind=SiteKind.JOBCENTRE, town="Luton"
    )


def receive(
    person,
    site,
    *,
    days_ago=10,
    sentence_type=SentenceType.CUSTODIAL,
    expected_in_days=200,
    released_days_ago=None,
):
    """Record a reception at `site` (as prison casework would) and refresh access."""
    today = TODAY()
    reception = today - datetime.timedelta(days=days_ago)
    episode = SentenceEpisode.objects.create(
        person=person,
        sentence_type=sentence_type,
        reception_date=reception,
        sentence_date=reception,
        establishment=site,
        expected_release_date=today + datetime.timedelta(days=expected_in_days)
        if expected_in_days is not None
        else None,
        actual_release_date=today - datetime.timedelta(days=released_days_ago)
        if released_days_ago is not None
        else None,
    )
    policy.refresh_person_access(person)
    return episode


@pytest.fixture
def prisoner(caseworker_a, prison_site, surgery):
    """Owned by probation agency A, received at HMP A 10 days ago: visible to the EBSA through the gateway."""
    person, _ = person_with_case(
        caseworker_a,
        first_name="Casey",
        last_name="Inside",
        national_insurance_number="AB123456C",
        prison_number="A1234BC",
        release_area="Luton",
        offender_group="short_custody",
    )
    receive(person, prison_site, days_ago=10, expected_in_days=RELEASE_IN_DAYS)
    return person
