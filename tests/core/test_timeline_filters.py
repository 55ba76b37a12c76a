"""Every timeline filter shows its entries (issue 18: the Consent filter showed nothing, as no app
gave consent entries). A person with one of each kind of entry, seen by the case owner."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import SiteKind
from casework import records, services
from casework.forms import TIMELINE_KINDS
from consent import services as consent_services
from employers import services as employer_services
from employers import support as support_module
from referrals.models import DeliveryKind, Provision, Setting
from reporting import services as reporting_services
from tests.factories import EVERYTHING_BUT_SENSITIVE, SiteFactory
from tests.referrals.conftest import give_consent, make_referral

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def everything(caseworker_a, case_a, person_a, agency_b, provider_a):
    """case_a with an entry of every kind the timeline filter offers."""
    today = datetime.date.today()
    user, case = caseworker_a, case_a
    services.assessment_record(
        user=user,
        case=case,
        assessed_on=today,
        ratings={"accommodation": "red"},
        work_readiness="support_needed",
    )
    services.action_add(user=user, case=case, description="Write a CV", due_date=today)
    services.appointment_add(user=user, case=case, kind="probation", at=timezone.now() - DAY)
    services.note_add(user=user, case=case, note_type="phone", contact_on=today, body="Called")
    prison = SiteFactory(name="HMP Test", kind=SiteKind.PRISON)
    services.sentence_record(
        user=user,
        case=case,
        sentence_type="custodial",
        reception_date=today - 20 * DAY,
        establishment=prison,
    )
    records.risk_licence_update(
        user=user, case=case, version=1, rosh_level="high", mappa_category="2", mappa_level="1"
    )
    records.course_add(user=user, case=case, title="Forklift", started_on=today)
    support_module.support_record(user=user, person=person_a, kind="advice", given_on=today)
    employer = employer_services.employer_create(
        user=user, name="Hatters Logistics", sector="warehousing", town="Luton", postcode="lu1 3aa"
    )
    employer_services.employment_spell_create(
        user=user, person=person_a, employer=employer, job_title="Picker", start_date=today - DAY
    )
    provision = Provision.objects.create(
        name="Job club A",
        agency=provider_a,
        agency_kind=DeliveryKind.OTHER_PARTNER,
        setting=Setting.COMMUNITY,
        eligibility="Anyone",
    )
    give_consent(user, person_a, provider_a)
    make_referral(user, case, provision)
    consent_services.consent_record(
        user=user,
        person=person_a,
        recipient_agency=agency_b,
        purposes=["employment_support"],
        data_categories=EVERYTHING_BUT_SENSITIVE,
        method="signed_form",
        form_version="v3",
        given_on=today,
    )
    services.handoff_create(user=user, case=case, to_agency=agency_b)
    reporting_services.reoffence_record(
        user=user, case=case, kind="recall", offence_date=today, source="pnc"
    )
    return case


def test_each_filter_shows_entries_of_its_kind(client_for, caseworker_a, everything):
    client = client_for(caseworker_a)
    url = reverse("casework:case_timeline", args=[everything.pk])
    every = client.get(url).context["entries"]
    assert {kind for kind, _label in TIMELINE_KINDS} <= {e.kind for e in every}
    for kind, label in TIMELINE_KINDS:
        response = client.get(url, {"kind": kind})
        assert response.status_code == 200
        entries = response.context["entries"]
        assert entries, f"the {label} filter shows nothing"
        assert {e.kind for e in entries} == {kind}, label
        assert entries[0].title in response.content.decode()


def test_the_consent_filter_shows_consents_given_and_withdrawn(
    client_for, caseworker_a, person_a, everything
):
    consent = person_a.consents.filter(recipient_agency__name="Probation B").get()
    consent_services.consent_withdraw(user=caseworker_a, consent=consent, reason="Asked us to")
    url = reverse("casework:case_timeline", args=[everything.pk])
    body = client_for(caseworker_a).get(url, {"kind": "consent"}).content.decode()
    assert "Consent given to Probation B" in body
    assert "Consent to Probation B withdrawn" in body
    assert "Consent given to Provider A" in body


def test_a_partner_sees_only_its_own_consent_on_the_timeline(
    client_for, caseworker_a, caseworker_b, agency_b, everything
):
    from tests.factories import share_with

    share_with(caseworker_a, everything, agency_b)
    url = reverse("casework:case_timeline", args=[everything.pk])
    entries = client_for(caseworker_b).get(url, {"kind": "consent"}).context["entries"]
    assert entries and all("Probation B" in e.title for e in entries)
