import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import SiteKind
from audit.models import AccessEvent
from casework import services
from casework.models import Assessment, PlanAction, SentenceEpisode
from core.timeline import entries_for_case
from tests.factories import EVERYTHING_BUT_SENSITIVE, SiteFactory, person_with_case

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)

CASE_PAGES = [
    "case_assessment",
    "assessment_create",
    "case_plan",
    "goal_create",
    "action_create",
    "appointment_create",
    "case_notes",
    "note_create",
    "case_custody",
    "sentence_create",
    "release_plan_edit",
    "handoff_create",
    "case_timeline",
    "case_progress",
    "case_reopen",
]


def _date(prefix, day):
    return {
        f"{prefix}_day": str(day.day),
        f"{prefix}_month": str(day.month),
        f"{prefix}_year": str(day.year),
    }


@pytest.fixture
def filled_case(caseworker_a, case_a, today):
    prison = SiteFactory(name="HMP Test", kind=SiteKind.PRISON)
    sentence = services.sentence_record(
        user=caseworker_a,
        case=case_a,
        sentence_type="custodial",
        reception_date=today - 20 * DAY,
        establishment=prison,
    )
    item = services.action_add(user=caseworker_a, case=case_a, description="CV", due_date=today)
    appt = services.appointment_add(
        user=caseworker_a, case=case_a, kind="probation", at=timezone.now() - DAY
    )
    return {"sentence": sentence, "action": item, "appointment": appt}


