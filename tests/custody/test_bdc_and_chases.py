"""The Benefit Delivery Centre directory, the chase log on a closure and the worklist's 'to chase'."""

import datetime

import pytest
from django.test import override_settings
from django.urls import reverse

from audit.models import AccessEvent
from core.errors import ApplicationError, Conflict, Forbidden
from custody import services
from custody.models import BenefitDeliveryCentre, ClosureChase
from custody.selectors import ebsa_worklist
from custody.timeline import timeline_entries
from tests.custody.conftest import receive
from tests.factories import person_with_case

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def days(n):
    return TODAY - datetime.timedelta(days=n)


def _date(name, value):
    return {f"{name}_day": value.day, f"{name}_month": value.month, f"{name}_year": value.year}


@pytest.fixture
def bedford_bdc(region):
    return BenefitDeliveryCentre.objects.create(
        name="Bedford Benefit Centre",
        secure_email="bedford.bdc@dwp.example",
        phone="01632 960101",
        region=region,
    )


@pytest.fixture
def sent(ebsa_a, prisoner, prison_site, bedford_bdc):
    """A closure sent to the Bedford centre 8 days ago, not confirmed."""
    return services.claim_closure_create(
        user=ebsa_a,
        person=prisoner,
        establishment=prison_site,
        reception_date=days(10),
        benefits=["jsa"],
        bdc=bedford_bdc,
        sent_to_bdc_on=days(8),
        bdc_contact_method="secure_email",
    )


def test_closure_picks_a_centre_from_the_directory_and_shows_its_contacts(
    client_for, ebsa_a, prisoner, prison_site, bedford_bdc
):
    BenefitDeliveryCentre.objects.create(
        name="Closed Centre", secure_email="x@dwp.example", phone="1", is_active=False
    )
    client = client_for(ebsa_a)
    url = reverse("custody:closure_create", args=[prisoner.pk])
    page = client.get(url).content.decode()
    assert "Bedford Benefit Centre" in page and "Closed Centre" not in page
    form = {
        "establishment": prison_site.pk,
        **_date("reception_date", days(10)),
        "benefits": ["jsa"],
        "found_by": "ebsa_casework",
        "bdc": bedford_bdc.pk,
    }
    response = client.post(url, form)
    assert response.status_code == 302
    detail = client.get(response.url).content.decode()
    assert "bedford.bdc@dwp.example" in detail and "01632 960101" in detail


def test_an_inactive_centre_is_refused_on_a_new_closure(ebsa_a, prisoner, prison_site):
    closed = BenefitDeliveryCentre.objects.create(
        name="Closed Centre", secure_email="x@dwp.example", phone="1", is_active=False
    )
    with pytest.raises(ApplicationError) as exc:
        services.claim_closure_create(
            user=ebsa_a,
            person=prisoner,
            establishment=prison_site,
            reception_date=days(10),
            benefits=["jsa"],
            bdc=closed,
        )
    assert exc.value.field == "bdc"


def test_chase_logged_audited_corrected_and_on_the_timeline(ebsa_a, sent):
    chase = services.closure_chase_record(
        user=ebsa_a, closure=sent, chased_on=days(2), method="phone", outcome="no_reply"
    )
    assert AccessEvent.objects.filter(object_type="custody.closurechase", action="create").exists()
    fixed = services.closure_chase_update(
        user=ebsa_a, chase=chase, version=1, outcome="in_hand", notes="Promised this week"
    )
    assert fixed.outcome == "in_hand" and fixed.version == 2
    event = AccessEvent.objects.get(object_type="custody.closurechase", action="change")
    assert event.detail["fields"] == ["notes", "outcome"]
    with pytest.raises(Conflict):
        services.closure_chase_update(user=ebsa_a, chase=chase, version=1, notes="late")
    entries = timeline_entries(user=ebsa_a, case=sent.person.cases.get())
    assert [e.detail for e in entries if e.title == "Benefit Delivery Centre chased"] == [
        "Telephone: In hand, closure to follow"
    ]


@pytest.mark.parametrize(
    "chased_on,message",
    [
        (days(9), "on or after the date the closure was sent"),
        (TODAY + datetime.timedelta(days=1), "today or in the past"),
    ],
)
def test_chase_before_the_closure_was_sent_or_in_the_future_refused(
    ebsa_a, sent, chased_on, message
):
    with pytest.raises(ApplicationError) as exc:
        services.closure_chase_record(
            user=ebsa_a, closure=sent, chased_on=chased_on, method="phone", outcome="no_reply"
        )
    assert exc.value.field == "chased_on" and message in exc.value.message
    assert not ClosureChase.objects.exists()


def test_a_closure_not_sent_cannot_be_chased(ebsa_a, prisoner, prison_site):
    closure = services.claim_closure_create(
        user=ebsa_a,
        person=prisoner,
        establishment=prison_site,
        reception_date=days(10),
        benefits=["jsa"],
    )
    with pytest.raises(ApplicationError) as exc:
        services.closure_chase_record(
            user=ebsa_a, closure=closure, chased_on=TODAY, method="phone", outcome="no_reply"
        )
    assert "before chasing" in exc.value.message


