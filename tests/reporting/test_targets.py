"""Enduring jobs targets per agency and financial year: set by a manager, pro-rated, summed for a region."""

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from core.errors import ApplicationError, Forbidden, NotFound
from reporting import measures, services
from reporting.models import EnduringJobsTarget
from reporting.periods import add_months, financial_year_start, months_in

pytestmark = pytest.mark.django_db


def target(month, to_month=None, **scope):
    ctx = measures.context_for(month=month, to_month=to_month, **scope)
    return measures.enduring_jobs_target_year_to_date(ctx)[0].value


def test_each_agency_has_its_own_target_pro_rated_and_the_region_sums_them(
    world, manager_a, agency_a, agency_b, region, commissioner_manager, report_month, settings
):
    fy = financial_year_start(report_month).year
    services.enduring_jobs_target_set(
        user=manager_a, agency=agency_a, financial_year=fy, annual_target=120
    )
    services.enduring_jobs_target_set(
        user=commissioner_manager, agency=agency_b, financial_year=fy, annual_target=60
    )
    months = months_in(financial_year_start(report_month), report_month)
    assert target(report_month, agency=agency_a) == round(120 * months / 12)
    assert target(report_month, agency=agency_b) == round(60 * months / 12)
    assert target(report_month, region=region) == round(180 * months / 12)
    # another year has no target set: the default applies
    year_before = add_months(report_month, -12)
    assert target(year_before, agency=agency_a) == round(
        settings.ENDURING_JOBS_ANNUAL_TARGET
        * months_in(financial_year_start(year_before), year_before)
        / 12
    )
    services.enduring_jobs_target_set(
        user=manager_a, agency=agency_a, financial_year=fy, annual_target=240
    )
    assert EnduringJobsTarget.objects.get(agency=agency_a).annual_target == 240
    assert AccessEvent.objects.filter(user=manager_a, action="change").count() == 2


def test_a_bad_target_is_refused_and_nothing_is_stored(manager_a, agency_a, agency_b, caseworker_a):
    with pytest.raises(ApplicationError, match="0 or more"):
        services.enduring_jobs_target_set(
            user=manager_a, agency=agency_a, financial_year=2026, annual_target=-1
        )
    with pytest.raises(ApplicationError, match="financial year"):
        services.enduring_jobs_target_set(
            user=manager_a, agency=agency_a, financial_year=1066, annual_target=10
        )
    with pytest.raises(NotFound):
        services.enduring_jobs_target_set(
            user=manager_a, agency=agency_b, financial_year=2026, annual_target=10
        )
    with pytest.raises(Forbidden):
        services.enduring_jobs_target_set(
            user=caseworker_a, agency=agency_a, financial_year=2026, annual_target=10
        )
    assert not EnduringJobsTarget.objects.exists()


def test_the_targets_page_saves_a_target_and_shows_a_negative_one_as_an_error(
    client_for, manager_a, caseworker_a, agency_a
):
    url = reverse("reporting:target_list")
    assert client_for(caseworker_a).get(url).status_code == 403
    client = client_for(manager_a)
    bad = client.post(url, {"agency": agency_a.pk, "financial_year": 2026, "annual_target": -5})
    assert (
        bad.status_code == 200
        and "The target must be a whole number, 0 or more" in bad.content.decode()
    )
    assert not EnduringJobsTarget.objects.exists()
    assert (
        client.post(
            url, {"agency": agency_a.pk, "financial_year": 2026, "annual_target": 50}
        ).status_code
        == 302
    )
    assert "April 2026 to March 2027" in client.get(url).content.decode()


def test_targets_through_the_api_with_the_pages_permissions(
    api_for, manager_a, caseworker_a, commissioner_manager, agency_a, agency_b, jobcentre_a
):
    from agencies.models import Region
    from tests.factories import AgencyFactory

    elsewhere = AgencyFactory(region=Region.objects.create(name="Elsewhere"), kind="provider")
    url = "/api/v1/targets/"
    assert api_for(caseworker_a).get(url).status_code == 403
    manager = api_for(manager_a)
    body = {"agency": agency_a.pk, "financial_year": 2026, "annual_target": 120}
    # bad input: 400, nothing stored
    for bad in (
        {**body, "annual_target": -1},
        {**body, "agency": agency_b.pk},  # not the manager's agency
        {**body, "agency": 999999},
        {**body, "financial_year": 1066},
        {"agency": agency_a.pk},
    ):
        assert manager.post(url, bad, format="json").status_code == 400, bad
    assert not EnduringJobsTarget.objects.exists()
    created = manager.post(url, body, format="json")
    assert created.status_code == 201
    target_id = created.json()["id"]
    assert created.json()["annual_target"] == 120 and created.json()["agency"] == agency_a.pk
    assert manager.post(url, {**body, "annual_target": 130}, format="json").status_code == 201
    assert EnduringJobsTarget.objects.get().annual_target == 130  # one per agency and year
    assert (
        manager.patch(f"{url}{target_id}/", {"annual_target": -5}, format="json").status_code == 400
    )
    patched = manager.patch(f"{url}{target_id}/", {"annual_target": 140}, format="json")
    assert patched.status_code == 200 and patched.json()["annual_target"] == 140
    # a commissioner sets its region's agencies, never another region's
    commissioner = api_for(commissioner_manager)
    assert (
        commissioner.post(
            url, {**body, "agency": agency_b.pk, "annual_target": 60}, format="json"
        ).status_code
        == 201
    )
    assert (
        commissioner.post(url, {**body, "agency": elsewhere.pk}, format="json").status_code == 400
    )
    listed = commissioner.get(url, {"financial_year": 2026}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert sorted((r["agency"], r["annual_target"]) for r in rows) == sorted(
        [(agency_a.pk, 140), (agency_b.pk, 60)]
    )
    # the manager sees only their agency's; another agency's target is a 404
    mine = manager.get(url).json()
    mine = mine["results"] if isinstance(mine, dict) else mine
    assert [r["agency"] for r in mine] == [agency_a.pk]
    other = EnduringJobsTarget.objects.get(agency=agency_b)
    assert (
        manager.patch(f"{url}{other.pk}/", {"annual_target": 1}, format="json").status_code == 404
    )
    assert EnduringJobsTarget.objects.get(agency=agency_b).annual_target == 60
    assert AccessEvent.objects.filter(action="change", user=manager_a).count() == 3
    assert AccessEvent.objects.filter(action="view", detail__page="api:targets").count() == 2
