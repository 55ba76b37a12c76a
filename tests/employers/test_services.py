import datetime

import pytest

from audit.models import AccessEvent
from core.errors import ApplicationError, Conflict, Forbidden, NotFound
from employers import services
from employers.models import (
    Application,
    DisclosureChoice,
    EmploymentSpell,
    Feedback,
    RetentionCheck,
)
from tests.factories import share_with

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today


def test_employer_created_by_acting_agency_and_audited(adviser_a, employer):
    assert employer.owning_agency == adviser_a.acting.agency
    assert employer.postcode == "LU1 3AA"
    assert AccessEvent.objects.filter(
        object_type="employers.employer", object_id=str(employer.pk), action="create"
    ).exists()


def test_same_employer_in_same_town_is_refused(adviser_a, employer):
    with pytest.raises(ApplicationError, match="already recorded"):
        services.employer_create(
            user=adviser_a, name="hatters logistics", sector="retail", town="luton"
        )


def test_employer_postcode_is_validated(adviser_a):
    with pytest.raises(ApplicationError) as exc:
        services.employer_create(
            user=adviser_a, name="Bad Postcode Ltd", sector="retail", town="Luton", postcode="12345"
        )
    assert exc.value.field == "postcode"


def test_commissioner_cannot_add_employers(commissioner_manager):
    with pytest.raises(Forbidden):
        services.employer_create(user=commissioner_manager, name="X", sector="retail", town="Luton")


def test_alliance_level_must_be_1_to_3(adviser_a):
    with pytest.raises(ApplicationError):
        services.employer_create(
            user=adviser_a, name="Alliance Ltd", sector="retail", town="Luton", alliance_level=4
        )


def test_contact_log_warns_about_other_agencies_contact_in_last_30_days(
    adviser_a, caseworker_b, employer
):
    from employers.selectors import other_agency_recent_contacts

    services.employer_contact_record(
        user=adviser_a, employer=employer, contacted_on=TODAY(), method="phone"
    )
    assert other_agency_recent_contacts(employer=employer, agency=adviser_a.acting.agency) == []
    services.employer_contact_record(
        user=caseworker_b,
        employer=employer,
        contacted_on=TODAY() - datetime.timedelta(days=40),
        method="visit",
    )
    assert other_agency_recent_contacts(employer=employer, agency=adviser_a.acting.agency) == []
    contact = services.employer_contact_record(
        user=caseworker_b,
        employer=employer,
        contacted_on=TODAY() - datetime.timedelta(days=29),
        method="email",
    )
    assert other_agency_recent_contacts(employer=employer, agency=adviser_a.acting.agency) == [
        contact
    ]


def test_contact_in_future_is_refused(adviser_a, employer):
    with pytest.raises(ApplicationError, match="today or in the past"):
        services.employer_contact_record(
            user=adviser_a,
            employer=employer,
            contacted_on=TODAY() + datetime.timedelta(days=1),
            method="phone",
        )


def test_vacancy_defaults_to_employer_sector_and_town_and_cleans_exclusions(adviser_a, employer):
    vacancy = services.vacancy_create(
        user=adviser_a, employer=employer, title="Picker", exclusions="arson, , theft "
    )
    assert (vacancy.sector, vacancy.town, vacancy.exclusions) == (
        "warehousing",
        "Luton",
        ["arson", "theft"],
    )


def test_vacancy_closing_in_the_past_is_refused(adviser_a, employer):
    with pytest.raises(ApplicationError) as exc:
        services.vacancy_create(
            user=adviser_a,
            employer=employer,
            title="Picker",
            closing_date=TODAY() - datetime.timedelta(days=1),
        )
    assert exc.value.field == "closing_date"


def test_disclosure_is_recorded_only_as_the_persons_own_choice(adviser_a, shared_person, employer):
    with pytest.raises(ApplicationError, match="Only the person"):
        services.disclosure_choice_record(
            user=adviser_a,
            person=shared_person,
            employer=employer,
            disclosed=True,
            on=TODAY(),
            made_by_person=False,
        )
    assert not DisclosureChoice.objects.exists()
    choice = services.disclosure_choice_record(
        user=adviser_a,
        person=shared_person,
        employer=employer,
        disclosed=True,
        on=TODAY(),
        made_by_person=True,
    )
    assert choice.disclosed
    assert AccessEvent.objects.filter(person=shared_person, action="disclose").exists()
    services.disclosure_choice_record(
        user=adviser_a,
        person=shared_person,
        employer=employer,
        disclosed=False,
        on=TODAY(),
        made_by_person=True,
    )
    assert DisclosureChoice.objects.get().disclosed is False


