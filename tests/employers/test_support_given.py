"""Issue 19: the support-given log, to the person and to employers; in-work support on the job."""

import datetime

import pytest
from django.urls import reverse

from agencies import acting
from audit.models import AccessEvent
from core.errors import ApplicationError, Forbidden, NotFound
from core.timeline import entries_for_case
from employers import services
from employers import support as support_module
from employers.models import SupportGiven

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def TODAY():
    return datetime.date.today()


@pytest.fixture
def spell(adviser_a, shared_person, employer):
    acting.attach(adviser_a)
    return services.employment_spell_create(
        user=adviser_a,
        person=shared_person,
        employer=employer,
        job_title="Picker",
        start_date=TODAY() - 40 * DAY,
    )


def test_in_work_support_shows_on_the_job_between_its_retention_checks(
    client_for, adviser_a, shared_person, spell
):
    page = client_for(adviser_a)
    response = page.post(
        reverse("employers:support_create", args=[shared_person.pk]),
        {
            "kind": "in_work_support",
            "given_on_day": (TODAY() - 5 * DAY).day,
            "given_on_month": (TODAY() - 5 * DAY).month,
            "given_on_year": (TODAY() - 5 * DAY).year,
            "spell": spell.pk,
            "note": "Phoned: settling in well",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    row = SupportGiven.objects.get()
    assert row.employer_id == spell.employer_id and row.agency == adviser_a.acting.agency
    html = page.get(reverse("employers:spell_detail", args=[spell.pk])).content.decode()
    assert "In-work support contact" in html and "between the 4- and 8-week checks" in html
    html = page.get(reverse("employers:support_list", args=[shared_person.pk])).content.decode()
    assert "Phoned: settling in well" in html
    assert AccessEvent.objects.filter(
        object_type="employers.supportgiven", action="create"
    ).exists()
    acting.attach(adviser_a)
    case = shared_person.cases.get()
    titles = [e.title for e in entries_for_case(user=adviser_a, case=case)]
    assert "Support given: in-work support contact" in titles


def test_bad_support_is_explained_per_field(client_for, adviser_a, shared_person, employer, spell):
    page = client_for(adviser_a)
    url = reverse("employers:support_create", args=[shared_person.pk])
    response = page.post(
        url,
        {
            "kind": "in_work_support",
            "given_on_day": TODAY().day,
            "given_on_month": TODAY().month,
            "given_on_year": TODAY().year,
        },
    )
    assert "Choose the job the in-work support is about" in response.content.decode()
    response = page.post(
        url,
        {
            "kind": "employer_pre_placement",
            "given_on_day": TODAY().day,
            "given_on_month": TODAY().month,
            "given_on_year": TODAY().year,
        },
    )
    assert "Choose the employer the support was given to" in response.content.decode()
    acting.attach(adviser_a)
    with pytest.raises(ApplicationError, match="while the job lasted"):
        support_module.support_record(
            user=adviser_a,
            person=shared_person,
            kind="in_work_support",
            spell=spell,
            given_on=spell.start_date - DAY,
        )
    with pytest.raises(ApplicationError, match="today or in the past"):
        support_module.support_record(
            user=adviser_a, person=shared_person, kind="advice", given_on=TODAY() + DAY
        )
    assert not SupportGiven.objects.exists()


def test_support_is_corrected_by_its_agency_or_the_owner_and_hidden_from_others(
    client_for, adviser_a, caseworker_a, caseworker_b, ebsa_a, shared_person, employer
):
    acting.attach(adviser_a)
    row = support_module.support_record(
        user=adviser_a,
        person=shared_person,
        kind="employer_pre_placement",
        employer=employer,
        given_on=TODAY(),
    )
    acting.attach(caseworker_a)
    own = support_module.support_record(
        user=caseworker_a, person=shared_person, kind="better_off_calculation", given_on=TODAY()
    )
    page = client_for(adviser_a)
    assert (
        page.get(reverse("employers:support_edit", args=[shared_person.pk, own.pk])).status_code
        == 403
    )
    response = page.post(
        reverse("employers:support_edit", args=[shared_person.pk, row.pk]),
        {
            "version": 1,
            "kind": "employer_post_placement",
            "employer": employer.pk,
            "given_on_day": TODAY().day,
            "given_on_month": TODAY().month,
            "given_on_year": TODAY().year,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    row.refresh_from_db()
    assert row.kind == "employer_post_placement" and row.version == 2
    acting.attach(caseworker_a)
    support_module.support_update(user=caseworker_a, support=row, version=2, note="Owner fix")
    other = client_for(caseworker_b)
    assert other.get(reverse("employers:support_list", args=[shared_person.pk])).status_code == 404
    acting.attach(caseworker_b)
    with pytest.raises(NotFound):
        support_module.support_record(
            user=caseworker_b, person=shared_person, kind="advice", given_on=TODAY()
        )
    acting.attach(adviser_a)
    with pytest.raises(Forbidden):
        support_module.support_update(user=adviser_a, support=own, version=1, note="x")


def test_support_api_lists_creates_patches_and_refuses_bad_input(
    api_for, adviser_a, caseworker_b, shared_person, spell
):
    api = api_for(adviser_a)
    bad = api.post(
        "/api/v1/support-given/",
        {"person": shared_person.pk, "kind": "in_work_support", "given_on": TODAY().isoformat()},
    )
    assert bad.status_code == 400 and "job" in bad.content.decode()
    created = api.post(
        "/api/v1/support-given/",
        {
            "person": shared_person.pk,
            "kind": "in_work_support",
            "spell": spell.pk,
            "given_on": TODAY().isoformat(),
        },
    )
    assert created.status_code == 201, created.content
    sid = created.json()["id"]
    listed = api.get(f"/api/v1/support-given/?person={shared_person.pk}").json()
    assert listed["count"] == 1
    ok = api.patch(f"/api/v1/support-given/{sid}/", {"version": 1, "note": "Called"}, format="json")
    assert ok.status_code == 200 and ok.json()["note"] == "Called"
    assert (
        api.patch(f"/api/v1/support-given/{sid}/", {"version": 1, "note": "x"}).status_code == 409
    )
    assert api_for(caseworker_b).get(f"/api/v1/support-given/{sid}/").status_code == 404
    assert api_for(caseworker_b).get("/api/v1/support-given/").json()["count"] == 0


def test_support_list_runs_a_fixed_number_of_queries(
    client_for, adviser_a, shared_person, spell, django_assert_max_num_queries
):
    acting.attach(adviser_a)
    page = client_for(adviser_a)
    url = reverse("employers:support_list", args=[shared_person.pk])
    support_module.support_record(
        user=adviser_a, person=shared_person, kind="advice", given_on=TODAY()
    )
    page.get(url)
    with django_assert_max_num_queries(40) as small:
        page.get(url)
    for _ in range(8):
        support_module.support_record(
            user=adviser_a,
            person=shared_person,
            kind="in_work_support",
            spell=spell,
            given_on=TODAY(),
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert page.get(url).content.decode().count("In-work support contact") == 8
    spell_url = reverse("employers:spell_detail", args=[spell.pk])
    with django_assert_max_num_queries(40):
        page.get(spell_url)
