"""A suspected overpayment on a claim closure: amount, period and the referral to the fraud team."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from core.errors import ApplicationError
from custody import services
from custody.models import ClaimClosure
from custody.timeline import timeline_entries

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def days(n):
    return TODAY - datetime.timedelta(days=n)


def _prison_sees(prison_officer, person):
    from consent.services import statutory_gateway_open

    statutory_gateway_open(
        person=person,
        agency=prison_officer.acting.agency,
        reason="claim_closure",
        started_on=days(10),
    )


def _date(name, value):
    return {f"{name}_day": value.day, f"{name}_month": value.month, f"{name}_year": value.year}


def _closure(ebsa, person, site, **fields):
    return services.claim_closure_create(
        user=ebsa,
        person=person,
        establishment=site,
        reception_date=days(10),
        benefits=["jsa"],
        sent_to_bdc_on=days(6),
        bdc_contact_method="phone",
        **fields,
    )


OVERPAID = {
    "suspected_overpayment": True,
    "overpayment_amount": Decimal("312.50"),
    "overpayment_from": days(10),
    "overpayment_to": days(6),
    "fraud_referred_on": days(5),
    "fraud_reference": "FRD-123",
}


def test_overpayment_recorded_shown_to_the_jobcentre_and_on_its_timeline(
    client_for, ebsa_a, prison_officer, prisoner, prison_site
):
    closure = _closure(ebsa_a, prisoner, prison_site, **OVERPAID)
    page = client_for(ebsa_a).get(reverse("custody:closure_detail", args=[closure.pk]))
    html = page.content.decode()
    assert "£312.50 overpaid" in html and "reference FRD-123" in html
    titles = {e.title: e.detail for e in timeline_entries(user=ebsa_a, case=prisoner.cases.get())}
    assert titles["Suspected overpayment referred to the fraud team"] == (
        "£312.50 overpaid, reference FRD-123"
    )
    # the prison holding the person sees the closure, not the fraud-and-error detail
    _prison_sees(prison_officer, prisoner)
    response = client_for(prison_officer).get(reverse("custody:closure_detail", args=[closure.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "Suspected overpayment" in html
    assert "FRD-123" not in html and "312.50" not in html
    titles = [e.title for e in timeline_entries(user=prison_officer, case=prisoner.cases.get())]
    assert "Suspected overpayment referred to the fraud team" not in titles


@pytest.mark.parametrize(
    "fields,field,message",
    [
        ({"overpayment_amount": Decimal("-1")}, "overpayment_amount", "cannot be negative"),
        (
            {"overpayment_from": days(5), "overpayment_to": days(8)},
            "overpayment_to",
            "on or after its start",
        ),
        ({"fraud_reference": "FRD-1"}, "fraud_referred_on", "Enter the date referred"),
        ({"fraud_referred_on": days(3)}, "fraud_reference", "Enter the fraud team's reference"),
        (
            {"fraud_referred_on": days(12), "fraud_reference": "X"},
            "fraud_referred_on",
            "on or after the reception date",
        ),
        (
            {"overpayment_to": TODAY + datetime.timedelta(days=1)},
            "overpayment_to",
            "today or in the past",
        ),
    ],
)
def test_overpayment_validated(ebsa_a, prisoner, prison_site, fields, field, message):
    with pytest.raises(ApplicationError) as exc:
        _closure(ebsa_a, prisoner, prison_site, suspected_overpayment=True, **fields)
    assert exc.value.field == field and message in exc.value.message
    assert not ClaimClosure.objects.exists()


def test_overpayment_detail_needs_the_suspected_flag(ebsa_a, prisoner, prison_site):
    with pytest.raises(ApplicationError) as exc:
        _closure(ebsa_a, prisoner, prison_site, overpayment_amount=Decimal("10"))
    assert exc.value.field == "suspected_overpayment"


def test_overpayment_form_refuses_a_negative_amount_then_saves(
    client_for, ebsa_a, prisoner, prison_site
):
    client = client_for(ebsa_a)
    url = reverse("custody:closure_create", args=[prisoner.pk])
    form = {
        "establishment": prison_site.pk,
        **_date("reception_date", days(10)),
        "benefits": ["jsa"],
        "found_by": "ebsa_casework",
        "suspected_overpayment": "on",
        "overpayment_amount": "-20",
    }
    html = client.post(url, form).content.decode()
    assert "govuk-error-summary" in html and "The amount overpaid cannot be negative" in html
    assert not ClaimClosure.objects.exists()
    form.update(
        overpayment_amount="120.00",
        fraud_reference="FRD-9",
        **_date("fraud_referred_on", days(2)),
    )
    response = client.post(url, form)
    assert response.status_code == 302
    closure = ClaimClosure.objects.get()
    assert closure.overpayment_amount == Decimal("120.00") and closure.fraud_reference == "FRD-9"
    edit = reverse("custody:closure_edit", args=[closure.pk])
    page = client.get(edit).content.decode()
    assert 'value="120.00"' in page and 'value="FRD-9"' in page


def test_overpayment_api_correction_and_hidden_from_the_prison(
    api_for, ebsa_a, prison_officer, prisoner, prison_site
):
    closure = _closure(ebsa_a, prisoner, prison_site, suspected_overpayment=True)
    api = api_for(ebsa_a)
    bad = api.patch(
        f"/api/v1/claim-closures/{closure.pk}/",
        {"version": 1, "overpayment_amount": "-5.00"},
        format="json",
    )
    assert bad.status_code == 400 and "overpayment_amount" in bad.json()
    ok = api.patch(
        f"/api/v1/claim-closures/{closure.pk}/",
        {
            "version": 1,
            "overpayment_amount": "75.20",
            "fraud_referred_on": days(1).isoformat(),
            "fraud_reference": "FRD-77",
        },
        format="json",
    )
    assert ok.status_code == 200, ok.json()
    assert ok.json()["overpayment_amount"] == "75.20" and ok.json()["fraud_reference"] == "FRD-77"
    _prison_sees(prison_officer, prisoner)
    seen = api_for(prison_officer).get(f"/api/v1/claim-closures/{closure.pk}/").json()
    assert seen["suspected_overpayment"] is True and "fraud_reference" not in seen
