import datetime

import pytest

from audit.models import AccessEvent
from casework import selectors, services
from casework.models import CaseEvent, LeadAgencyPeriod, SentenceEpisode
from consent import policy
from consent.models import CaseInvolvement
from core.errors import ApplicationError, Conflict, ConsentRequired, Forbidden
from tests.factories import EVERYTHING_BUT_SENSITIVE, SiteFactory, person_with_case, share_with

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def _audit(person, action, model):
    return AccessEvent.objects.filter(person=person, action=action, object_type=f"casework.{model}")


# --- Assessment ---------------------------------------------------------------------------------


def test_assessment_is_recorded_and_audited(caseworker_a, case_a, today, ratings):
    assessment = services.assessment_record(
        user=caseworker_a,
        case=case_a,
        assessed_on=today,
        ratings=ratings(),
        work_readiness="support_needed",
        confident_writing_name="yes",
        self_reported_needs="Help finding work",
    )
    assert assessment.agency == caseworker_a.acting.agency
    assert assessment.ratings["accommodation"] == "red"
    assert _audit(case_a.person, "create", "assessment").count() == 1


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"ratings": {"accommodation": "purple"}}, "ratings"),
        ({"ratings": {"astrology": "red"}}, "ratings"),
        ({"ratings": {}}, "ratings"),
        ({"work_readiness": "maybe"}, "work_readiness"),
        ({"assessed_on": datetime.date.today() + DAY}, "assessed_on"),
        ({"assessed_on": datetime.date.today() - datetime.timedelta(days=400)}, "assessed_on"),
    ],
)
def test_assessment_refuses_bad_input(caseworker_a, case_a, today, ratings, kwargs, field):
    args = {"assessed_on": today, "ratings": ratings(), "work_readiness": "ready_to_work"} | kwargs
    with pytest.raises(ApplicationError) as exc:
        services.assessment_record(user=caseworker_a, case=case_a, **args)
    assert exc.value.field == field
    assert not case_a.assessments.exists()


def test_assessment_refused_for_role_without_case_access(admin_a, case_a, today, ratings):
    with pytest.raises(Forbidden):
        services.assessment_record(
            user=admin_a,
            case=case_a,
            assessed_on=today,
            ratings=ratings(),
            work_readiness="ready_to_work",
        )


def test_assessment_refused_on_closed_case(caseworker_a, case_a, today, ratings):
    services.case_update(
        user=caseworker_a,
        case=case_a,
        version=case_a.version,
        end_date=today,
        end_reason="completed",
    )
    case_a.refresh_from_db()
    with pytest.raises(ApplicationError, match="closed"):
        services.assessment_record(
            user=caseworker_a,
            case=case_a,
            assessed_on=today,
            ratings=ratings(),
            work_readiness="ready_to_work",
        )


def test_distance_travelled_compares_first_and_latest_across_three_assessments(
    caseworker_a, case_a, today
):
    start = case_a.start_date
    services.assessment_record(
        user=caseworker_a,
        case=case_a,
        assessed_on=start + 2 * DAY,
        work_readiness="support_needed",
        ratings={"accommodation": "red", "drugs": "green", "alcohol": "amber"},
    )
    services.assessment_record(
        user=caseworker_a,
        case=case_a,
        assessed_on=start + 10 * DAY,
        work_readiness="support_needed",
        ratings={"accommodation": "amber", "drugs": "amber", "finance_benefit_debt": "red"},
    )
    services.assessment_record(
        user=caseworker_a,
        case=case_a,
        assessed_on=start + 20 * DAY,
        work_readiness="ready_to_work",
        ratings={"accommodation": "green", "drugs": "amber", "finance_benefit_debt": "amber"},
    )
    rows = {
        r["area"]: r
        for r in services.distance_travelled(
            selectors.assessments_for_case(user=caseworker_a, case=case_a)
        )
    }
    assert (
        rows["accommodation"]["first"],
        rows["accommodation"]["latest"],
        rows["accommodation"]["change"],
    ) == ("red", "green", 2)
    assert (rows["drugs"]["first"], rows["drugs"]["latest"], rows["drugs"]["change"]) == (
        "green",
        "amber",
        -1,
    )
    assert rows["alcohol"]["change"] == 0 and rows["alcohol"]["times_rated"] == 1
    assert rows["finance_benefit_debt"]["change"] == 1
    assert rows["children_families"]["change"] is None
    assert case_a.assessments.count() == 3


