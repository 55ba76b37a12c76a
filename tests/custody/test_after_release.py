import datetime

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from core.errors import ApplicationError
from custody import services
from tests.custody.conftest import receive
from tests.factories import person_with_case, share_with

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.mark.parametrize("gap,eligible", [(0, True), (181, True), (182, True), (183, False)])
def test_rapid_reclaim_boundary_is_26_weeks_inclusive(gap, eligible):
    ended = datetime.date(2026, 1, 5)
    assert (
        services.rapid_reclaim_eligible(
            last_claim_ended_on=ended,
            claim_made_on=ended + datetime.timedelta(days=gap),
            circumstances_unchanged=True,
        )
        is eligible
    )


def test_rapid_reclaim_needs_unchanged_circumstances_and_a_last_claim():
    day = datetime.date(2026, 1, 5)
    assert not services.rapid_reclaim_eligible(
        last_claim_ended_on=day, claim_made_on=day, circumstances_unchanged=False
    )
    assert not services.rapid_reclaim_eligible(
        last_claim_ended_on=None, claim_made_on=day, circumstances_unchanged=True
    )


@pytest.mark.parametrize(
    "state,reason,entitled,need,outcome,why",
    [
        ("undecided", "other", True, True, "eligible", "Likely entitled"),
        ("awaiting_payday", "", True, True, "eligible", "Likely entitled"),
        (
            "undecided",
            "missing_person_evidence",
            True,
            True,
            "refused",
            "evidence from the person is missing",
        ),
        ("undecided", "other", False, True, "refused", "not likely to be entitled"),
        ("awaiting_payday", "", True, False, "refused", "not in financial need"),
        ("paid", "", True, True, "refused", "first payment has been made"),
    ],
)
def test_advance_needs_both_tests_and_the_evidence_rule(
    state, reason, entitled, need, outcome, why
):
    result, text = services.advance_decision(
        claim_state=state, undecided_reason=reason, likely_entitled=entitled, in_financial_need=need
    )
    assert result == outcome and why in text


def _released(caseworker_a, work_coach_a, prison_site, ebsa_a, *, claim_ended_days_ago):
    person, case = person_with_case(
        caseworker_a, last_name="Outside", prison_number="A2222BC", release_area="Luton"
    )
    receive(person, prison_site, days_ago=200, expected_in_days=None, released_days_ago=10)
    services.claim_closure_create(
        user=ebsa_a,
        person=person,
        establishment=prison_site,
        reception_date=TODAY - datetime.timedelta(days=200),
        benefits=["jsa"],
        sent_to_bdc_on=TODAY - datetime.timedelta(days=195),
        bdc_contact_method="phone",
        closed_on=TODAY - datetime.timedelta(days=190),
        claim_ended_on=None
        if claim_ended_days_ago is None
        else TODAY - datetime.timedelta(days=claim_ended_days_ago),
    )
    share_with(caseworker_a, case, work_coach_a.acting.agency)
    return person


@pytest.fixture
def released(caseworker_a, work_coach_a, prison_site, surgery, ebsa_a):
    """Received 200 days ago; the claim ended that day; the BDC confirmed 10 days later."""
    return _released(caseworker_a, work_coach_a, prison_site, ebsa_a, claim_ended_days_ago=200)


def _claim(work_coach_a, person, **fields):
    return services.post_release_claim_record(
        user=work_coach_a,
        person=person,
        released_on=TODAY - datetime.timedelta(days=10),
        claim_made_on=TODAY - datetime.timedelta(days=8),
        benefit="jsa",
        circumstances_unchanged=True,
        claim_state="undecided",
        undecided_reason="missing_person_evidence",
        advance_requested=True,
        likely_entitled=True,
        in_financial_need=True,
        **fields,
    )


