import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from agencies import acting
from agencies.models import User
from casework.models import Person
from consent.policy import expected_access
from core.timeline import entries_for_case
from custody import services
from custody.models import BenefitSurgery, ClaimClosure, FreshstartAppointment, PostReleaseClaim
from custody.selectors import ebsa_worklist
from tests.custody.conftest import RELEASE_IN_DAYS, receive
from tests.factories import person_with_case

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.mark.parametrize(
    "released_days_ago,visible", [(None, True), (30, True), (91, True), (92, False)]
)
def test_surgery_gateway_lasts_13_weeks_after_release(
    ebsa_a, caseworker_a, prison_site, surgery, released_days_ago, visible
):
    person, _ = person_with_case(caseworker_a, last_name="Gateway")
    receive(
        person,
        prison_site,
        days_ago=120,
        expected_in_days=None,
        released_days_ago=released_days_ago,
    )
    assert Person.objects.for_user(ebsa_a).filter(pk=person.pk).exists() is visible
    grant = expected_access(person.pk).get(ebsa_a.acting.agency_id)
    until = grant.visible_until if grant else None
    if visible and released_days_ago is not None:
        assert until == TODAY - datetime.timedelta(days=released_days_ago) + datetime.timedelta(
            days=91
        )


def test_no_gateway_for_a_prison_without_surgery(ebsa_a, caseworker_a, prison_site):
    person, _ = person_with_case(caseworker_a, last_name="Nosurgery")
    receive(person, prison_site, days_ago=5)
    assert not Person.objects.for_user(ebsa_a).filter(pk=person.pk).exists()


def test_timeline_and_panel_show_custody_entries(
    client_for,
    ebsa_a,
    caseworker_a,
    prisoner,
    prison_site,
    luton_office,
    django_assert_max_num_queries,
):
    services.claim_closure_create(
        user=ebsa_a,
        person=prisoner,
        establishment=prison_site,
        reception_date=TODAY - datetime.timedelta(days=10),
        benefits=["jsa"],
    )
    services.freshstart_book(
        user=ebsa_a,
        person=prisoner,
        office=luton_office,
        appointment_at=datetime.datetime.now(datetime.UTC)
        + datetime.timedelta(days=RELEASE_IN_DAYS + 5),
    )
    case = prisoner.cases.get()
    from custody.timeline import timeline_entries

    # + the closures' chases, + the restricted people the user is named for
    with django_assert_max_num_queries(7):
        titles = [e.title for e in timeline_entries(user=ebsa_a, case=case)]
    assert "Claim closure at reception (to do)" in titles and "Freshstart appointment" in titles
    owner_titles = [
        e.title for e in entries_for_case(user=caseworker_a, case=case) if e.kind == "custody"
    ]
    assert owner_titles == ["Freshstart appointment"]  # probation never sees claim closures
    html = (
        client_for(ebsa_a)
        .get(reverse("casework:person_detail", args=[prisoner.pk]))
        .content.decode()
    )
    assert "Benefits and claim closures" in html and "Record a claim closure" in html
    assert "Custody and release" in html and "Book a Freshstart appointment" in html


def test_demo_is_idempotent_and_gives_ebsa_a_worklist(settings):
    out = io.StringIO()
    call_command("seed_demo", force=True, people=12, stdout=out)
    counts = (
        ClaimClosure.objects.count(),
        FreshstartAppointment.objects.count(),
        BenefitSurgery.objects.count(),
        Person.objects.count(),
    )
    call_command("seed_demo", force=True, people=12, stdout=out)
    assert counts == (
        ClaimClosure.objects.count(),
        FreshstartAppointment.objects.count(),
        BenefitSurgery.objects.count(),
        Person.objects.count(),
    )
    assert counts[0] == 4 and counts[1] == 1
    ebsa = User.objects.get(username="ebsa.bedford")
    acting.attach(ebsa)
    work = ebsa_worklist(user=ebsa)
    assert len(work.receptions) >= 6 and any(e.sentence_type == "remand" for e in work.receptions)
    assert "Pike" in [e.person.last_name for e in work.releases]
    # last week's scan left rows that matched nobody, waiting to be found or added (seeded once)
    assert work.scan_items_open == 3
    # the released prisoner's claim: a rapid reclaim with a payment on account (the report's
    # finance-gap, advance and rapid-reclaim measures have something to count)
    claim = PostReleaseClaim.objects.get()
    assert claim.rapid_reclaim and claim.advance_outcome == "eligible"
    assert claim.claim_state == "awaiting_payday" and claim.first_payment_on is None
    coach = User.objects.get(username="workcoach.luton")
    acting.attach(coach)
    appointment = FreshstartAppointment.objects.get()
    assert Person.objects.for_user(coach).filter(pk=appointment.person_id).exists()
    services.freshstart_attendance_record(
        user=coach, appointment=appointment, attended=True, version=1
    )
