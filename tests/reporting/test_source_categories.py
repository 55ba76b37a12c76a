"""Each agency's referral source category: shown by the API, set by an administrator only."""

import pytest

from agencies.models import Agency, User
from audit.models import AccessEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator():
    return User.objects.create_superuser("site_admin", "admin@example.org", "x-long-password-1")


def test_an_administrator_sets_an_agencys_source_category(api_for, administrator, agency_a):
    response = api_for(administrator).patch(
        f"/api/v1/agencies/{agency_a.pk}/", {"source_category": "prison_education"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["source_category"] == "prison_education"
    assert Agency.objects.get(pk=agency_a.pk).source_category == "prison_education"
    assert AccessEvent.objects.filter(user=administrator, action="change").exists()


def test_an_unknown_category_is_a_400_and_a_manager_gets_403_nothing_stored(
    api_for, administrator, manager_a, agency_a
):
    before = Agency.objects.get(pk=agency_a.pk).source_category
    bad = api_for(administrator).patch(
        f"/api/v1/agencies/{agency_a.pk}/", {"source_category": "olass"}, format="json"
    )
    assert bad.status_code == 400 and "source_category" in bad.json()
    forbidden = api_for(manager_a).patch(
        f"/api/v1/agencies/{agency_a.pk}/", {"source_category": "prison"}, format="json"
    )
    assert forbidden.status_code == 403
    assert Agency.objects.get(pk=agency_a.pk).source_category == before
    listed = api_for(manager_a).get("/api/v1/agencies/").json()["results"]
    assert {a["source_category"] for a in listed} <= {
        "jobcentre",
        "prison_education",
        "prison",
        "probation",
        "employment_programme",
        "other",
    }


def test_the_demo_sets_every_agencys_category(db):
    from agencies.demo import AGENCIES, DEMO_SOURCE_CATEGORIES, SOURCE_CATEGORY_FOR_KIND

    categories = {
        name: DEMO_SOURCE_CATEGORIES.get(name, SOURCE_CATEGORY_FOR_KIND[kind])
        for name, kind, _sites in AGENCIES
    }
    assert categories["path2work"] == "employment_programme"
    assert categories["Jobcentre Plus Luton"] == "jobcentre"
    assert categories["HMP Bedford"] == "prison"
