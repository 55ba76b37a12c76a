"""A provider records which of its own sites takes a referral on (accepting it, or later), and its
report breaks its figures down by those sites, never by the probation office."""

import datetime

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from consent import policy
from consent.models import CaseInvolvement
from referrals.models import Referral, Status
from reporting import measures
from tests.factories import SiteFactory, person_with_case
from tests.referrals.conftest import give_consent, make_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider_sites(provider_a):
    return {
        name: SiteFactory(agency=provider_a, name=f"Provider {name}")
        for name in ("Luton", "Dunstable")
    }


def _sent(caseworker_a, provision_a, provider_a, first_name):
    person, case = person_with_case(caseworker_a, first_name=first_name, last_name="Sited")
    give_consent(caseworker_a, person, provider_a)
    return make_referral(caseworker_a, case, provision_a)


def test_accepting_on_the_page_and_the_api_records_the_providers_site_and_the_report_uses_it(
    client_for, api_for, caseworker_a, adviser_a, provider_a, provision_a, provider_sites, agency_a
):
    probation_office = SiteFactory(agency=agency_a, name="Probation Luton")
    on_page = _sent(caseworker_a, provision_a, provider_a, "Paged")
    by_api = _sent(caseworker_a, provision_a, provider_a, "Apied")
    no_site = _sent(caseworker_a, provision_a, provider_a, "Unsited")
    from casework.models import Case

    Case.objects.filter(pk__in=[on_page.case_id, by_api.case_id, no_site.case_id]).update(
        site=probation_office
    )
    page = client_for(adviser_a)
    detail = page.get(reverse("referrals:detail", args=[on_page.pk])).content.decode()
    assert "Which of your sites will work with the person?" in detail
    assert "Provider Luton" in detail and "Probation Luton" not in detail
    url = reverse("referrals:action", args=[on_page.pk, "accept"])
    # another agency's site: a clear message, nothing stored
    bad = page.post(url, {"version": on_page.version, "site": probation_office.pk})
    assert (
        bad.status_code == 400 and "Select one of your agency&#x27;s sites" in bad.content.decode()
    )
    assert Referral.objects.get(pk=on_page.pk).status == Status.SENT
    assert not CaseInvolvement.objects.filter(agency=provider_a).exists()
    ok = page.post(url, {"version": on_page.version, "site": provider_sites["Luton"].pk})
    assert ok.status_code == 302
    api = api_for(adviser_a)
    accept = f"/api/v1/referrals/{by_api.pk}/accept/"
    assert api.post(accept, {"site": 999999}, format="json").status_code == 400
    assert api.post(accept, {"site": probation_office.pk}, format="json").status_code == 400
    assert Referral.objects.get(pk=by_api.pk).status == Status.SENT
    done = api.post(accept, {"site": provider_sites["Dunstable"].pk}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "accepted"
    assert api.post(f"/api/v1/referrals/{no_site.pk}/accept/", {}, format="json").status_code == 200
    sites = dict(CaseInvolvement.objects.filter(agency=provider_a).values_list("case_id", "site"))
    assert sites == {
        on_page.case_id: provider_sites["Luton"].pk,
        by_api.case_id: provider_sites["Dunstable"].pk,
        no_site.case_id: None,
    }
    this_month = policy.today().replace(day=1)
    ctx = measures.context_for(month=this_month, agency=provider_a)
    rows = {(r.measure, r.breakdown): r.value for r in measures.compute_all(ctx)}
    assert rows[("starts", "all")] == 3
    assert rows[("starts", "location:Provider Luton")] == 1
    assert rows[("starts", "location:Provider Dunstable")] == 1
    assert rows[("starts", "location:not recorded")] == 1  # truly absent only
    assert not any(b == "location:Probation Luton" for _m, b in rows)
    # the owner's own report still shows its office
    owner = measures.context_for(month=this_month, agency=agency_a)
    assert "Probation Luton" in owner.locations


def test_only_the_involved_agency_changes_its_site_later_page_and_api(
    client_for, api_for, caseworker_a, adviser_a, provider_a, provision_a, provider_sites, agency_b
):
    referral = _sent(caseworker_a, provision_a, provider_a, "Later")
    api_for(adviser_a).post(f"/api/v1/referrals/{referral.pk}/accept/", {}, format="json")
    involvement = CaseInvolvement.objects.get(agency=provider_a)
    url = reverse("consent:involvement_site", args=[involvement.pk])
    # the case owner and another agency: not theirs (404)
    assert client_for(caseworker_a).get(url).status_code == 404
    assert (
        api_for(caseworker_a)
        .patch(f"/api/v1/involvements/{involvement.pk}/", {"site": None}, format="json")
        .status_code
        == 404
    )
    page = client_for(adviser_a)
    detail = page.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert url in detail and "Your site" in detail
    assert page.get(url).status_code == 200
    assert page.post(url, {"site": provider_sites["Luton"].pk}).status_code == 302
    assert CaseInvolvement.objects.get(pk=involvement.pk).site == provider_sites["Luton"]
    api = api_for(adviser_a)
    other = SiteFactory(agency=agency_b, name="Somewhere else")
    bad = api.patch(f"/api/v1/involvements/{involvement.pk}/", {"site": other.pk}, format="json")
    assert bad.status_code == 400
    assert CaseInvolvement.objects.get(pk=involvement.pk).site == provider_sites["Luton"]
    good = api.patch(
        f"/api/v1/involvements/{involvement.pk}/",
        {"site": provider_sites["Dunstable"].pk},
        format="json",
    )
    assert good.status_code == 200 and good.json()["site"] == provider_sites["Dunstable"].pk
    changes = AccessEvent.objects.filter(user=adviser_a, action="change", detail__has_key="site")
    assert changes.count() == 2
    # once the involvement ends, nobody changes it
    CaseInvolvement.objects.filter(pk=involvement.pk).update(ended_on=datetime.date.today())
    assert (
        api.patch(
            f"/api/v1/involvements/{involvement.pk}/", {"site": None}, format="json"
        ).status_code
        == 403
    )