def test_claim_after_release_counts_from_the_day_the_claim_ended_and_records_finance_gap(
    work_coach_a, released
):
    claim = _claim(work_coach_a, released)
    assert claim.last_claim_ended_on == TODAY - datetime.timedelta(days=200)
    # reclaimed 192 days after the claim ended (on reception): past 26 weeks, although only 182
    # days after the Benefit Delivery Centre confirmed the closure
    assert claim.rapid_reclaim is False
    assert claim.advance_outcome == "refused"
    updated = services.post_release_claim_update(
        user=work_coach_a, claim=claim, version=1, first_payment_on=TODAY
    )
    assert updated.finance_gap_days == 10 and updated.claim_state == "paid"
    assert AccessEvent.objects.filter(object_type="custody.postreleaseclaim").count() == 2


def test_rapid_reclaim_within_26_weeks_of_the_recorded_end(
    caseworker_a, work_coach_a, prison_site, surgery, ebsa_a
):
    person = _released(caseworker_a, work_coach_a, prison_site, ebsa_a, claim_ended_days_ago=190)
    claim = _claim(work_coach_a, person)
    assert claim.last_claim_ended_on == TODAY - datetime.timedelta(days=190)
    assert claim.rapid_reclaim is True  # 182 days: exactly 26 weeks


def test_confirmation_date_is_never_taken_as_the_end_of_the_claim(
    caseworker_a, work_coach_a, prison_site, surgery, ebsa_a
):
    person = _released(caseworker_a, work_coach_a, prison_site, ebsa_a, claim_ended_days_ago=None)
    claim = _claim(work_coach_a, person)
    assert claim.last_claim_ended_on is None and claim.rapid_reclaim is False


@pytest.mark.parametrize(
    "ended,closed,message",
    [
        (-1, False, "today or in the past"),
        (11, False, "on or after the reception date"),
        (3, True, "on or before the date the closure was confirmed"),
    ],
)
def test_claim_end_on_the_closure_validated(ebsa_a, prisoner, prison_site, ended, closed, message):
    """The prisoner was received 10 days ago; `ended` is days ago (-1 is tomorrow)."""
    with pytest.raises(ApplicationError) as exc:
        services.claim_closure_create(
            user=ebsa_a,
            person=prisoner,
            establishment=prison_site,
            reception_date=TODAY - datetime.timedelta(days=10),
            benefits=["jsa"],
            sent_to_bdc_on=TODAY - datetime.timedelta(days=5) if closed else None,
            bdc_contact_method="phone" if closed else "",
            closed_on=TODAY - datetime.timedelta(days=4) if closed else None,
            claim_ended_on=TODAY - datetime.timedelta(days=ended),
        )
    assert exc.value.field == "claim_ended_on" and message in exc.value.message


def test_claim_dates_validated(work_coach_a, released):
    with pytest.raises(ApplicationError) as exc:
        services.post_release_claim_record(
            user=work_coach_a,
            person=released,
            released_on=TODAY,
            benefit="jsa",
            claim_made_on=TODAY - datetime.timedelta(days=1),
            claim_state="undecided",
        )
    assert exc.value.field == "claim_made_on"
    with pytest.raises(ApplicationError) as exc:
        services.post_release_claim_record(
            user=work_coach_a,
            person=released,
            released_on=TODAY,
            benefit="jsa",
            claim_made_on=TODAY,
            claim_state="undecided",
            advance_requested=True,
        )
    assert exc.value.field == "likely_entitled"


def test_claim_form_flow(client_for, work_coach_a, released):
    d = TODAY - datetime.timedelta(days=10)
    response = client_for(work_coach_a).post(
        reverse("custody:claim_create", args=[released.pk]),
        {
            "released_on_day": d.day,
            "released_on_month": d.month,
            "released_on_year": d.year,
            "claim_made_on_day": TODAY.day,
            "claim_made_on_month": TODAY.month,
            "claim_made_on_year": TODAY.year,
            "benefit": "jsa",
            "circumstances_unchanged": "on",
            "claim_state": "awaiting_payday",
            "advance_requested": "on",
            "likely_entitled": "yes",
            "in_financial_need": "yes",
        },
    )
    assert response.status_code == 302
    html = (
        client_for(work_coach_a)
        .get(reverse("casework:person_detail", args=[released.pk]))
        .content.decode()
    )
    assert "advance meets the tests" in html
