"""Restricted records managed safely, and emergency access ("break the glass")."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from consent import policy, services
from consent.models import EmergencyAccess, RestrictedPersonUserPermission
from core.errors import ApplicationError, Forbidden, NotFound

pytestmark = pytest.mark.django_db


def _restrict(manager, person):
    services.person_set_restricted(
        user=manager, person=person, restricted=True, reason="Victim's safety", confirmed=True
    )


# --- Restricted records -----------------------------------------------------------------------


def test_restricting_needs_a_reason_and_a_confirmation(manager_a, person_a, client_for):
    for kwargs, field in (
        ({"reason": "", "confirmed": True}, "reason"),
        ({"reason": "x"}, "confirm"),
    ):
        with pytest.raises(ApplicationError) as exc:
            services.person_set_restricted(
                user=manager_a, person=person_a, restricted=True, **kwargs
            )
        assert exc.value.field == field
    person_a.refresh_from_db()
    assert not person_a.restricted
    url = reverse("consent:restricted_access", args=[person_a.pk])
    response = client_for(manager_a).post(url, {"action": "restrict", "reason": "Staff"})
    assert response.status_code == 400
    assert "Confirm that only named staff should see this record" in response.content.decode()
    person_a.refresh_from_db()
    assert not person_a.restricted


def test_the_last_named_person_cannot_be_removed(manager_a, caseworker_a, person_a, client_for):
    _restrict(manager_a, person_a)
    with pytest.raises(ApplicationError, match="At least one member of staff"):
        services.restricted_access_revoke(user=manager_a, person=person_a, staff_user=manager_a)
    services.restricted_access_grant(user=manager_a, person=person_a, staff_user=caseworker_a)
    services.restricted_access_revoke(user=manager_a, person=person_a, staff_user=manager_a)
    assert list(policy.named_grants(person_a).values_list("user__username", flat=True)) == [
        "caseworker_a"
    ]
    response = client_for(manager_a).post(
        reverse("consent:restricted_access", args=[person_a.pk]),
        {"action": "revoke", "staff_user": caseworker_a.pk},
    )
    assert response.status_code == 400 and RestrictedPersonUserPermission.objects.count() == 1


def test_the_owning_agencys_managers_always_keep_access(manager_a, caseworker_a, person_a):
    _restrict(manager_a, person_a)
    services.restricted_access_grant(user=manager_a, person=person_a, staff_user=caseworker_a)
    services.restricted_access_revoke(user=manager_a, person=person_a, staff_user=manager_a)
    policy.forget(manager_a)
    assert policy.access_for(manager_a, person_a).visible  # not named, still the owner's manager


def test_managers_list_their_agencys_restricted_records(manager_a, person_a, person_b, client_for):
    _restrict(manager_a, person_a)
    html = client_for(manager_a).get(reverse("consent:restricted_list")).content.decode()
    assert person_a.full_name in html and "Victim&#x27;s safety" in html
    assert person_b.full_name not in html


def test_a_caseworker_cannot_restrict_or_see_the_list(caseworker_a, person_a, client_for):
    with pytest.raises(Forbidden):
        _restrict(caseworker_a, person_a)
    assert client_for(caseworker_a).get(reverse("consent:restricted_list")).status_code == 403


# --- Emergency access -------------------------------------------------------------------------


def _request(user, identifier, **kwargs):
    return services.emergency_access_request(
        user=user,
        identifier=identifier,
        reason=kwargs.pop("reason", "safeguarding"),
        detail=kwargs.pop("detail", "At the counter, distressed"),
    )


def test_emergency_access_gives_identity_and_the_owners_contact_for_24_hours(
    caseworker_b, person_a, client_for, monkeypatch
):
    emergency = _request(caseworker_b, "x100001")  # CRN, in any case
    assert emergency.person == person_a and emergency.identifier_kind == "CRN"
    policy.forget(caseworker_b)
    access = policy.access_for(caseworker_b, person_a)
    assert access.sections == ["identity"] and access.emergency == emergency
    page = client_for(caseworker_b).get(reverse("casework:person_detail", args=[person_a.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "Who to contact about their case" in html
    assert "Probation A" in html and "caseworker_a@example.org" in html
    case = person_a.cases.get()
    assert (
        client_for(caseworker_b).get(reverse("casework:case_detail", args=[case.pk])).status_code
        == 404
    )
    event = AccessEvent.objects.get(person=person_a, action="grant")
    assert event.detail["emergency"] is True
    later = timezone.now() + datetime.timedelta(hours=25)
    monkeypatch.setattr(timezone, "now", lambda: later)
    policy.forget(caseworker_b)
    assert not policy.access_for(caseworker_b, person_a).visible


@pytest.mark.parametrize(
    ("identifier", "kwargs", "message"),
    [
        ("Jordan Alpha", {}, "cannot search by name"),
        ("X999999", {}, "No record matches"),
        ("X100001", {"reason": ""}, "Select why"),
        ("X100001", {"detail": "  "}, "Say what the emergency is"),
    ],
)
def test_bad_emergency_requests_are_refused_and_nothing_stored(
    caseworker_b, person_a, identifier, kwargs, message
):
    with pytest.raises(ApplicationError, match=message):
        _request(caseworker_b, identifier, **kwargs)
    assert not EmergencyAccess.objects.exists()


def test_emergency_access_is_refused_for_a_restricted_record_and_for_a_visible_one(
    caseworker_b, caseworker_a, manager_a, person_a
):
    with pytest.raises(ApplicationError, match="already see"):
        _request(caseworker_a, "X100001")
    _restrict(manager_a, person_a)
    with pytest.raises(ApplicationError, match="No record matches"):  # says nothing of it
        _request(caseworker_b, "X100001")


def test_emergency_access_is_rate_limited(caseworker_b, person_with_crns, settings):
    settings.EMERGENCY_ACCESS_PER_DAY = 2
    for crn in person_with_crns[:2]:
        _request(caseworker_b, crn)
    with pytest.raises(ApplicationError, match="the most allowed"):
        _request(caseworker_b, person_with_crns[2])


@pytest.fixture
def person_with_crns(caseworker_a):
    from tests.factories import person_with_case

    return [
        person_with_case(caseworker_a, last_name=f"Crn{i}", crn=f"Y30000{i}")[0].crn
        for i in range(3)
    ]


def test_managers_of_both_agencies_review_it_once(
    caseworker_b, manager_a, person_a, agency_b, client_for
):
    from agencies.models import Role
    from tests.factories import AgencyFactory, staff

    emergency = _request(caseworker_b, "X100001")
    manager_b = staff("manager_b", agency_b, Role.MANAGER)
    for manager in (manager_a, manager_b):
        html = client_for(manager).get(reverse("consent:emergency_list")).content.decode()
        assert person_a.full_name in html
    url = reverse("consent:emergency_review", args=[emergency.pk])
    assert client_for(manager_a).post(url, {"note": ""}).status_code == 400
    assert client_for(manager_a).post(url, {"note": "Checked with B"}).status_code == 302
    with pytest.raises(Exception, match="already been reviewed"):
        services.emergency_access_review(user=manager_b, emergency=emergency, note="again")
    outsider = staff("outsider_manager", AgencyFactory(name="Probation C"), Role.MANAGER)
    with pytest.raises(NotFound):
        services.emergency_access_review(user=outsider, emergency=emergency, note="x")


def test_the_restricted_list_opens_in_full_page_by_page(manager_a, client_for, monkeypatch):
    from consent import views
    from tests.factories import person_with_case

    monkeypatch.setattr(views, "RESTRICTED_PAGE_SIZE", 2)
    people = [person_with_case(manager_a, last_name=f"Quiet{n}")[0] for n in range(5)]
    for person in people:
        _restrict(manager_a, person)
    client = client_for(manager_a)
    first = client.get(reverse("consent:restricted_list")).content.decode()
    assert "can see: 5." in first and "Page 1 of 3" in first
    last = client.get(reverse("consent:restricted_list"), {"page": 3}).content.decode()
    assert people[4].full_name in last and people[0].full_name not in last