def test_other_agency_cannot_record_for_a_person_it_cannot_see(
    caseworker_b, person_a, employer, vacancy
):
    with pytest.raises(NotFound):
        services.disclosure_choice_record(
            user=caseworker_b,
            person=person_a,
            employer=employer,
            disclosed=True,
            on=TODAY(),
            made_by_person=True,
        )
    with pytest.raises(NotFound):
        services.application_create(user=caseworker_b, person=person_a, vacancy=vacancy)
    with pytest.raises(NotFound):
        services.employment_spell_create(
            user=caseworker_b, person=person_a, employer=employer, job_title="X", start_date=TODAY()
        )


def test_offence_types_need_sensitive_access(adviser_a, caseworker_a, shared_person):
    with pytest.raises(Forbidden):
        services.job_preferences_set(user=adviser_a, person=shared_person, offence_types=["arson"])
    prefs = services.job_preferences_set(
        user=caseworker_a,
        person=shared_person,
        offence_types="arson, theft",
        sector_interests=["warehousing"],
        min_hours=16,
        max_hours=40,
    )
    assert prefs.offence_types == ["arson", "theft"]
    with pytest.raises(ApplicationError):
        services.job_preferences_set(
            user=adviser_a, person=shared_person, min_hours=30, max_hours=20
        )
    with pytest.raises(ApplicationError):
        services.job_preferences_set(
            user=adviser_a, person=shared_person, sector_interests=["astronaut"]
        )


def test_application_moves_through_the_status_flow(adviser_a, shared_person, vacancy):
    app = services.application_create(user=adviser_a, person=shared_person, vacancy=vacancy)
    assert app.case == shared_person.cases.get()
    # an interview is recorded as held on or after its day (issue 18): this one was this morning
    when = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    app = services.application_update(user=adviser_a, application=app, status="applied")
    app = services.application_update(
        user=adviser_a, application=app, status="interview_arranged", interview_at=when
    )
    app = services.application_update(user=adviser_a, application=app, status="interviewed")
    app = services.application_update(
        user=adviser_a, application=app, status="offered", outcome="Starts Monday"
    )
    assert app.offered_on == TODAY() and app.status == "offered"
    assert (
        AccessEvent.objects.filter(
            person=shared_person, object_type="employers.application"
        ).count()
        == 5
    )


def test_an_offer_is_dated_on_the_day_it_was_made_not_when_it_was_typed_in(
    adviser_a, shared_person, vacancy
):
    app = services.application_create(user=adviser_a, person=shared_person, vacancy=vacancy)
    app = services.application_update(user=adviser_a, application=app, status="applied")
    made = TODAY() - datetime.timedelta(days=9)
    with pytest.raises(ApplicationError, match="today or in the past"):
        services.application_update(
            user=adviser_a,
            application=app,
            status="offered",
            offered_on=TODAY() + datetime.timedelta(days=1),
        )
    with pytest.raises(ApplicationError, match="Only an offered application"):
        services.application_update(user=adviser_a, application=app, offered_on=made)
    app = services.application_update(
        user=adviser_a, application=app, status="offered", offered_on=made
    )
    assert (app.status, app.offered_on) == ("offered", made)


def test_application_refuses_a_skipped_or_backward_step(adviser_a, shared_person, vacancy):
    app = services.application_create(user=adviser_a, person=shared_person, vacancy=vacancy)
    with pytest.raises(ApplicationError, match="cannot become"):
        services.application_update(user=adviser_a, application=app, status="interviewed")
    with pytest.raises(ApplicationError, match="interview date"):
        services.application_update(user=adviser_a, application=app, status="applied")  # fine
        services.application_update(user=adviser_a, application=app, status="interview_arranged")


def test_application_stale_version_conflicts(adviser_a, shared_person, vacancy):
    app = services.application_create(user=adviser_a, person=shared_person, vacancy=vacancy)
    services.application_update(user=adviser_a, application=app, version=1, status="applied")
    with pytest.raises(Conflict):
        services.application_update(user=adviser_a, application=app, version=1, status="withdrawn")


def test_one_open_application_per_vacancy(adviser_a, shared_person, vacancy):
    services.application_create(user=adviser_a, person=shared_person, vacancy=vacancy)
    with pytest.raises(ApplicationError, match="already has an open application"):
        services.application_create(user=adviser_a, person=shared_person, vacancy=vacancy)
    assert Application.objects.count() == 1