def test_distance_travelled_orders_by_assessment_date_not_entry_order(caseworker_a, case_a):
    start = case_a.start_date
    services.assessment_record(
        user=caseworker_a,
        case=case_a,
        assessed_on=start + 9 * DAY,
        work_readiness="ready_to_work",
        ratings={"accommodation": "green"},
    )
    services.assessment_record(
        user=caseworker_a,
        case=case_a,
        assessed_on=start + DAY,
        work_readiness="support_needed",
        ratings={"accommodation": "red"},
    )
    rows = {r["area"]: r for r in services.distance_travelled(list(case_a.assessments.all()))}
    assert rows["accommodation"]["first"] == "red" and rows["accommodation"]["latest"] == "green"


# --- Action plan --------------------------------------------------------------------------------


def test_action_added_with_sequence_and_audit(caseworker_a, case_a, today):
    goal = services.goal_add(user=caseworker_a, case=case_a, description="Into work")
    first = services.action_add(
        user=caseworker_a, case=case_a, description="CV workshop", due_date=today, goal=goal
    )
    second = services.action_add(
        user=caseworker_a, case=case_a, description="Open bank account", due_date=today
    )
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.owner_agency == caseworker_a.acting.agency
    assert _audit(case_a.person, "create", "planaction").count() == 2
    assert _audit(case_a.person, "create", "goal").count() == 1


def test_action_due_date_before_case_start_is_refused(caseworker_a, case_a):
    with pytest.raises(ApplicationError, match="on or after the case start date") as exc:
        services.action_add(
            user=caseworker_a,
            case=case_a,
            description="Too early",
            due_date=case_a.start_date - DAY,
        )
    assert exc.value.field == "due_date"


def test_involved_agency_adds_its_own_action_but_not_for_the_owner(
    caseworker_b, shared_case, today, agency_a
):
    own = services.action_add(
        user=caseworker_b, case=shared_case, description="Job club", due_date=today
    )
    assert own.owner_agency == caseworker_b.acting.agency
    with pytest.raises(Forbidden):
        services.action_add(
            user=caseworker_b,
            case=shared_case,
            description="Do it for me",
            due_date=today,
            owner_agency=agency_a,
        )


def test_owner_assigns_actions_only_to_agencies_on_the_case(caseworker_a, case_a, agency_b, today):
    with pytest.raises(ApplicationError, match="not working on this case"):
        services.action_add(
            user=caseworker_a, case=case_a, description="X", due_date=today, owner_agency=agency_b
        )
    share_with(caseworker_a, case_a, agency_b)
    item = services.action_add(
        user=caseworker_a, case=case_a, description="X", due_date=today, owner_agency=agency_b
    )
    assert item.owner_agency == agency_b


def test_action_owner_person_must_work_for_owner_agency(caseworker_a, caseworker_b, case_a, today):
    with pytest.raises(ApplicationError) as exc:
        services.action_add(
            user=caseworker_a, case=case_a, description="X", due_date=today, owner=caseworker_b
        )
    assert exc.value.field == "owner"


def test_action_update_uses_optimistic_version(caseworker_a, caseworker_a2, case_a, today):
    item = services.action_add(user=caseworker_a, case=case_a, description="CV", due_date=today)
    services.action_update(
        user=caseworker_a2, action=item, version=item.version, status="in_progress"
    )
    with pytest.raises(Conflict):
        services.action_update(user=caseworker_a, action=item, version=item.version, status="done")
    item.refresh_from_db()
    assert item.status == "in_progress" and item.version == 2
    assert _audit(case_a.person, "change", "planaction").count() == 1


def test_other_agency_cannot_change_owners_action(caseworker_a, caseworker_b, shared_case, today):
    item = services.action_add(
        user=caseworker_a, case=shared_case, description="CV", due_date=today
    )
    with pytest.raises(Forbidden):
        services.action_update(user=caseworker_b, action=item, version=item.version, status="done")


def test_overdue_actions_for_my_work(caseworker_a, case_a, today):
    late = services.action_add(
        user=caseworker_a, case=case_a, description="Late", due_date=today - DAY, owner=caseworker_a
    )
    services.action_add(user=caseworker_a, case=case_a, description="On time", due_date=today + DAY)
    done = services.action_add(
        user=caseworker_a, case=case_a, description="Done", due_date=today - DAY, status="done"
    )
    overdue = list(selectors.overdue_actions(user=caseworker_a))
    assert overdue == [late] and done not in overdue


