"""Jobcentre eligibility (issue 19): each rule eligible / not eligible / not known (with what is
missing), named with its source, on the person page's benefits panel only where that section is seen."""

import datetime

import pytest
from django.urls import reverse

from custody import eligibility, services
from custody.eligibility import ELIGIBLE, NOT_ELIGIBLE, UNKNOWN, Claim, Facts
from custody.models import Marker
from tests.custody.conftest import receive
from tests.factories import person_with_case, share_with

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def days(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


def claim(**fields) -> Claim:
    values = {
        "released_on": days(10),
        "claim_made_on": days(8),
        "benefit": "jsa",
        "circumstances_unchanged": True,
        "claim_state": "undecided",
        "undecided_reason": "other",
        "likely_entitled": True,
        "in_financial_need": True,
        "last_claim_ended_on": days(100),
    }
    return Claim(**{**values, **fields})


def facts(**fields) -> Facts:
    values = {
        "today": TODAY,
        "released_on": days(10),
        "in_custody": False,
        "benefit_status": "claiming",
        "employment_status": "unemployed",
        "offender_marker_live": True,
        "claim": claim(),
    }
    return Facts(**{**values, **fields})


def by_rule(results) -> dict:
    return {r.rule.id: r for r in results}


# --- The rules, pure ------------------------------------------------------------------------


def test_every_rule_is_named_with_its_source_document():
    results = eligibility.evaluate(facts())
    assert [r.rule.id for r in results] == [
        "fast_track_support",
        "early_entry_work_programme",
        "rapid_reclaim",
        "payment_on_account",
    ]
    assert {r.rule.source for r in results} == {"001 §3.3", "002 §5.1.3", "001 §2.3", "001 §9.3"}
    assert all(r.rule.document for r in results)
    assert by_rule(results)["fast_track_support"].as_dict()["source"] == "001 §3.3"


@pytest.mark.parametrize(
    "changes,status,text",
    [
        ({}, ELIGIBLE, "Offender marker live"),
        (
            {"offender_marker_live": False, "offender_status_declared": True},
            ELIGIBLE,
            "declared",
        ),
        ({"offender_marker_live": False}, NOT_ELIGIBLE, "cannot identify them as an offender"),
        ({"released_on": None, "in_custody": True}, NOT_ELIGIBLE, "In custody"),
        (
            {"claim": None, "benefit_status": "not_claiming"},
            NOT_ELIGIBLE,
            "not a Jobcentre customer",
        ),
        ({"released_on": None, "in_custody": None}, UNKNOWN, "release from custody"),
        ({"claim": None, "benefit_status": "unknown"}, UNKNOWN, "Whether they claim benefit"),
        ({"released_on": None, "in_custody": None, "community_sentence": True}, ELIGIBLE, ""),
    ],
)
def test_fast_track(changes, status, text):
    result = eligibility.fast_track(facts(**changes))
    assert result.status == status
    assert text in " ".join(result.reasons + result.missing)
    if status == UNKNOWN:
        assert result.missing


@pytest.mark.parametrize(
    "changes,status,text",
    [
        ({}, ELIGIBLE, "A jobseeker: claims Jobseeker's Allowance"),
        ({"claim": claim(benefit="universal_credit")}, ELIGIBLE, "Universal Credit"),
        ({"claim": claim(benefit="esa")}, NOT_ELIGIBLE, "not Jobseeker's Allowance"),
        ({"employment_status": "employed"}, NOT_ELIGIBLE, "In work"),
        ({"offender_marker_live": False}, NOT_ELIGIBLE, "cannot identify"),
        ({"employment_status": None}, UNKNOWN, "not visible to your agency"),
        ({"employment_status": "unknown"}, UNKNOWN, "Employment status"),
        ({"claim": None}, UNKNOWN, "The benefit claimed after release"),
    ],
)
def test_early_entry_to_the_work_programme(changes, status, text):
    result = eligibility.early_entry(facts(**changes))
    assert result.status == status
    assert text in " ".join(result.reasons + result.missing)


@pytest.mark.parametrize(
    "changes,status,text",
    [
        ({}, ELIGIBLE, "Claimed 92 days after the last claim ended"),
        ({"claim": claim(last_claim_ended_on=days(8 + 182))}, ELIGIBLE, "182 days"),
        ({"claim": claim(last_claim_ended_on=days(8 + 183))}, NOT_ELIGIBLE, "183 days"),
        ({"claim": claim(circumstances_unchanged=False)}, NOT_ELIGIBLE, "Circumstances"),
        ({"claim": claim(last_claim_ended_on=None)}, UNKNOWN, "date the last claim ended"),
        # no claim yet: the closure's end date counts from today, circumstances still to ask
        ({"claim": None, "last_claim_ended_on": days(30)}, UNKNOWN, "circumstances"),
        ({"claim": None, "last_claim_ended_on": days(200)}, NOT_ELIGIBLE, "today is 200 days"),
    ],
)
def test_rapid_reclaim(changes, status, text):
    result = eligibility.rapid_reclaim(facts(**changes))
    assert result.status == status
    assert text in " ".join(result.reasons + result.missing)


@pytest.mark.parametrize(
    "changes,status,text",
    [
        ({}, ELIGIBLE, "Likely entitled and in financial need"),
        ({"claim": claim(claim_state="awaiting_payday", undecided_reason="")}, ELIGIBLE, ""),
        (
            {"claim": claim(undecided_reason="missing_person_evidence")},
            NOT_ELIGIBLE,
            "evidence from the person",
        ),
        ({"claim": claim(claim_state="paid")}, NOT_ELIGIBLE, "first payment has been made"),
        ({"claim": claim(in_financial_need=False)}, NOT_ELIGIBLE, "not in financial need"),
        ({"claim": claim(likely_entitled=None)}, UNKNOWN, "likely to be entitled"),
        ({"claim": None}, UNKNOWN, "A benefit claim after release"),
    ],
)
def test_payment_on_account(changes, status, text):
    result = eligibility.payment_on_account(facts(**changes))
    assert result.status == status
    assert text in " ".join(result.reasons + result.missing)


# --- From the recorded facts, on the person page ----------------------------------------------


@pytest.fixture
def released(caseworker_a, work_coach_a, prison_site, surgery, ebsa_a):
    """Released 10 days ago; the claim closed at reception 100 days ago; the Jobcentre sees the
    person (consent, offender marker included) and has set the offender marker."""
    person, case = person_with_case(
        caseworker_a,
        last_name="Eligible",
        prison_number="A3333BC",
        release_area="Luton",
        employment_status="unemployed",
        benefit_status="claiming",
    )
    receive(person, prison_site, days_ago=100, expected_in_days=None, released_days_ago=10)
    services.claim_closure_create(
        user=ebsa_a,
        person=person,
        establishment=prison_site,
        reception_date=days(100),
        benefits=["jsa"],
        sent_to_bdc_on=days(99),
        bdc_contact_method="phone",
        closed_on=days(95),
        claim_ended_on=days(100),
    )
    share_with(
        caseworker_a,
        case,
        work_coach_a.acting.agency,
        purposes=("employment_support", "offender_marker"),
    )
    return person


def _page(client_for, user, person) -> str:
    return (
        client_for(user).get(reverse("casework:person_detail", args=[person.pk])).content.decode()
    )


def _statuses(html: str) -> dict:
    import re

    return dict(re.findall(r'data-rule="([a-z_]+)" data-status="([a-z_]+)"', html))


def test_facts_are_read_from_the_records(work_coach_a, released):
    from consent import policy

    access = policy.access_for(work_coach_a, released)
    before = by_rule(
        eligibility.person_eligibility(user=work_coach_a, person=released, access=access)
    )
    assert before["fast_track_support"].status == NOT_ELIGIBLE  # no marker, nothing declared
    assert before["payment_on_account"].status == UNKNOWN  # no claim recorded yet
    # the closure's claim end (100 days ago) counts, circumstances still to be asked
    assert before["rapid_reclaim"].status == UNKNOWN
    services.marker_set(user=work_coach_a, person=released, kind="offender")
    services.post_release_claim_record(
        user=work_coach_a,
        person=released,
        released_on=days(10),
        claim_made_on=days(8),
        benefit="jsa",
        circumstances_unchanged=True,
        claim_state="undecided",
        undecided_reason="other",
        advance_requested=True,
        likely_entitled=True,
        in_financial_need=True,
    )
    after = by_rule(
        eligibility.person_eligibility(user=work_coach_a, person=released, access=access)
    )
    assert {k: r.status for k, r in after.items()} == {
        "fast_track_support": ELIGIBLE,
        "early_entry_work_programme": ELIGIBLE,
        "rapid_reclaim": ELIGIBLE,
        "payment_on_account": ELIGIBLE,
    }
    # the marker ends: the Jobcentre can no longer identify them as an offender
    Marker.objects.update(ended_on=TODAY, end_reason="ended")
    again = by_rule(
        eligibility.person_eligibility(user=work_coach_a, person=released, access=access)
    )
    assert again["fast_track_support"].status == NOT_ELIGIBLE
    assert again["early_entry_work_programme"].status == NOT_ELIGIBLE


def test_a_withdrawn_consent_no_longer_counts_a_declaration(
    caseworker_a, ebsa_a, work_coach_a, released
):
    from consent import policy
    from consent.models import ConsentRecord

    services.pre_release_advice_record(
        user=ebsa_a,
        person=released,
        given_on=days(12),
        discussed="The Jobcentre offer",
        offender_status_declared=True,
        declared_to=work_coach_a.acting.agency,
    )
    access = policy.access_for(work_coach_a, released)
    results = by_rule(
        eligibility.person_eligibility(user=work_coach_a, person=released, access=access)
    )
    assert results["fast_track_support"].status == ELIGIBLE
    assert "declared" in " ".join(results["fast_track_support"].reasons)
    ConsentRecord.objects.filter(offender_marker=True).update(withdrawn_on=TODAY)
    results = by_rule(
        eligibility.person_eligibility(user=work_coach_a, person=released, access=access)
    )
    assert results["fast_track_support"].status == NOT_ELIGIBLE


def test_shown_on_the_jobcentre_view_with_the_rule_and_source(client_for, work_coach_a, released):
    services.marker_set(user=work_coach_a, person=released, kind="offender")
    html = _page(client_for, work_coach_a, released)
    assert "Jobcentre eligibility" in html
    assert "Early entry to the work programme" in html and "002 §5.1.3" in html
    assert "Fast track to the Jobcentre" in html and "001 §3.3" in html
    assert _statuses(html) == {
        "fast_track_support": "eligible",
        "early_entry_work_programme": "unknown",  # no claim after release recorded yet
        "rapid_reclaim": "unknown",
        "payment_on_account": "unknown",
    }
    assert "The benefit claimed after release" in html  # what is missing, said
    assert "six months of independent jobsearch" in html  # the rule itself, in a details


def test_hidden_where_the_benefits_section_is_not_seen(
    client_for, caseworker_a, adviser_a, released
):
    from casework.models import Case

    case = Case.objects.get(person=released)
    share_with(caseworker_a, case, adviser_a.acting.agency, categories=["identity", "case"])
    html = _page(client_for, adviser_a, released)
    assert released.last_name in html  # the provider sees the person
    assert "Jobcentre eligibility" not in html and "data-rule=" not in html


def test_not_shown_to_an_agency_that_does_not_see_the_person(client_for, caseworker_b, released):
    response = client_for(caseworker_b).get(reverse("casework:person_detail", args=[released.pk]))
    assert response.status_code == 404
    assert "Jobcentre eligibility" not in response.content.decode()


def test_eligibility_reads_a_fixed_number_of_queries(
    work_coach_a, released, django_assert_max_num_queries
):
    from consent import policy

    access = policy.access_for(work_coach_a, released)
    with django_assert_max_num_queries(6):
        eligibility.person_eligibility(user=work_coach_a, person=released, access=access)
