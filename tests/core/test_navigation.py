"""Wayfinding (issue 18): the current section is the one marked, "Resettle" once in the header,
and a search box in the header for those who search people."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _active(html: str) -> list[str]:
    return re.findall(
        r'govuk-service-navigation__item--active">\s*<a[^>]*>\s*<strong[^>]*>([^<]+)</strong>', html
    )


def test_only_the_current_section_is_marked(client_for, caseworker_a, person_a):
    client = client_for(caseworker_a)
    assert _active(client.get(reverse("casework:my_work")).content.decode()) == ["My work"]
    assert _active(client.get(reverse("casework:caseload")).content.decode()) == ["Caseload"]
    person = client.get(reverse("casework:person_detail", args=[person_a.pk])).content.decode()
    assert _active(person) == ["Caseload"]
    assert _active(client.get(reverse("notifications")).content.decode()) == ["Notifications"]


def test_the_service_name_once_and_a_search_box_for_staff(
    client_for, caseworker_a, commissioner_manager, person_a
):
    html = client_for(caseworker_a).get(reverse("casework:my_work")).content.decode()
    header = html.split("<main", 1)[0]
    assert header.count(">Resettle<") == 1
    assert 'role="search"' in header and 'action="/people/"' in header
    found = client_for(caseworker_a).get(reverse("casework:person_search"), {"q": "Alpha"})
    assert reverse("casework:person_detail", args=[person_a.pk]) in found.content.decode()
    commissioner = client_for(commissioner_manager).get(reverse("reporting:report_list"))
    assert 'role="search"' not in commissioner.content.decode()