def test_job_start_schedules_checks_at_each_milestone(adviser_a, shared_person, make_spell):
    spell = make_spell(shared_person, weeks_ago=1, hours_per_week=20)
    checks = list(
        spell.checks.order_by("milestone_weeks").values_list("milestone_weeks", "due_on", "status")
    )
    assert checks == [
        (w, spell.start_date + datetime.timedelta(days=7 * w), "scheduled") for w in (4, 8, 12)
    ]
    assert (
        spell.hours_band == "16_to_29"
        and spell.adviser == adviser_a
        and spell.agency == adviser_a.acting.agency
    )
    assert AccessEvent.objects.filter(
        person=shared_person, object_type="employers.employmentspell", action="create"
    ).exists()


def test_milestones_come_from_settings(settings, shared_person, make_spell):
    settings.RETENTION_MILESTONE_WEEKS = [4, 8, 12, 26, 52]
    spell = make_spell(shared_person)
    assert sorted(spell.checks.values_list("milestone_weeks", flat=True)) == [4, 8, 12, 26, 52]


def test_work_trial_is_a_step_without_checks(shared_person, make_spell):
    spell = make_spell(shared_person, kind="work_trial")
    assert not spell.checks.exists()


def test_self_employment_needs_no_employer_and_job_does(adviser_a, shared_person, make_spell):
    spell = make_spell(
        shared_person, kind="self_employment", employer=None, job_title="Window cleaner"
    )
    assert spell.contract_type == "self_employed" and spell.checks.count() == 3
    with pytest.raises(ApplicationError) as exc:
        make_spell(shared_person, employer=None)
    assert exc.value.field == "employer"


def test_job_start_refusals(adviser_a, shared_person, make_spell):
    with pytest.raises(ApplicationError, match="within the next 90 days"):
        make_spell(shared_person, days_ago=-120)
    with pytest.raises(ApplicationError, match="why the job ended"):
        make_spell(shared_person, weeks_ago=5, end_date=TODAY())
    with pytest.raises(ApplicationError, match="on or after the start"):
        make_spell(
            shared_person,
            weeks_ago=1,
            end_date=TODAY() - datetime.timedelta(days=30),
            end_reason="resigned",
        )
    assert not EmploymentSpell.objects.exists()


def test_person_without_open_case_for_the_job_start_is_refused(
    work_coach_a, caseworker_a, shared_person, employer
):
    with pytest.raises(NotFound):  # the jobcentre is not involved and cannot see the person
        services.employment_spell_create(
            user=work_coach_a,
            person=shared_person,
            employer=employer,
            job_title="X",
            start_date=TODAY(),
        )
    share_with(caseworker_a, shared_person.cases.get(), work_coach_a.acting.agency)
    spell = services.employment_spell_create(
        user=work_coach_a,
        person=shared_person,
        employer=employer,
        job_title="X",
        start_date=TODAY(),
    )
    assert spell.case == shared_person.cases.get()


def test_start_date_change_reschedules_open_checks_only(adviser_a, shared_person, make_spell):
    spell = make_spell(shared_person, weeks_ago=5)
    services.retention_sweep()
    four = spell.checks.get(milestone_weeks=4)
    services.retention_check_record(
        user=adviser_a, check=four, outcome="in_work", evidence="employer", checked_on=TODAY()
    )
    new_start = spell.start_date - datetime.timedelta(days=14)
    spell = services.employment_spell_update(
        user=adviser_a, spell=spell, version=spell.version, start_date=new_start
    )
    got = {c.milestone_weeks: (c.due_on, c.status) for c in spell.checks.all()}
    assert got[4] == (four.due_on, "recorded")
    assert got[8] == (new_start + datetime.timedelta(days=56), "scheduled")
    assert got[12] == (new_start + datetime.timedelta(days=84), "scheduled")


def test_ended_spell_cancels_later_checks_and_reopening_restores_them(
    adviser_a, shared_person, make_spell
):
    spell = make_spell(shared_person, weeks_ago=6)
    end = spell.start_date + datetime.timedelta(days=40)
    spell = services.employment_spell_update(
        user=adviser_a, spell=spell, version=spell.version, end_date=end, end_reason="resigned"
    )
    assert dict(spell.checks.values_list("milestone_weeks", "status")) == {
        4: "scheduled",
        8: "cancelled",
        12: "cancelled",
    }
    spell = services.employment_spell_update(
        user=adviser_a, spell=spell, version=spell.version, end_date=None, end_reason=""
    )
    assert set(spell.checks.values_list("status", flat=True)) == {"scheduled"}


