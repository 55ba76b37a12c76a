import datetime

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from casework.models import SentenceType
from consent.models import PersonAccess, StatutoryGateway
from core.errors import ApplicationError, Conflict, Forbidden
from custody import services
from custody.models import ClaimClosure
from tests.custody.conftest import receive
from tests.factories import person_with_case

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def days(n):
    return TODAY - datetime.timedelta(days=n)


def _closure(ebsa, person, site, **fields):
    values = {
        "establishment": site,
        "reception_date": days(10),
        "benefits": ["universal_credit"],
        "received_on": days(9),
        "identified_on": days(8),
        "sent_to_bdc_on": days(7),
        "bdc_contact_method": "secure_email",
        "closed_on": days(5),
    }
    values.update(fields)
    return services.claim_closure_create(user=ebsa, person=person, **values)


def test_ebsa_sees_prisoner_through_the_surgery_gateway_without_consent(ebsa_a, prisoner):
    assert PersonAccess.objects.filter(person=prisoner, agency=ebsa_a.acting.agency).exists()


def test_ebsa_records_closure_with_turnaround_gateway_and_audit(ebsa_a, prisoner, prison_site):
    closure = _closure(ebsa_a, prisoner, prison_site, national_insurance_number="ab 12 34 56 c")
    assert closure.turnaround_days == 5
    assert closure.national_insurance_number == "AB123456C"
    gateway = StatutoryGateway.objects.get(
        person=prisoner, agency=ebsa_a.acting.agency, reason="claim_closure"
    )
    assert gateway.ends_on == days(10).replace(year=days(10).year + 1) or gateway.ends_on > TODAY
    event = AccessEvent.objects.get(object_type="custody.claimclosure", action="create")
    assert event.person == prisoner and event.user == ebsa_a


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("received_on", days(11), "Date received must be on or after the reception date"),
        (
            "identified_on",
            days(10),
            "Date benefits identified must be on or after the date received",
        ),
        (
            "sent_to_bdc_on",
            days(9),
            "Date sent to the Benefit Delivery Centre must be on or after the date benefits identified",
        ),
        ("closed_on", days(8), "Date closure confirmed must be on or after the date sent"),
        (
            "closed_on",
            TODAY + datetime.timedelta(days=1),
            "Date closure confirmed must be today or in the past",
        ),
    ],
)
def test_closure_dates_must_be_in_order(ebsa_a, prisoner, prison_site, field, value, message):
    with pytest.raises(ApplicationError) as exc:
        _closure(ebsa_a, prisoner, prison_site, **{field: value})
    assert message in exc.value.message and exc.value.field == field
    assert not ClaimClosure.objects.exists()


def test_closed_needs_sent_date_and_contact_method(ebsa_a, prisoner, prison_site):
    with pytest.raises(ApplicationError) as exc:
        _closure(ebsa_a, prisoner, prison_site, sent_to_bdc_on=None)
    assert exc.value.field == "sent_to_bdc_on"
    with pytest.raises(ApplicationError) as exc:
        _closure(ebsa_a, prisoner, prison_site, bdc_contact_method="")
    assert exc.value.field == "bdc_contact_method"


def test_housing_benefit_kept_only_on_remand_or_short_custody(
    ebsa_a, caseworker_a, prisoner, prison_site
):
    with pytest.raises(ApplicationError) as exc:
        _closure(
            ebsa_a, prisoner, prison_site, benefits=["housing_benefit"], housing_benefit_kept=True
        )
    assert "remand or for a sentence under 13 weeks" in exc.value.message
    remand, _ = person_with_case(caseworker_a, last_name="Remanded")
    receive(remand, prison_site, days_ago=4, sentence_type=SentenceType.REMAND)
    closure = _closure(
        ebsa_a,
        remand,
        prison_site,
        reception_date=days(4),
        received_on=days(4),
        identified_on=days(4),
        sent_to_bdc_on=days(3),
        closed_on=days(2),
        benefits=["housing_benefit", "jsa"],
        housing_benefit_kept=True,
    )
    assert closure.housing_benefit_kept and closure.benefits == ["jsa", "housing_benefit"]


def test_only_jobcentre_staff_record_closures(prison_officer, prisoner, prison_site, caseworker_a):
    with pytest.raises(Forbidden):
        _closure(caseworker_a, prisoner, prison_site)


def test_second_closure_for_same_reception_refused(ebsa_a, prisoner, prison_site):
    _closure(ebsa_a, prisoner, prison_site)
    with pytest.raises(ApplicationError, match="already recorded"):
        _closure(ebsa_a, prisoner, prison_site)


def test_stale_version_refused(ebsa_a, prisoner, prison_site):
    closure = _closure(ebsa_a, prisoner, prison_site, closed_on=None)
    services.claim_closure_update(user=ebsa_a, closure=closure, version=1, closed_on=days(1))
    with pytest.raises(Conflict):
        services.claim_closure_update(
            user=ebsa_a, closure=closure, version=1, suspected_overpayment=True
        )
    closure.refresh_from_db()
    assert (
        closure.version == 2 and closure.closed_on == days(1) and not closure.suspected_overpayment
    )
    assert (
        AccessEvent.objects.filter(object_type="custody.claimclosure", action="change").count() == 1
    )