def test_only_the_recording_jobcentre_chases(
    client_for, api_for, prison_officer, work_coach_a, sent
):
    with pytest.raises(Forbidden):
        services.closure_chase_record(
            user=prison_officer, closure=sent, chased_on=TODAY, method="phone", outcome="no_reply"
        )
    # the prison holding the person sees the closure (and would see its chases) but cannot chase
    assert client_for(prison_officer).get(
        reverse("custody:chase_create", args=[sent.pk])
    ).status_code in (403, 404)
    # another Jobcentre does not see the closure at all
    assert (
        client_for(work_coach_a).get(reverse("custody:chase_create", args=[sent.pk])).status_code
        == 404
    )
    assert api_for(work_coach_a).get("/api/v1/closure-chases/").json()["results"] == []


def test_chase_form_shows_errors_then_saves_and_edits(client_for, ebsa_a, sent):
    client = client_for(ebsa_a)
    url = reverse("custody:chase_create", args=[sent.pk])
    assert "bedford.bdc@dwp.example" in client.get(url).content.decode()
    response = client.post(url, {**_date("chased_on", days(9)), "method": "phone"})
    html = response.content.decode()
    assert response.status_code == 400 and "govuk-error-summary" in html
    assert "Select the outcome of the chase" in html
    response = client.post(
        url, {**_date("chased_on", days(9)), "method": "phone", "outcome": "no_reply"}
    )
    assert "on or after the date the closure was sent" in response.content.decode()
    response = client.post(
        url, {**_date("chased_on", days(1)), "method": "phone", "outcome": "no_reply"}
    )
    assert response.status_code == 302
    chase = ClosureChase.objects.get()
    detail = client.get(response.url).content.decode()
    assert "No reply" in detail and reverse("custody:chase_edit", args=[chase.pk]) in detail
    edit = reverse("custody:chase_edit", args=[chase.pk])
    response = client.post(
        edit,
        {**_date("chased_on", days(1)), "method": "phone", "outcome": "in_hand", "version": 1},
    )
    assert response.status_code == 302
    chase.refresh_from_db()
    assert chase.outcome == "in_hand"


def test_chase_api_create_list_patch(api_for, ebsa_a, sent):
    api = api_for(ebsa_a)
    bad = api.post(
        "/api/v1/closure-chases/",
        {
            "closure": sent.pk,
            "chased_on": days(9).isoformat(),
            "method": "phone",
            "outcome": "no_reply",
        },
        format="json",
    )
    assert bad.status_code == 400 and "chased_on" in bad.json()
    ok = api.post(
        "/api/v1/closure-chases/",
        {
            "closure": sent.pk,
            "chased_on": days(1).isoformat(),
            "method": "phone",
            "outcome": "no_reply",
        },
        format="json",
    )
    assert ok.status_code == 201, ok.json()
    pk = ok.json()["id"]
    listed = api.get(f"/api/v1/closure-chases/?closure={sent.pk}").json()["results"]
    assert [c["id"] for c in listed] == [pk]
    assert api.patch(f"/api/v1/closure-chases/{pk}/", {"outcome": "in_hand"}).status_code == 400
    patched = api.patch(
        f"/api/v1/closure-chases/{pk}/", {"outcome": "in_hand", "version": 1}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["version"] == 2
    centres = api.get("/api/v1/benefit-delivery-centres/").json()["results"]
    assert centres[0]["secure_email"] == "bedford.bdc@dwp.example"
    closure = api.get(f"/api/v1/claim-closures/{sent.pk}/").json()
    assert closure["bdc"] == centres[0]["id"]


def test_closures_waiting_longer_than_the_setting_are_highlighted(client_for, ebsa_a, sent):
    with override_settings(BDC_CHASE_AFTER_DAYS=10):
        work = ebsa_worklist(user=ebsa_a)
        assert work.to_chase_total == 0 and work.in_progress[0].days_waiting == 8
    with override_settings(BDC_CHASE_AFTER_DAYS=7):
        services.closure_chase_record(
            user=ebsa_a, closure=sent, chased_on=days(3), method="phone", outcome="no_reply"
        )
        work = ebsa_worklist(user=ebsa_a)
        assert work.to_chase_total == 1 and work.in_progress[0].to_chase
        assert work.in_progress[0].last_chased_on == days(3)
        html = client_for(ebsa_a).get(reverse("custody:worklist")).content.decode()
        assert "To chase" in html and "waiting 8 days" in html


@pytest.mark.parametrize("size", [2, 10])
def test_worklist_and_closure_page_queries_do_not_grow_with_chases(
    client_for,
    ebsa_a,
    caseworker_a,
    prison_site,
    surgery,
    bedford_bdc,
    size,
    django_assert_max_num_queries,
):
    closure = None
    for i in range(size):
        person, _ = person_with_case(caseworker_a, last_name=f"Waiting{i:02d}")
        receive(person, prison_site, days_ago=30)
        closure = services.claim_closure_create(
            user=ebsa_a,
            person=person,
            establishment=prison_site,
            reception_date=days(30),
            benefits=["jsa"],
            bdc=bedford_bdc,
            sent_to_bdc_on=days(25),
            bdc_contact_method="phone",
        )
        for n in range(3):
            services.closure_chase_record(
                user=ebsa_a,
                closure=closure,
                chased_on=days(20 - n),
                method="phone",
                outcome="no_reply",
            )
    client = client_for(ebsa_a)
    with django_assert_max_num_queries(17):  # +1 the unread notifications in the header
        html = client.get(reverse("custody:worklist")).content.decode()
    assert html.count("Record a chase") == size
    with django_assert_max_num_queries(15):  # +1 the unread notifications in the header
        response = client.get(reverse("custody:closure_detail", args=[closure.pk]))
    assert response.content.decode().count("No reply") == 3