def test_other_agency_gets_404_on_every_journey_page(client_for, caseworker_b, case_a, filled_case):
    client = client_for(caseworker_b)
    urls = [reverse(f"casework:{name}", args=[case_a.pk]) for name in CASE_PAGES]
    urls += [
        reverse("casework:action_edit", args=[case_a.pk, filled_case["action"].pk]),
        reverse("casework:appointment_attendance", args=[case_a.pk, filled_case["appointment"].pk]),
        reverse("casework:sentence_edit", args=[case_a.pk, filled_case["sentence"].pk]),
        reverse("casework:transfer_create", args=[case_a.pk, filled_case["sentence"].pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url


def test_other_agency_gets_404_for_handoff(
    client_for, caseworker_a, caseworker_b, case_a, agency_b
):
    from agencies.models import Role
    from consent import services as consent_services
    from tests.factories import AgencyFactory, staff

    consent_services.consent_record(
        user=caseworker_a,
        person=case_a.person,
        recipient_agency=agency_b,
        purposes=["employment_support"],
        data_categories=EVERYTHING_BUT_SENSITIVE,
        method="signed_form",
        form_version="v3",
        given_on=datetime.date.today(),
    )
    handoff = services.handoff_create(user=caseworker_a, case=case_a, to_agency=agency_b)
    stranger = staff("stranger", AgencyFactory(name="Probation C"), Role.CASEWORKER)
    url = reverse("casework:handoff_detail", args=[handoff.pk])
    assert client_for(stranger).get(url).status_code == 404
    assert client_for(stranger).post(url, {"action": "accept"}).status_code == 404


def test_wrong_role_gets_403(client_for, admin_a, case_a):
    client = client_for(admin_a)
    for name in ["case_assessment", "case_plan", "case_notes", "case_custody", "case_timeline"]:
        assert client.get(reverse(f"casework:{name}", args=[case_a.pk])).status_code == 403, name
    assert client.get(reverse("casework:my_work")).status_code == 403


def test_involved_agency_gets_403_on_owner_only_pages(
    client_for, caseworker_b, shared_case, filled_case
):
    client = client_for(caseworker_b)
    for name in [
        "sentence_create",
        "release_plan_edit",
        "handoff_create",
        "case_progress",
        "case_reopen",
    ]:
        assert client.get(reverse(f"casework:{name}", args=[shared_case.pk])).status_code == 403, (
            name
        )
    assert (
        client.get(
            reverse("casework:action_edit", args=[shared_case.pk, filled_case["action"].pk])
        ).status_code
        == 403
    )
    # but it may read the case and add its own actions and notes
    for name in [
        "case_assessment",
        "case_plan",
        "case_notes",
        "case_custody",
        "case_timeline",
        "action_create",
    ]:
        assert client.get(reverse(f"casework:{name}", args=[shared_case.pk])).status_code == 200, (
            name
        )


def test_assessment_form_saves_and_chart_shows(client_for, caseworker_a, case_a, today):
    client = client_for(caseworker_a)
    data = {
        **_date("assessed_on", today),
        "rating_accommodation": "red",
        "note_accommodation": "Sofa surfing",
        "rating_drugs": "amber",
        "work_readiness": "support_needed",
        "confident_writing_name": "yes",
        "confident_writing_address": "no",
        "confident_writing_phone": "unknown",
        "convictions_spent": "no",
    }
    response = client.post(reverse("casework:assessment_create", args=[case_a.pk]), data)
    assert response.status_code == 302
    client.post(
        reverse("casework:assessment_create", args=[case_a.pk]),
        data | {"rating_accommodation": "green"},
    )
    assert Assessment.objects.filter(case=case_a).count() == 2
    html = client.get(reverse("casework:case_assessment", args=[case_a.pk])).content.decode()
    assert "<svg" in html and "Distance travelled" in html and "Better (+2)" in html
    assert "Sofa surfing" in html


def test_assessment_form_errors_are_explained(client_for, caseworker_a, case_a, today):
    response = client_for(caseworker_a).post(
        reverse("casework:assessment_create", args=[case_a.pk]),
        {
            **_date("assessed_on", today + 3 * DAY),
            "rating_drugs": "red",
            "work_readiness": "ready_to_work",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert "Date of the assessment must be today or in the past" in html


def test_plan_page_highlights_overdue_actions(client_for, caseworker_a, case_a, today):
    services.action_add(
        user=caseworker_a, case=case_a, description="Late thing", due_date=today - DAY
    )
    html = (
        client_for(caseworker_a)
        .get(reverse("casework:case_plan", args=[case_a.pk]))
        .content.decode()
    )
    assert "Late thing" in html and "app-overdue" in html and "Overdue" in html


def test_action_form_rejects_due_date_before_case_start(client_for, caseworker_a, case_a):
    response = client_for(caseworker_a).post(
        reverse("casework:action_create", args=[case_a.pk]),
        {
            "description": "Too early",
            "owner_agency": caseworker_a.acting.agency_id,
            "status": "not_started",
            **_date("due_date", case_a.start_date - DAY),
        },
    )
    assert response.status_code == 200
    assert "Due date must be on or after the case start date" in response.content.decode()
    assert not PlanAction.objects.exists()


def test_action_edit_with_stale_version_is_refused(client_for, caseworker_a, case_a, today):
    item = services.action_add(user=caseworker_a, case=case_a, description="CV", due_date=today)
    services.action_update(user=caseworker_a, action=item, version=1, status="in_progress")
    response = client_for(caseworker_a).post(
        reverse("casework:action_edit", args=[case_a.pk, item.pk]),
        {
            "version": "1",
            "description": "CV",
            "owner_agency": item.owner_agency_id,
            "status": "done",
            **_date("due_date", today),
        },
    )
    assert (
        response.status_code == 200
        and "Someone else changed this action" in response.content.decode()
    )


def test_note_pages_and_sensitive_checkbox(
    client_for, caseworker_a, caseworker_b, shared_case, today
):
    client = client_for(caseworker_a)
    response = client.post(
        reverse("casework:note_create", args=[shared_case.pk]),
        {
            "note_type": "face_to_face",
            **_date("contact_on", today),
            "body": "Discussed CV",
            "sensitive_part": "offence",
        },
    )
    assert response.status_code == 302
    assert (
        "Discussed CV"
        in client.get(reverse("casework:case_notes", args=[shared_case.pk])).content.decode()
    )
    other = client_for(caseworker_b)
    assert (
        "Discussed CV"
        not in other.get(reverse("casework:case_notes", args=[shared_case.pk])).content.decode()
    )
    assert (
        'name="sensitive_part"'
        not in other.get(reverse("casework:note_create", args=[shared_case.pk])).content.decode()
    )


def test_custody_pages_record_sentence_release_and_checklist(
    client_for, caseworker_a, case_a, today
):
    prison = SiteFactory(name="HMP Gamma", kind=SiteKind.PRISON)
    client = client_for(caseworker_a)
    response = client.post(
        reverse("casework:sentence_create", args=[case_a.pk]),
        {
            "sentence_type": "custodial",
            "length_months": "10",
            **_date("reception_date", today - 10 * DAY),
            "establishment": prison.pk,
            **_date("actual_release_date", today - 11 * DAY),
            "release_type": "licence",
        },
    )
    assert response.status_code == 200
    assert "Release date must be on or after the reception date" in response.content.decode()
    response = client.post(
        reverse("casework:sentence_create", args=[case_a.pk]),
        {
            "sentence_type": "custodial",
            "length_months": "10",
            **_date("reception_date", today - 10 * DAY),
            "establishment": prison.pk,
            **_date("expected_release_date", today + 20 * DAY),
        },
    )
    assert response.status_code == 302
    sentence = SentenceEpisode.objects.get(case=case_a)
    response = client.post(
        reverse("casework:sentence_edit", args=[case_a.pk, sentence.pk]),
        {
            "version": sentence.version,
            "sentence_type": "custodial",
            "length_months": "10",
            **_date("reception_date", today - 10 * DAY),
            "establishment": prison.pk,
            **_date("expected_release_date", today + 20 * DAY),
            **_date("actual_release_date", today),
            "release_type": "licence",
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("casework:release_plan_edit", args=[case_a.pk]),
        {
            "version": "1",
            "release_address": "1 Sea Road, Southend",
            "bank_account_ready": "on",
            **_date("accommodation_screened_on", today - 8 * DAY),
        },
    )
    assert response.status_code == 302
    html = client.get(reverse("casework:case_custody", args=[case_a.pk])).content.decode()
    assert "1 Sea Road" in html and "Screened on" in html and "Freshstart appointment" in html
    assert "On licence" in html


def test_handoff_accept_in_the_browser_across_two_agencies(
    client_for, caseworker_a, caseworker_b, case_a, agency_b
):
    from consent import services as consent_services

    office = SiteFactory(agency=agency_b, name="Southend office")
    client_a, client_b = client_for(caseworker_a), client_for(caseworker_b)
    response = client_a.post(
        reverse("casework:handoff_create", args=[case_a.pk]),
        {"to_agency": agency_b.pk, "to_site": office.pk},
    )
    assert response.status_code == 200 and "has not consented" in response.content.decode()
    consent_services.consent_record(
        user=caseworker_a,
        person=case_a.person,
        recipient_agency=agency_b,
        purposes=["employment_support"],
        data_categories=EVERYTHING_BUT_SENSITIVE,
        method="signed_form",
        form_version="v3",
        given_on=datetime.date.today(),
    )
    response = client_a.post(
        reverse("casework:handoff_create", args=[case_a.pk]),
        {"to_agency": agency_b.pk, "to_site": office.pk, "note": "Released to Southend"},
    )
    assert response.status_code == 302
    handoff = case_a.handoffs.get()
    inbox = client_b.get(reverse("casework:my_work")).content.decode()
    assert (
        case_a.person.full_name in inbox
        and reverse("casework:handoff_detail", args=[handoff.pk]) in inbox
    )
    page = client_b.get(reverse("casework:handoff_detail", args=[handoff.pk])).content.decode()
    assert "Accept hand-off" in page
    response = client_b.post(
        reverse("casework:handoff_detail", args=[handoff.pk]), {"action": "accept"}
    )
    assert response.status_code == 302
    case_a.refresh_from_db()
    assert case_a.owning_agency == agency_b
    detail = client_b.get(reverse("casework:case_detail", args=[case_a.pk])).content.decode()
    assert "Change case details" in detail
    timeline = client_b.get(reverse("casework:case_timeline", args=[case_a.pk])).content.decode()
    assert (
        "Hand-off accepted" in timeline and "Handed off to Probation B, Southend office" in timeline
    )
    # the old owner has no consent of its own: it no longer sees the case
    assert client_a.get(reverse("casework:case_detail", args=[case_a.pk])).status_code == 404


def test_progress_close_and_reopen_pages(client_for, caseworker_a, case_a, today):
    client = client_for(caseworker_a)
    response = client.post(
        reverse("casework:case_progress", args=[case_a.pk]),
        {"version": case_a.version, "stage": "in_work", "ladder_step": "trial"},
    )
    assert response.status_code == 302
    case_a.refresh_from_db()
    response = client.post(
        reverse("casework:case_close", args=[case_a.pk]),
        {"version": case_a.version, **_date("end_date", today), "end_reason": "completed"},
    )
    assert response.status_code == 302
    case_a.refresh_from_db()
    response = client.post(
        reverse("casework:case_reopen", args=[case_a.pk]), {"version": case_a.version, "reason": ""}
    )
    assert "Enter why the case is being reopened" in response.content.decode()
    response = client.post(
        reverse("casework:case_reopen", args=[case_a.pk]),
        {"version": case_a.version, "reason": "Back"},
    )
    assert response.status_code == 302
    html = client.get(reverse("casework:case_timeline", args=[case_a.pk])).content.decode()
    for text in ("Case reopened", "Case closed", "Progression ladder step", "Stage changed"):
        assert text in html


def test_timeline_filter_by_kind(client_for, caseworker_a, case_a, today):
    services.note_add(
        user=caseworker_a, case=case_a, note_type="phone", contact_on=today, body="Phoned about CV"
    )
    services.action_add(user=caseworker_a, case=case_a, description="Write CV", due_date=today)
    client = client_for(caseworker_a)
    html = client.get(
        reverse("casework:case_timeline", args=[case_a.pk]), {"kind": "note"}
    ).content.decode()
    assert "Phoned about CV" in html and "Write CV" not in html
    assert AccessEvent.objects.filter(person=case_a.person, detail__page="timeline").count() == 1


def _events(user, case, n):
    """About n timeline events of every casework kind."""
    prison = SiteFactory(name=f"HMP Q{n}", kind=SiteKind.PRISON)
    prison2 = SiteFactory(name=f"HMP R{n}", kind=SiteKind.PRISON)
    today = datetime.date.today()
    sentence = services.sentence_record(
        user=user,
        case=case,
        sentence_type="custodial",
        reception_date=case.start_date,
        establishment=prison,
        sentence_date=case.start_date,
    )
    services.sentence_transfer_record(
        user=user, sentence=sentence, to_establishment=prison2, transferred_on=case.start_date
    )
    per_kind = max(1, (n - 3) // 4)
    for i in range(per_kind):
        services.note_add(
            user=user,
            case=case,
            note_type="phone",
            contact_on=today,
            body=f"Note {i}",
            sensitive=i % 2 == 0,
        )
        services.action_add(user=user, case=case, description=f"Action {i}", due_date=today)
        services.assessment_record(
            user=user,
            case=case,
            assessed_on=today,
            ratings={"drugs": "red"},
            work_readiness="support_needed",
        )
        services.appointment_add(user=user, case=case, kind="probation", at=timezone.now())


@pytest.mark.parametrize("owner", [True, False])
def test_timeline_query_count_is_fixed_for_5_and_200_events(
    caseworker_a, caseworker_b, agency_b, owner
):
    from tests.factories import share_with

    _, small = person_with_case(caseworker_a, last_name="Small")
    _, big = person_with_case(caseworker_a, last_name="Big")
    _events(caseworker_a, small, 5)
    _events(caseworker_a, big, 200)
    viewer = caseworker_a
    if not owner:
        share_with(caseworker_a, small, agency_b)
        share_with(caseworker_a, big, agency_b)
        viewer = caseworker_b
    counts, sizes, contexts = [], [], []
    from consent import policy

    for case in (small, big):
        policy.forget(viewer)  # as in a new request: nothing remembered about this person
        with CaptureQueriesContext(connection) as ctx:
            entries = entries_for_case(user=viewer, case=case)
        counts.append(len(ctx.captured_queries))
        sizes.append(len(entries))
        contexts.append(ctx)
    assert counts[0] == counts[1], [
        [q["sql"][:120] for q in ctx.captured_queries] for ctx in contexts
    ]
    assert sizes[0] < 15 < 150 < sizes[1]


def test_timeline_page_query_count_is_fixed(
    client_for, caseworker_a, django_assert_max_num_queries
):
    _, small = person_with_case(caseworker_a, last_name="Small")
    _, big = person_with_case(caseworker_a, last_name="Big")
    _events(caseworker_a, small, 5)
    _events(caseworker_a, big, 200)
    client = client_for(caseworker_a)
    counts = []
    for case in (small, big):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("casework:case_timeline", args=[case.pk])).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_my_work_query_count_does_not_grow(
    client_for, caseworker_a, today, django_assert_max_num_queries
):
    client = client_for(caseworker_a)

    def add(n):
        for i in range(n):
            _, case = person_with_case(caseworker_a, last_name=f"W{i}", start_date=today - 60 * DAY)
            services.action_add(
                user=caseworker_a, case=case, description="Late", due_date=today - DAY
            )

    add(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("casework:my_work")).status_code == 200
    add(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get(reverse("casework:my_work")).content.decode()
    assert html.count("Late") >= 22


def test_case_page_has_sub_navigation(client_for, caseworker_a, case_a):
    html = (
        client_for(caseworker_a)
        .get(reverse("casework:case_detail", args=[case_a.pk]))
        .content.decode()
    )
    for name in ("case_assessment", "case_plan", "case_notes", "case_custody", "case_timeline"):
        assert reverse(f"casework:{name}", args=[case_a.pk]) in html
    assert 'aria-label="Case sections"' in html


def test_handoff_decline_in_the_browser_keeps_what_was_typed_and_tells_the_owner_why(
    client_for, caseworker_a, caseworker_b, case_a, agency_b
):
    from consent import services as consent_services

    consent_services.consent_record(
        user=caseworker_a,
        person=case_a.person,
        recipient_agency=agency_b,
        purposes=["employment_support"],
        data_categories=EVERYTHING_BUT_SENSITIVE,
        method="signed_form",
        form_version="v3",
        given_on=datetime.date.today(),
    )
    client_a, client_b = client_for(caseworker_a), client_for(caseworker_b)
    client_a.post(reverse("casework:handoff_create", args=[case_a.pk]), {"to_agency": agency_b.pk})
    handoff = case_a.handoffs.get()
    url = reverse("casework:handoff_detail", args=[handoff.pk])
    assert "Decline hand-off" in client_b.get(url).content.decode()
    assert (
        "Decline hand-off" not in client_a.get(url).content.decode()
    )  # only the receiving agency declines
    response = client_b.post(url, {"action": "decline", "decline_reason": "  "})
    html = response.content.decode()
    assert (
        response.status_code == 400
        and "There is a problem" in html
        and "Say why your agency" in html
    )
    response = client_b.post(
        url, {"action": "decline", "decline_reason": "No capacity in Southend this month"}
    )
    assert response.status_code == 302 and response.url == reverse("casework:my_work")
    page = client_a.get(url).content.decode()
    assert "Declined" in page and "No capacity in Southend this month" in page
    timeline = client_a.get(reverse("casework:case_timeline", args=[case_a.pk])).content.decode()
    assert "Hand-off declined by Probation B" in timeline
    assert client_b.get(url).status_code == 404  # the receiving agency no longer sees the person