def test_appointment_attendance_only_after_it_happened(caseworker_a, case_a):
    from django.utils import timezone

    future = services.appointment_add(
        user=caseworker_a,
        case=case_a,
        kind="probation",
        at=timezone.now() + datetime.timedelta(days=2),
    )
    with pytest.raises(ApplicationError, match="taken place"):
        services.appointment_attendance_record(
            user=caseworker_a, appointment=future, attended="yes", version=future.version
        )
    past = services.appointment_add(
        user=caseworker_a,
        case=case_a,
        kind="signing_on",
        at=timezone.now() - datetime.timedelta(hours=2),
    )
    past = services.appointment_attendance_record(
        user=caseworker_a, appointment=past, attended="no", version=past.version
    )
    assert past.attended == "no"


# --- Notes ----------------------------------------------------------------------------------------


def test_sensitive_note_hidden_from_agency_without_sensitive_consent(
    caseworker_a, caseworker_b, shared_case, today
):
    services.note_add(
        user=caseworker_a,
        case=shared_case,
        note_type="face_to_face",
        contact_on=today,
        body="Ordinary",
    )
    services.note_add(
        user=caseworker_a,
        case=shared_case,
        note_type="phone",
        contact_on=today,
        body="Health detail",
        sensitive=True,
    )
    assert selectors.notes_for_case(user=caseworker_a, case=shared_case).count() == 2
    visible_to_b = list(selectors.notes_for_case(user=caseworker_b, case=shared_case))
    assert [n.body for n in visible_to_b] == ["Ordinary"]
    with pytest.raises(Forbidden):
        services.note_add(
            user=caseworker_b,
            case=shared_case,
            note_type="phone",
            contact_on=today,
            body="x",
            sensitive=True,
        )


def test_sensitive_note_visible_with_sensitive_consent(
    caseworker_a, caseworker_b, case_a, agency_b, today
):
    share_with(
        caseworker_a, case_a, agency_b, purposes=("employment_support", "sensitive_categories")
    )
    services.note_add(
        user=caseworker_a,
        case=case_a,
        note_type="phone",
        contact_on=today,
        body="Health",
        sensitive=True,
    )
    assert selectors.notes_for_case(user=caseworker_b, case=case_a).count() == 1


def test_note_refuses_future_date_and_empty_body(caseworker_a, case_a, today):
    with pytest.raises(ApplicationError, match="today or in the past"):
        services.note_add(
            user=caseworker_a, case=case_a, note_type="phone", contact_on=today + DAY, body="x"
        )
    with pytest.raises(ApplicationError, match="Enter the note"):
        services.note_add(
            user=caseworker_a, case=case_a, note_type="phone", contact_on=today, body="  "
        )


# --- Custody --------------------------------------------------------------------------------------


@pytest.fixture
def prison(agency_a):
    from agencies.models import SiteKind

    return SiteFactory(name="HMP Alpha", kind=SiteKind.PRISON)


@pytest.fixture
def prison2():
    from agencies.models import SiteKind

    return SiteFactory(name="HMP Beta", kind=SiteKind.PRISON)


@pytest.fixture
def refresh_calls(monkeypatch):
    calls = []
    original = policy.refresh_person_access

    def spy(person):
        calls.append(person.pk)
        return original(person)

    monkeypatch.setattr(policy, "refresh_person_access", spy)
    return calls


def test_sentence_record_refreshes_access_and_audits(
    caseworker_a, case_a, prison, today, refresh_calls
):
    sentence = services.sentence_record(
        user=caseworker_a,
        case=case_a,
        sentence_type="custodial",
        length_months=8,
        sentence_date=today - 10 * DAY,
        reception_date=today - 10 * DAY,
        establishment=prison,
        expected_release_date=today + 100 * DAY,
    )
    assert refresh_calls == [case_a.person.pk]
    assert _audit(case_a.person, "create", "sentenceepisode").count() == 1
    services.sentence_update(
        user=caseworker_a,
        sentence=sentence,
        version=sentence.version,
        actual_release_date=today,
        release_type="licence",
    )
    assert refresh_calls == [case_a.person.pk, case_a.person.pk]


def test_release_before_reception_is_refused(caseworker_a, case_a, prison, today):
    with pytest.raises(
        ApplicationError, match="Release date must be on or after the reception date"
    ) as exc:
        services.sentence_record(
            user=caseworker_a,
            case=case_a,
            sentence_type="custodial",
            reception_date=today - DAY,
            establishment=prison,
            actual_release_date=today - 2 * DAY,
            release_type="licence",
        )
    assert exc.value.field == "actual_release_date"
    assert not SentenceEpisode.objects.filter(case=case_a).exists()