def test_spell_update_stale_version_conflicts(adviser_a, shared_person, make_spell):
    spell = make_spell(shared_person)
    services.employment_spell_update(
        user=adviser_a, spell=spell, version=1, job_title="Team leader"
    )
    with pytest.raises(Conflict):
        services.employment_spell_update(user=adviser_a, spell=spell, version=1, job_title="Picker")


def test_record_check_refusals(adviser_a, shared_person, make_spell):
    spell = make_spell(shared_person, weeks_ago=5)
    services.retention_sweep()
    four, eight = spell.checks.get(milestone_weeks=4), spell.checks.get(milestone_weeks=8)
    with pytest.raises(ApplicationError, match="not due until"):
        services.retention_check_record(
            user=adviser_a, check=eight, outcome="in_work", evidence="person", checked_on=TODAY()
        )
    with pytest.raises(ApplicationError, match="Select who confirmed"):
        services.retention_check_record(
            user=adviser_a, check=four, outcome="in_work", checked_on=TODAY()
        )
    with pytest.raises(ApplicationError, match="today or in the past"):
        services.retention_check_record(
            user=adviser_a,
            check=four,
            outcome="in_work",
            evidence="person",
            checked_on=TODAY() + datetime.timedelta(days=1),
        )
    services.retention_check_record(
        user=adviser_a, check=four, outcome="unable_to_contact", checked_on=TODAY()
    )
    with pytest.raises(Conflict):
        services.retention_check_record(
            user=adviser_a, check=four, outcome="in_work", evidence="person", checked_on=TODAY()
        )


def test_record_check_by_other_agency_is_not_found(caseworker_b, shared_person, make_spell):
    spell = make_spell(shared_person, weeks_ago=5)
    with pytest.raises(NotFound):
        services.retention_check_record(
            user=caseworker_b,
            check=spell.checks.first(),
            outcome="in_work",
            evidence="person",
            checked_on=TODAY(),
        )


def test_left_no_job_ends_spell_and_cancels_later_checks(adviser_a, shared_person, make_spell):
    spell = make_spell(shared_person, weeks_ago=9)
    services.retention_sweep()
    four = spell.checks.get(milestone_weeks=4)
    left = spell.start_date + datetime.timedelta(days=35)
    check = services.retention_check_record(
        user=adviser_a,
        check=four,
        outcome="left_no_job",
        evidence="person",
        checked_on=TODAY(),
        left_on=left,
    )
    spell.refresh_from_db()
    assert check.status == "recorded" and check.recorded_by == adviser_a
    assert (spell.end_date, spell.end_reason) == (left, "left_no_job")
    assert dict(spell.checks.values_list("milestone_weeks", "status")) == {
        4: "recorded",
        8: "cancelled",
        12: "cancelled",
    }
    assert AccessEvent.objects.filter(
        person=shared_person, object_type="employers.retentioncheck", action="change"
    ).exists()


def test_feedback_needs_employer_or_person_and_a_rating_in_range(
    adviser_a, shared_person, employer
):
    with pytest.raises(ApplicationError, match="rating"):
        services.feedback_record(
            user=adviser_a, kind="person", rating=6, given_on=TODAY(), person=shared_person
        )
    with pytest.raises(ApplicationError, match="employer"):
        services.feedback_record(
            user=adviser_a,
            kind="employer_on_employee",
            rating=4,
            given_on=TODAY(),
            person=shared_person,
        )
    service = services.feedback_record(
        user=adviser_a, kind="employer_on_service", rating=5, given_on=TODAY(), employer=employer
    )
    about = services.feedback_record(
        user=adviser_a,
        kind="employer_on_employee",
        rating=4,
        given_on=TODAY(),
        person=shared_person,
        employer=employer,
        comment="Reliable",
    )
    assert about.case == shared_person.cases.get()
    assert set(Feedback.objects.for_user(adviser_a)) == {service, about}


def test_retention_check_unique_per_spell_and_milestone(shared_person, make_spell):
    from django.db import IntegrityError, transaction

    spell = make_spell(shared_person)
    with pytest.raises(IntegrityError), transaction.atomic():
        RetentionCheck.objects.create(spell=spell, milestone_weeks=4, due_on=TODAY())