def test_providers_and_probation_get_404_on_closures(
    client_for, api_for, ebsa_a, adviser_a, caseworker_a, prisoner, prison_site, provider_a
):
    from tests.factories import share_with

    share_with(
        caseworker_a, prisoner.cases.get(), provider_a
    )  # the provider sees the person, never the closure
    closure = _closure(ebsa_a, prisoner, prison_site)
    for user in (adviser_a, caseworker_a):
        client = client_for(user)
        for url in [
            reverse("custody:closure_detail", args=[closure.pk]),
            reverse("custody:closure_edit", args=[closure.pk]),
            reverse("custody:closure_create", args=[prisoner.pk]),
            reverse("custody:worklist"),
        ]:
            assert client.get(url).status_code == 404, (user, url)
        api = api_for(user)
        assert api.get("/api/v1/claim-closures/").status_code == 404
        assert api.get(f"/api/v1/claim-closures/{closure.pk}/").status_code == 404
        assert api.post("/api/v1/claim-closures/", {}, format="json").status_code == 404
    assert (
        "Claim closures"
        not in client_for(adviser_a)
        .get(reverse("casework:person_detail", args=[prisoner.pk]))
        .content.decode()
    )


def test_prison_holding_the_person_sees_the_closure(
    client_for, ebsa_a, prison_officer, prisoner, prison_site
):
    from consent.services import statutory_gateway_open

    closure = _closure(ebsa_a, prisoner, prison_site)
    statutory_gateway_open(
        person=prisoner,
        agency=prison_officer.acting.agency,
        reason="claim_closure",
        started_on=days(10),
    )
    response = client_for(prison_officer).get(reverse("custody:closure_detail", args=[closure.pk]))
    assert response.status_code == 200 and "5 days from reception" in response.content.decode()
    assert "Change the claim closure" not in response.content.decode()


def test_closure_form_flow_shows_errors_then_saves(client_for, ebsa_a, prisoner, prison_site):
    client = client_for(ebsa_a)
    url = reverse("custody:closure_create", args=[prisoner.pk])
    form = {
        "establishment": prison_site.pk,
        "reception_date_day": days(10).day,
        "reception_date_month": days(10).month,
        "reception_date_year": days(10).year,
        "benefits": ["universal_credit"],
        "found_by": "ebsa_casework",
        "received_on_day": days(12).day,
        "received_on_month": days(12).month,
        "received_on_year": days(12).year,
    }
    response = client.post(url, form)
    assert (
        response.status_code == 200
        and "Date received must be on or after the reception date" in response.content.decode()
    )
    form.update(
        received_on_day=days(9).day,
        received_on_month=days(9).month,
        received_on_year=days(9).year,
        claim_ended_on_day=days(11).day,
        claim_ended_on_month=days(11).month,
        claim_ended_on_year=days(11).year,
    )
    response = client.post(url, form)
    assert "Date the last claim ended must be on or after the reception date" in (
        response.content.decode()
    )
    form.update(
        claim_ended_on_day=days(10).day,
        claim_ended_on_month=days(10).month,
        claim_ended_on_year=days(10).year,
    )
    response = client.post(url, form)
    closure = ClaimClosure.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "custody:closure_detail", args=[closure.pk]
    )
    assert closure.claim_ended_on == days(10)
    page = client.get(response.url).content.decode()
    assert "Date the last claim ended" in page and f"{days(10):%-d %B %Y}" in page


def test_api_create_and_patch_with_version(api_for, ebsa_a, prisoner, prison_site):
    api = api_for(ebsa_a)
    response = api.post(
        "/api/v1/claim-closures/",
        {
            "person": prisoner.pk,
            "establishment": prison_site.pk,
            "reception_date": days(10).isoformat(),
            "benefits": ["esa"],
            "found_by": "ebsa_casework",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    bad = api.patch(
        f"/api/v1/claim-closures/{pk}/",
        {"version": 1, "closed_on": days(1).isoformat()},
        format="json",
    )
    assert bad.status_code == 400 and "sent_to_bdc_on" in bad.json()
    ok = api.patch(
        f"/api/v1/claim-closures/{pk}/",
        {
            "version": 1,
            "sent_to_bdc_on": days(2).isoformat(),
            "bdc_contact_method": "phone",
            "closed_on": days(1).isoformat(),
            "claim_ended_on": days(10).isoformat(),
        },
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["turnaround_days"] == 9
    assert ok.json()["claim_ended_on"] == days(10).isoformat()
    stale = api.patch(
        f"/api/v1/claim-closures/{pk}/", {"version": 1, "notes": "late"}, format="json"
    )
    assert stale.status_code == 409


def test_from_the_worklist_the_closure_form_returns_to_the_worklist(
    client_for, ebsa_a, prisoner, prison_site
):
    client = client_for(ebsa_a)
    worklist = client.get(reverse("custody:worklist")).content.decode()
    url = reverse("custody:closure_create", args=[prisoner.pk]) + "?from=worklist"
    assert url.replace("&", "&amp;") in worklist
    page = client.get(url).content.decode()
    assert "Back to the worklist" in page
    assert "<title>Record a claim closure – Casey Inside" in page
    plain = client.get(reverse("custody:closure_create", args=[prisoner.pk])).content.decode()
    assert "Back to Casey Inside" in plain
    response = client.post(
        url,
        {
            "establishment": prison_site.pk,
            "reception_date_day": days(10).day,
            "reception_date_month": days(10).month,
            "reception_date_year": days(10).year,
            "benefits": ["universal_credit"],
            "found_by": "ebsa_casework",
        },
    )
    assert response.status_code == 302 and response.url == reverse("custody:worklist")
    # any other value of "from" is ignored: no redirect anywhere but the two known places
    assert ClaimClosure.objects.filter(person=prisoner).exists()
