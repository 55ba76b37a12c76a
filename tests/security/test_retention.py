"""Records retention: anonymise people whose cases all closed more than six years ago."""

import datetime

import pytest
from django.core.management import call_command

from audit.models import AccessEvent, Action
from casework import services
from casework.models import Case, Person, SentenceEpisode
from consent import policy
from consent.models import ConsentRecord
from consent.retention import cutoff, people_due, records_retention
from core import jobs
from core.errors import NotFound
from tests.factories import person_with_case, share_with

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def _years_ago(years, days=0):
    return cutoff(TODAY).replace(year=cutoff(TODAY).year + 6 - years) - datetime.timedelta(
        days=days
    )


def _closed_person(user, *, closed_on, **fields):
    start = closed_on - datetime.timedelta(days=400)
    person, case = person_with_case(
        user, start_date=start, planned_end_date=start + datetime.timedelta(days=365), **fields
    )
    services.case_update(
        user=user, case=case, version=case.version, end_date=closed_on, end_reason="completed"
    )
    return Person.objects.get(pk=person.pk), Case.objects.get(pk=case.pk)


@pytest.fixture
def old_person(caseworker_a, agency_b):
    person, case = _closed_person(
        caseworker_a,
        closed_on=_years_ago(7),
        first_name="Robin",
        last_name="Oldcase",
        crn="X300003",
        national_insurance_number="AB123456C",
        prison_number="A1234BC",
        aliases="Rob",
        home_area="Luton",
    )
    SentenceEpisode.objects.create(
        person=person,
        case=case,
        sentence_type="custodial",
        offence_summary="Synthetic offence summary text",
    )
    return person


def test_cutoff_is_six_years_before_today():
    assert cutoff(datetime.date(2030, 6, 15)) == datetime.date(2024, 6, 15)
    assert cutoff(datetime.date(2032, 2, 29)) == datetime.date(2026, 2, 28)


def test_person_whose_cases_closed_over_six_years_ago_is_anonymised(old_person):
    case_before = list(
        Case.objects.filter(person=old_person).values(
            "id",
            "start_date",
            "end_date",
            "end_reason",
            "offender_group",
            "support_level",
            "owning_agency",
        )
    )
    result = records_retention()
    assert result["anonymised"] == 1
    person = Person.objects.get(pk=old_person.pk)
    assert person.anonymised_at is not None
    assert person.first_name == "Anonymised" and "Oldcase" not in person.last_name
    assert (
        person.crn,
        person.national_insurance_number,
        person.prison_number,
        person.aliases,
        person.home_area,
    ) == ("", "", "", "", "")
    assert person.date_of_birth == datetime.date(1990, 1, 1)  # the year stays for age bands
    assert SentenceEpisode.objects.get(person=person).offence_summary == ""
    # aggregate rows stay intact
    assert (
        list(
            Case.objects.filter(person=person).values(
                "id",
                "start_date",
                "end_date",
                "end_reason",
                "offender_group",
                "support_level",
                "owning_agency",
            )
        )
        == case_before
    )
    assert SentenceEpisode.objects.get(person=person).sentence_type == "custodial"


def test_anonymisation_is_logged_with_the_system_actor(old_person):
    records_retention()
    event = AccessEvent.objects.get(person=old_person, action=Action.ANONYMISE)
    assert event.user is None
    assert event.detail["system"] == "records_retention"


def test_second_run_changes_nothing(old_person):
    records_retention()
    snapshot = list(Person.objects.values())
    events = AccessEvent.objects.count()
    assert records_retention()["anonymised"] == 0
    assert list(Person.objects.values()) == snapshot
    assert AccessEvent.objects.count() == events


def test_anonymised_person_is_hidden_from_staff(old_person, caseworker_a):
    records_retention()
    with pytest.raises(NotFound):
        policy.get_person(caseworker_a, old_person.pk)
    assert not Person.objects.for_user(caseworker_a).filter(pk=old_person.pk).exists()


def test_anonymised_person_has_no_access_rows_even_while_a_rule_would_grant_one(caseworker_a):
    """Scopes read PersonAccess alone (no people-table check), so anonymisation must empty it."""
    from consent.models import PersonAccess
    from consent.retention import person_anonymise

    person, case = person_with_case(caseworker_a)  # open case: the owner would see them for ever
    assert PersonAccess.objects.filter(person=person).exists()
    person_anonymise(person=person)
    assert policy.expected_access(person.pk) == {}
    assert not PersonAccess.objects.filter(person=person).exists()
    assert not Person.objects.for_user(caseworker_a).filter(pk=person.pk).exists()
    assert not Case.objects.for_user(caseworker_a).filter(pk=case.pk).exists()


def test_people_kept(caseworker_a):
    recent, _ = _closed_person(
        caseworker_a, closed_on=_years_ago(5), first_name="Recent", crn="X400004"
    )
    boundary, _ = _closed_person(
        caseworker_a, closed_on=cutoff(TODAY), first_name="Boundary", crn="X400005"
    )
    open_again, _ = _closed_person(
        caseworker_a, closed_on=_years_ago(8), first_name="Returned", crn="X400006"
    )
    # a new episode of support (opened by another route: the old owner no longer sees the record)
    Case.objects.create(
        person=open_again,
        owning_agency=caseworker_a.acting.agency,
        offender_group="community",
        support_level="low",
        stage="in_community",
        start_date=TODAY,
        planned_end_date=TODAY + datetime.timedelta(days=300),
    )
    policy.refresh_person_access(open_again)
    no_case = services.person_create(
        user=caseworker_a,
        first_name="Nocase",
        last_name="Person",
        date_of_birth=datetime.date(1980, 1, 2),
        sex="female",
    )
    assert records_retention()["anonymised"] == 0
    assert not Person.objects.filter(
        pk__in=[recent.pk, boundary.pk, open_again.pk, no_case.pk], anonymised_at__isnull=False
    ).exists()


def test_linked_free_text_in_other_apps_rows_is_blanked(caseworker_a, work_coach_a):
    person, case = person_with_case(caseworker_a, first_name="Shared", crn="X500005")
    share_with(caseworker_a, case, work_coach_a.acting.agency)
    consent = ConsentRecord.objects.get(person=person)
    ConsentRecord.objects.filter(pk=consent.pk).update(
        witness_name="A Witness", withdrawal_reason="Moved away"
    )
    Case.objects.filter(pk=case.pk).update(
        start_date=_years_ago(8),
        planned_end_date=_years_ago(7, days=-30),
        end_date=_years_ago(7),
        end_reason="completed",
    )
    assert records_retention()["anonymised"] == 1
    consent.refresh_from_db()
    assert (consent.witness_name, consent.withdrawal_reason) == ("", "")
    assert consent.employment_support is True  # coded facts stay


def test_retention_period_is_a_setting(settings, caseworker_a):
    settings.RECORDS_RETENTION_YEARS = 2
    person, _ = _closed_person(
        caseworker_a, closed_on=TODAY - datetime.timedelta(days=3 * 365), crn="X600006"
    )
    assert list(people_due()) == [person]


def test_runjob_records_retention(old_person):
    assert "records_retention" in jobs.registry()
    call_command("runjob", "records_retention", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Person.objects.get(pk=old_person.pk).anonymised_at is not None
