"""API tokens that end: hashed, expiring, revoked at sign-out, password change and staff removal,
two-factor before issue for the roles that need it, no keys in the admin, old tokens revoked."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import ApiToken, StaffMembership
from agencies.tokens import api_token_issue, key_digest

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def _api(key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def _ask(username, **extra):
    return APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD, **extra}, format="json"
    )


def test_defaults_are_eight_hours_idle_and_seven_days_absolute():
    assert settings.API_TOKEN_IDLE_SECONDS == 8 * 60 * 60
    assert settings.API_TOKEN_ABSOLUTE_SECONDS == 7 * 24 * 60 * 60
    assert "rest_framework.authtoken" not in settings.INSTALLED_APPS  # no plain-text key table


def test_only_a_hash_of_the_key_is_stored_and_the_key_is_shown_once(caseworker_a):
    first, second = _ask("caseworker_a").json(), _ask("caseworker_a").json()
    assert first["token"] != second["token"]
    assert first["idle_seconds"] == 8 * 60 * 60 and first["expires_at"]
    stored = list(ApiToken.objects.filter(user=caseworker_a).values())
    assert len(stored) == 2
    for row in stored:
        assert first["token"] not in str(row) and second["token"] not in str(row)
    assert {row["key_digest"] for row in stored} == {
        key_digest(first["token"]),
        key_digest(second["token"]),
    }
    assert _api(first["token"]).get("/api/v1/me/").status_code == 200


def test_token_unused_for_eight_hours_ends(caseworker_a):
    token, key = api_token_issue(user=caseworker_a, two_factor=False)
    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=timezone.now() - datetime.timedelta(hours=8, seconds=1)
    )
    response = _api(key).get("/api/v1/me/")
    assert response.status_code == 401


def test_use_keeps_a_token_alive_until_seven_days_after_issue(caseworker_a):
    token, key = api_token_issue(user=caseworker_a, two_factor=False)
    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=timezone.now() - datetime.timedelta(hours=7)
    )
    assert _api(key).get("/api/v1/me/").status_code == 200
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < datetime.timedelta(minutes=1)  # use recorded
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    assert _api(key).get("/api/v1/me/").status_code == 401


def test_a_key_with_extra_characters_or_an_unknown_key_is_refused(caseworker_a):
    _, key = api_token_issue(user=caseworker_a, two_factor=False)
    assert _api(key + "x").get("/api/v1/me/").status_code == 401
    assert _api("nothing-like-a-key").get("/api/v1/me/").status_code == 401


def test_api_sign_out_revokes_the_token_used(caseworker_a):
    _, key = api_token_issue(user=caseworker_a, two_factor=False)
    _, other_key = api_token_issue(user=caseworker_a, two_factor=False)
    assert _api(key).post("/api/v1/auth/sign-out/").status_code == 204
    assert _api(key).get("/api/v1/me/").status_code == 401
    assert _api(other_key).get("/api/v1/me/").status_code == 200


def test_web_sign_out_ends_the_users_tokens(client_for, caseworker_a, caseworker_a2):
    _, key = api_token_issue(user=caseworker_a, two_factor=False)
    _, other_user_key = api_token_issue(user=caseworker_a2, two_factor=False)
    assert client_for(caseworker_a).post("/sign-out/").status_code == 302
    assert _api(key).get("/api/v1/me/").status_code == 401
    assert _api(other_user_key).get("/api/v1/me/").status_code == 200


def test_password_change_ends_the_users_tokens(caseworker_a):
    _, key = api_token_issue(user=caseworker_a, two_factor=False)
    caseworker_a.set_password("a brand new long password")
    caseworker_a.save()
    assert _api(key).get("/api/v1/me/").status_code == 401


def test_deactivated_user_token_ends(caseworker_a):
    _, key = api_token_issue(user=caseworker_a, two_factor=False)
    caseworker_a.is_active = False
    caseworker_a.save()
    assert _api(key).get("/api/v1/me/").status_code == 401


@pytest.fixture
def admin_client_verified(django_user_model):
    admin = django_user_model.objects.create_superuser("site_admin", "a@example.org", PASSWORD)
    client = Client()
    client.force_login(admin)
    return client


def test_staff_removal_in_the_admin_revokes_tokens(admin_client_verified, caseworker_a):
    _, key = api_token_issue(user=caseworker_a, two_factor=False)
    membership = StaffMembership.objects.get(user=caseworker_a)
    response = admin_client_verified.post(
        f"/admin/agencies/staffmembership/{membership.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert _api(key).get("/api/v1/me/").status_code == 401
    token = ApiToken.objects.get(user=caseworker_a)
    assert token.revoked_reason == "staff_change"


def test_membership_deactivated_in_the_admin_revokes_tokens(admin_client_verified, caseworker_a):
    _, key = api_token_issue(user=caseworker_a, two_factor=False)
    membership = StaffMembership.objects.get(user=caseworker_a)
    response = admin_client_verified.post(
        f"/admin/agencies/staffmembership/{membership.pk}/change/",
        {
            "user": caseworker_a.pk,
            "agency": membership.agency_id,
            "role": membership.role,
            "site": "",
        },  # is_active unticked
    )
    assert response.status_code == 302, response.content[:2000]
    assert _api(key).get("/api/v1/me/").status_code == 401


def test_manager_token_issued_without_two_factor_is_refused_once_it_is_required(
    otp_required, manager_a
):
    _, key = api_token_issue(user=manager_a, two_factor=False)  # e.g. issued before it was required
    response = _api(key).get("/api/v1/people/")
    assert response.status_code == 401
    assert response.json()["code"] == "two_factor_required"


def test_manager_token_issued_after_a_code_works(otp_required, manager_a):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.security.conftest import totp_code

    device = TOTPDevice.objects.create(user=manager_a, name="app", confirmed=True)
    assert _ask("manager_a").status_code == 400
    response = _ask("manager_a", otp=totp_code(device))
    assert response.status_code == 200
    assert ApiToken.objects.get(user=manager_a).two_factor is True
    assert _api(response.json()["token"]).get("/api/v1/me/").status_code == 200


def test_token_admin_shows_no_keys(admin_client_verified, caseworker_a):
    token, key = api_token_issue(user=caseworker_a, two_factor=False)
    listing = admin_client_verified.get("/admin/agencies/apitoken/")
    detail = admin_client_verified.get(f"/admin/agencies/apitoken/{token.pk}/change/")
    assert listing.status_code == 200 and detail.status_code == 200
    for page in (listing, detail):
        assert key.encode() not in page.content
        assert token.key_digest.encode() not in page.content
    assert admin_client_verified.get("/admin/agencies/apitoken/add/").status_code == 403


def test_migration_revokes_the_old_plain_text_tokens(caseworker_a):
    from importlib import import_module

    migration = import_module("agencies.migrations.0003_api_tokens")
    with connection.schema_editor() as editor:
        editor.execute("CREATE TABLE authtoken_token (key varchar(40) primary key, user_id int)")
        editor.execute("INSERT INTO authtoken_token VALUES (%s, %s)", ["a" * 40, caseworker_a.pk])
        migration.revoke_old_tokens(None, editor)
    assert "authtoken_token" not in connection.introspection.table_names()


def test_signing_out_lands_on_a_signed_out_page(client_for, caseworker_a):
    client = client_for(caseworker_a)
    response = client.post("/sign-out/")
    assert response.status_code == 302 and response.url == "/signed-out/"
    page = client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200 and "You have signed out" in html
    assert 'href="/sign-in/"' in html and "Caseload" not in html
