"""Lists and searches name the people they showed, so each person's access log lists them."""

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from audit.selectors import access_log_for_person
from tests.factories import share_with

pytestmark = pytest.mark.django_db


def test_a_caseload_page_appears_in_the_access_log_of_each_person_it_showed(
    client_for, caseworker_a, person_a, person_b
):
    client_for(caseworker_a).get(reverse("casework:caseload"))
    event = AccessEvent.objects.filter(detail__page="caseload").get()
    assert event.detail["people"] == [person_a.pk]
    assert event in list(access_log_for_person(person=person_a))
    assert event not in list(access_log_for_person(person=person_b))


def test_a_search_and_the_api_lists_name_the_people_shown(
    client_for, api_for, caseworker_a, case_a, person_a, jobcentre_a, work_coach_a
):
    client_for(caseworker_a).get(reverse("casework:person_search"), {"q": "Alpha"})
    search = AccessEvent.objects.get(detail__page="person_search")
    assert search.detail["people"] == [person_a.pk] and search.action == "search"
    share_with(caseworker_a, case_a, jobcentre_a)
    for path in ("/api/v1/people/", "/api/v1/cases/", "/api/v1/consents/"):
        api_for(work_coach_a).get(path)
    pages = {
        e.detail["page"]: e.detail["people"]
        for e in AccessEvent.objects.filter(user=work_coach_a, detail__has_key="people")
    }
    assert pages == {
        "api:people": [person_a.pk],
        "api:cases": [person_a.pk],
        "api:consents": [person_a.pk],
    }
    log = client_for(caseworker_a).get(reverse("audit:person_access_log", args=[person_a.pk]))
    assert "viewed the list of people through the API, which showed" in log.content.decode()


def test_form_pages_opened_with_get_are_audited(client_for, caseworker_a, person_a, case_a):
    client = client_for(caseworker_a)
    for url in (
        reverse("casework:person_edit", args=[person_a.pk]),
        reverse("casework:release_plan_edit", args=[case_a.pk]),
        reverse("casework:sentence_create", args=[case_a.pk]),
        reverse("referrals:create", args=[case_a.pk]),
        reverse("employers:spell_create", args=[person_a.pk]),
    ):
        before = AccessEvent.objects.filter(person=person_a).count()
        assert client.get(url).status_code == 200, url
        assert AccessEvent.objects.filter(person=person_a).count() == before + 1, url