def test_release_needs_type_and_stale_sentence_version_conflicts(
    caseworker_a, case_a, prison, today
):
    sentence = services.sentence_record(
        user=caseworker_a,
        case=case_a,
        sentence_type="custodial",
        reception_date=today - 5 * DAY,
        establishment=prison,
    )
    with pytest.raises(ApplicationError, match="type of release"):
        services.sentence_update(
            user=caseworker_a,
            sentence=sentence,
            version=sentence.version,
            actual_release_date=today,
        )
    services.sentence_update(
        user=caseworker_a, sentence=sentence, version=sentence.version, length_months=6
    )
    with pytest.raises(Conflict):
        services.sentence_update(
            user=caseworker_a, sentence=sentence, version=sentence.version, length_months=7
        )


def test_transfer_is_dated_history_and_validated(
    caseworker_a, case_a, prison, prison2, today, refresh_calls
):
    sentence = services.sentence_record(
        user=caseworker_a,
        case=case_a,
        sentence_type="remand",
        reception_date=today - 5 * DAY,
        establishment=prison,
    )
    with pytest.raises(ApplicationError, match="on or after the reception date"):
        services.sentence_transfer_record(
            user=caseworker_a,
            sentence=sentence,
            to_establishment=prison2,
            transferred_on=today - 6 * DAY,
        )
    transfer = services.sentence_transfer_record(
        user=caseworker_a,
        sentence=sentence,
        to_establishment=prison2,
        transferred_on=today - 2 * DAY,
    )
    sentence.refresh_from_db()
    assert transfer.from_establishment == prison and sentence.establishment == prison2
    assert len(refresh_calls) == 2


def test_involved_agency_cannot_record_sentences(caseworker_b, shared_case, prison, today):
    with pytest.raises(Forbidden):
        services.sentence_record(
            user=caseworker_b, case=shared_case, sentence_type="custodial", reception_date=today
        )


def test_accommodation_screening_due_within_four_days(caseworker_a, case_a, prison, today):
    sentence = services.sentence_record(
        user=caseworker_a,
        case=case_a,
        sentence_type="custodial",
        reception_date=today - 10 * DAY,
        establishment=prison,
    )
    state = selectors.accommodation_screening(sentences=[sentence], plan=None, today=today)
    assert state["state"] == "overdue" and state["due"] == today - 6 * DAY
    plan = services.release_plan_update(
        user=caseworker_a,
        case=case_a,
        version=1,
        accommodation_screened_on=today - 8 * DAY,
        release_address="1 Example Road",
    )
    assert (
        selectors.accommodation_screening(sentences=[sentence], plan=plan, today=today)["state"]
        == "done"
    )
    with pytest.raises(Conflict):
        services.release_plan_update(user=caseworker_a, case=case_a, version=1, notes="stale")


def test_freshstart_status_is_none_when_custody_does_not_provide_it(person_a, monkeypatch):
    import sys
    import types

    monkeypatch.setitem(sys.modules, "custody.selectors", types.ModuleType("custody.selectors"))
    assert services.freshstart_status(person=person_a) is None


def test_freshstart_status_comes_from_custody_when_provided(person_a, monkeypatch):
    import sys
    import types

    module = types.ModuleType("custody.selectors")
    module.freshstart_status = lambda *, person: f"Booked for {person.first_name}"
    monkeypatch.setitem(sys.modules, "custody.selectors", module)
    assert services.freshstart_status(person=person_a) == "Booked for Jordan"


# --- Lifecycle ----------------------------------------------------------------------------------


def test_ladder_steps_keep_history_and_may_go_backwards(caseworker_a, case_a):
    case = services.case_progress_update(
        user=caseworker_a, case=case_a, version=case_a.version, ladder_step="trial"
    )
    case = services.case_progress_update(
        user=caseworker_a,
        case=case,
        version=case.version,
        ladder_step="sessional",
        stage="in_work",
        reason="Trial ended",
    )
    history = list(
        CaseEvent.objects.filter(case=case_a)
        .values_list("kind", "from_value", "to_value")
        .order_by("id")
    )
    assert ("ladder", "", "trial") in history and ("ladder", "trial", "sessional") in history
    assert ("stage", "in_community", "in_work") in history
    assert case.ladder_step == "sessional"
    with pytest.raises(Conflict):
        services.case_progress_update(
            user=caseworker_a, case=case_a, version=case_a.version, ladder_step="trial"
        )


