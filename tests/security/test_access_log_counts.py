"""Access-log pages count no further than AUDIT_LOG_COUNT_CAP (issue 23): a member of staff with
years of events is not counted in full on every page, and each page runs the same queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AccessEvent, Action

pytestmark = pytest.mark.django_db


def _events(user, person, n):
    agency = user.memberships.first().agency
    AccessEvent.objects.bulk_create(
        AccessEvent(
            user=user,
            agency=agency,
            person=person,
            action=Action.VIEW,
            object_type="casework.person",
            object_id=str(person.pk),
            detail={"page": "person"},
        )
        for _ in range(n)
    )


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_staff_access_log_says_more_than_the_cap_and_pages_within_it(
    client_for, caseworker_a, manager_a, person_a, case_a, settings
):
    settings.AUDIT_LOG_COUNT_CAP = 60
    client = client_for(manager_a)
    _events(caseworker_a, person_a, 5)
    made = AccessEvent.objects.filter(user=caseworker_a).count()  # with the fixtures' own events
    body, few = _get(client, f"/access-log/?user={caseworker_a.pk}")
    assert f"{made} events, newest first." in body

    _events(caseworker_a, person_a, 200)
    body, many = _get(client, f"/access-log/?user={caseworker_a.pk}")
    assert "More than 60 events" in body
    assert "Page 1 of 2" in body
    assert many == few  # the same queries whatever the number of events
    body, _ = _get(client, f"/access-log/?user={caseworker_a.pk}&page=2")
    assert "Page 2 of 2" in body  # 60 counted: 50 on page 1, 10 on page 2
    body, _ = _get(client, f"/access-log/?user={caseworker_a.pk}&page=9")  # past the cap: last page
    assert "Page 2 of 2" in body


def test_person_access_log_is_capped_too(client_for, caseworker_a, person_a, case_a, settings):
    settings.AUDIT_LOG_COUNT_CAP = 30
    client = client_for(caseworker_a)
    body, few = _get(client, f"/people/{person_a.pk}/access-log/")
    assert "event" in body and "More than" not in body
    _events(caseworker_a, person_a, 100)
    body, many = _get(client, f"/people/{person_a.pk}/access-log/")
    assert "More than 30 events" in body
    assert many == few
