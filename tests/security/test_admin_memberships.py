"""Administrators see no case data, so the admin will not give one a staff membership."""

import pytest
from django.test import Client

from agencies.models import Role, StaffMembership

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def site_admin(django_user_model):
    return django_user_model.objects.create_superuser("site_admin", "a@example.org", PASSWORD)


@pytest.fixture
def admin_client(site_admin):
    client = Client()
    client.force_login(site_admin)
    return client


def test_administrator_cannot_add_a_membership_for_itself(admin_client, site_admin, agency_a):
    response = admin_client.post(
        "/admin/agencies/staffmembership/add/",
        {"user": site_admin.pk, "agency": agency_a.pk, "role": Role.MANAGER, "is_active": "on"},
    )
    assert response.status_code == 200
    assert b"cannot hold a staff membership" in response.content
    assert not StaffMembership.objects.filter(user=site_admin).exists()


def test_administrator_cannot_add_a_membership_inline_on_its_user_page(
    admin_client, site_admin, agency_a
):
    page = admin_client.get(f"/admin/agencies/user/{site_admin.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        {
            "is_staff": "on",
            "is_superuser": "on",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-agency": agency_a.pk,
            "memberships-0-role": Role.CASEWORKER,
            "memberships-0-is_active": "on",
        }
    )
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("last_login", None)
    data.pop("date_joined", None)
    response = admin_client.post(f"/admin/agencies/user/{site_admin.pk}/change/", data)
    assert response.status_code == 200
    assert b"cannot hold a staff membership" in response.content
    assert not StaffMembership.objects.filter(user=site_admin).exists()


def test_a_member_of_staff_still_gets_a_membership(admin_client, caseworker_a, agency_b):
    response = admin_client.post(
        "/admin/agencies/staffmembership/add/",
        {
            "user": caseworker_a.pk,
            "agency": agency_b.pk,
            "role": Role.CASEWORKER,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert StaffMembership.objects.filter(user=caseworker_a, agency=agency_b).exists()