def test_close_then_reopen_with_reason(caseworker_a, case_a, today):
    case = services.case_update(
        user=caseworker_a,
        case=case_a,
        version=case_a.version,
        end_date=today,
        end_reason="disengaged",
    )
    with pytest.raises(ApplicationError, match="why"):
        services.case_reopen(user=caseworker_a, case=case, version=case.version, reason=" ")
    case = services.case_reopen(
        user=caseworker_a, case=case, version=case.version, reason="Re-engaged after release"
    )
    assert case.is_open and case.end_reason == ""
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True).order_by("id"))
    assert kinds == ["closed", "reopened"]
    assert policy.expected_access(case.person_id)[caseworker_a.acting.agency_id].owner_until


def test_involved_agency_cannot_change_stage(caseworker_b, shared_case):
    with pytest.raises(Forbidden):
        services.case_progress_update(
            user=caseworker_b, case=shared_case, version=shared_case.version, stage="released"
        )


# --- Release hand-off ---------------------------------------------------------------------------


def test_handoff_needs_consent_for_receiving_agency(caseworker_a, case_a, agency_b):
    with pytest.raises(ConsentRequired):
        services.handoff_create(user=caseworker_a, case=case_a, to_agency=agency_b)
    assert not case_a.handoffs.exists()


def _consent(caseworker_a, case, agency):
    from consent import services as consent_services

    consent_services.consent_record(
        user=caseworker_a,
        person=case.person,
        recipient_agency=agency,
        purposes=["employment_support"],
        data_categories=EVERYTHING_BUT_SENSITIVE,
        method="signed_form",
        form_version="v3",
        given_on=datetime.date.today() - DAY,
    )


def test_handoff_accept_flow_across_two_agencies(
    caseworker_a, caseworker_b, case_a, agency_a, agency_b, today
):
    person = case_a.person
    _consent(caseworker_a, case_a, agency_b)
    assert not selectors.handoffs_waiting(user=caseworker_b).exists()
    office = SiteFactory(agency=agency_b, name="Southend office")
    handoff = services.handoff_create(
        user=caseworker_a, case=case_a, to_agency=agency_b, to_site=office, note="Release Friday"
    )
    assert _audit(person, "share", "releasehandoff").count() == 1
    # the receiving agency now sees the person and has the hand-off in its inbox
    assert policy.get_person(caseworker_b, person.pk) == person
    assert list(selectors.handoffs_waiting(user=caseworker_b)) == [handoff]
    with pytest.raises(ApplicationError, match="already has a hand-off"):
        services.handoff_create(user=caseworker_a, case=case_a, to_agency=agency_b)
    with pytest.raises(Forbidden):
        services.handoff_accept(user=caseworker_a, handoff=handoff)

    handoff = services.handoff_accept(user=caseworker_b, handoff=handoff)
    case_a.refresh_from_db()
    assert handoff.status == "accepted" and handoff.decided_by == caseworker_b
    assert (
        case_a.owning_agency == agency_b and case_a.owner == caseworker_b and case_a.site == office
    )
    periods = list(
        LeadAgencyPeriod.objects.filter(case=case_a)
        .order_by("id")
        .values_list("agency_id", "ended_on")
    )
    assert periods == [(agency_a.pk, today), (agency_b.pk, None)]
    assert CaseInvolvement.objects.filter(
        case=case_a, agency=agency_a, basis="handoff", ended_on__isnull=True
    ).exists()
    assert not CaseInvolvement.objects.filter(
        case=case_a, agency=agency_b, ended_on__isnull=True
    ).exists()
    assert not selectors.handoffs_waiting(user=caseworker_b).exists()
    assert _audit(person, "change", "releasehandoff").count() == 1
    # the old owner has no consent of its own, so it no longer sees the person
    assert agency_a.pk not in policy.expected_access(person.pk)
    with pytest.raises(Conflict):
        services.handoff_accept(user=caseworker_b, handoff=handoff)


def test_old_owner_stays_involved_while_consent_covers_it(
    caseworker_a, caseworker_b, case_a, agency_a, agency_b
):
    _consent(caseworker_a, case_a, agency_b)
    _consent(caseworker_a, case_a, agency_a)
    handoff = services.handoff_create(user=caseworker_a, case=case_a, to_agency=agency_b)
    services.handoff_accept(user=caseworker_b, handoff=handoff)
    assert policy.get_person(caseworker_a, case_a.person_id) == case_a.person
    assert selectors.get_case(user=caseworker_a, pk=case_a.pk).owning_agency == agency_b


def test_handoff_cancel_removes_receiving_agency_access(
    caseworker_a, caseworker_b, case_a, agency_b
):
    from core.errors import NotFound

    _consent(caseworker_a, case_a, agency_b)
    handoff = services.handoff_create(user=caseworker_a, case=case_a, to_agency=agency_b)
    services.handoff_cancel(user=caseworker_a, handoff=handoff)
    with pytest.raises(NotFound):
        policy.get_person(caseworker_b, case_a.person_id)


# --- My work: no contact ------------------------------------------------------------------------


def test_cases_without_contact_for_28_days(caseworker_a, today):
    _, quiet = person_with_case(caseworker_a, last_name="Quiet", start_date=today - 60 * DAY)
    _, noted = person_with_case(caseworker_a, last_name="Noted", start_date=today - 60 * DAY)
    _, new = person_with_case(caseworker_a, last_name="New", start_date=today - 5 * DAY)
    services.note_add(
        user=caseworker_a, case=noted, note_type="phone", contact_on=today - 3 * DAY, body="Called"
    )
    services.note_add(
        user=caseworker_a,
        case=quiet,
        note_type="phone",
        contact_on=today - 40 * DAY,
        body="Long ago",
    )
    result = list(selectors.cases_without_contact(user=caseworker_a))
    assert result == [quiet] and result[0].last_contact_on == today - 40 * DAY


def test_an_attended_appointment_is_contact_and_a_corrected_attendance_undoes_it(
    caseworker_a, today
):
    import datetime as dt

    from django.utils import timezone

    from casework.models import Case

    _, never = person_with_case(caseworker_a, last_name="Never", start_date=today - 60 * DAY)
    _, seen = person_with_case(caseworker_a, last_name="Seen", start_date=today - 60 * DAY)
    at = timezone.now() - dt.timedelta(days=2)
    visit = services.appointment_add(user=caseworker_a, case=seen, kind="probation", at=at)
    visit = services.appointment_attendance_record(
        user=caseworker_a, appointment=visit, attended="yes", version=visit.version
    )
    assert Case.objects.get(pk=seen.pk).last_contact_on == timezone.localtime(at).date()
    assert list(selectors.cases_without_contact(user=caseworker_a)) == [never]
    services.appointment_attendance_record(
        user=caseworker_a, appointment=visit, attended="no", version=visit.version
    )
    assert Case.objects.get(pk=seen.pk).last_contact_on is None
    assert list(selectors.cases_without_contact(user=caseworker_a)) == [
        never,
        seen,
    ]  # never contacted, by id


def test_handoff_decline_needs_a_reason_keeps_the_owner_and_ends_the_receivers_access(
    caseworker_a, caseworker_b, case_a, agency_a, agency_b
):
    from core.errors import NotFound

    _consent(caseworker_a, case_a, agency_b)
    handoff = services.handoff_create(user=caseworker_a, case=case_a, to_agency=agency_b)
    with pytest.raises(Forbidden):
        services.handoff_decline(user=caseworker_a, handoff=handoff, reason="Not ours")
    with pytest.raises(ApplicationError, match="Say why"):
        services.handoff_decline(user=caseworker_b, handoff=handoff, reason="   ")
    handoff = services.handoff_decline(
        user=caseworker_b, handoff=handoff, reason="Released outside our area"
    )
    case_a.refresh_from_db()
    assert handoff.status == "declined" and handoff.decline_reason == "Released outside our area"
    assert case_a.owning_agency == agency_a and handoff.decided_by == caseworker_b
    assert not CaseInvolvement.objects.filter(
        case=case_a, agency=agency_b, ended_on__isnull=True
    ).exists()
    with pytest.raises(NotFound):
        policy.get_person(caseworker_b, case_a.person_id)  # consent alone does not give access
    assert _audit(case_a.person, "change", "releasehandoff").count() == 1
    with pytest.raises(Conflict):
        services.handoff_cancel(user=caseworker_a, handoff=handoff)
    # the owner can hand the case to someone else now
    assert (
        services.handoff_create(user=caseworker_a, case=case_a, to_agency=agency_b).status
        == "pending"
    )
