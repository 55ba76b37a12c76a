"""Sign-in: lockout per username and per address, unlock, password rules, absolute session limit,
sign out everywhere."""

import time

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from agencies.models import ApiToken
from agencies.tokens import api_token_issue, key_digest
from core.middleware import AbsoluteSessionTimeoutMiddleware

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def _sign_in(client, username, password, ip="10.0.0.1"):
    return client.post("/sign-in/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_lockout_settings_are_five_failures_and_thirty_minutes():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert settings.AUTHENTICATION_BACKENDS[0] == "agencies.backends.LockoutBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_correct_password_signs_in(caseworker_a):
    response = _sign_in(Client(), "caseworker_a", PASSWORD)
    assert response.status_code == 302


def test_five_wrong_passwords_lock_the_username_even_with_the_right_password(caseworker_a):
    client = Client()
    for attempt in range(5):
        response = _sign_in(client, "caseworker_a", f"wrong-{attempt}", ip=f"10.0.1.{attempt}")
        assert response.status_code in (200, 429)
    response = _sign_in(client, "caseworker_a", PASSWORD, ip="10.0.2.1")
    assert response.status_code == 429
    assert b"Sign-in locked" in response.content
    assert b"30 minutes" in response.content
    assert "_auth_user_id" not in client.session


def test_four_wrong_passwords_do_not_lock(caseworker_a):
    client = Client()
    for attempt in range(4):
        _sign_in(client, "caseworker_a", f"wrong-{attempt}")
    assert _sign_in(client, "caseworker_a", PASSWORD).status_code == 302


def test_one_address_trying_many_usernames_is_locked(caseworker_a, caseworker_b):
    client = Client()
    for attempt in range(5):
        _sign_in(client, f"guess{attempt}", "wrong-password", ip="10.9.9.9")
    assert _sign_in(client, "caseworker_b", PASSWORD, ip="10.9.9.9").status_code == 429
    assert _sign_in(Client(), "caseworker_b", PASSWORD, ip="10.9.9.10").status_code == 302


def test_administrator_unlocks_a_username_with_the_management_command(caseworker_a):
    client = Client()
    for attempt in range(5):
        _sign_in(client, "caseworker_a", f"wrong-{attempt}", ip=f"10.0.3.{attempt}")
    assert _sign_in(client, "caseworker_a", PASSWORD, ip="10.0.4.1").status_code == 429
    call_command("axes_reset_username", "caseworker_a", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _sign_in(Client(), "caseworker_a", PASSWORD, ip="10.0.4.2").status_code == 302


def test_access_attempts_are_in_the_admin_for_unlocking():
    from axes.models import AccessAttempt
    from django.contrib import admin

    assert admin.site.is_registered(AccessAttempt)


def test_api_token_is_refused_while_the_username_is_locked(caseworker_a):
    api = APIClient()
    for attempt in range(5):
        api.post(
            "/api/v1/auth/token/",
            {"username": "caseworker_a", "password": f"wrong-{attempt}"},
            REMOTE_ADDR=f"10.0.5.{attempt}",
        )
    response = api.post(
        "/api/v1/auth/token/",
        {"username": "caseworker_a", "password": PASSWORD},
        REMOTE_ADDR="10.0.6.1",
    )
    assert response.status_code in (400, 403, 429)
    assert "token" not in response.json()


def test_api_token_with_the_right_password(caseworker_a):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "caseworker_a", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    key = response.json()["token"]
    token = ApiToken.objects.get(user=caseworker_a)
    assert token.key_digest == key_digest(key) and key not in token.key_digest


@pytest.mark.parametrize("password", ["short", "password1234", "123456789012", "caseworker_a-1"])
def test_weak_passwords_are_refused(password, caseworker_a):
    with pytest.raises(ValidationError):
        validate_password(password, user=caseworker_a)


def test_a_long_uncommon_password_is_accepted(caseworker_a):
    validate_password("tangerine lighthouse 42 gravel", user=caseworker_a)


def test_sessions_end_after_thirty_minutes_idle():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 60 * 60


def _age_session(client, seconds):
    session = client.session
    session[AbsoluteSessionTimeoutMiddleware.KEY] = int(time.time()) - seconds
    session.save()


def test_session_older_than_twelve_hours_is_signed_out(client_for, caseworker_a):
    client = client_for(caseworker_a)
    assert client.get("/").status_code == 200
    _age_session(client, 12 * 60 * 60 + 5)
    response = client.get("/people/")
    assert response.status_code == 302
    assert response.url.startswith("/sign-in/?") and "expired=1" in response.url
    assert client.get("/").status_code == 302  # stays signed out
    page = client.get(response.url)
    assert b"time limit" in page.content


def test_active_session_within_twelve_hours_continues(client_for, caseworker_a):
    client = client_for(caseworker_a)
    client.get("/")
    _age_session(client, 11 * 60 * 60)
    assert client.get("/").status_code == 200


def test_api_session_older_than_twelve_hours_answers_401(client_for, caseworker_a):
    client = client_for(caseworker_a)
    client.get("/")
    _age_session(client, 13 * 60 * 60)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"


def test_sign_in_records_the_start_of_the_session(caseworker_a):
    client = Client()
    _sign_in(client, "caseworker_a", PASSWORD)
    assert abs(client.session[AbsoluteSessionTimeoutMiddleware.KEY] - time.time()) < 60


def test_sign_out_everywhere_ends_every_session_and_token(client_for, caseworker_a):
    laptop, phone = client_for(caseworker_a), client_for(caseworker_a)
    token, key = api_token_issue(user=caseworker_a, two_factor=False)
    assert phone.get("/").status_code == 200
    page = laptop.get("/account/sign-out-everywhere/")
    assert b"Sign out everywhere" in page.content
    response = laptop.post("/account/sign-out-everywhere/")
    assert response.status_code == 302 and "signed_out_everywhere=1" in response.url
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 401
    assert (
        _sign_in(Client(), "caseworker_a", PASSWORD).status_code == 302
    )  # the password still works


def test_sign_out_everywhere_leaves_other_users_signed_in(client_for, caseworker_a, caseworker_a2):
    other = client_for(caseworker_a2)
    client_for(caseworker_a).post("/account/sign-out-everywhere/")
    assert other.get("/").status_code == 200


def test_sign_in_page_has_no_lockout_bypass_for_get(caseworker_a):
    assert Client().get("/sign-in/").status_code == 200


def test_passwords_are_stored_as_argon2id_at_the_owasp_minimum_and_old_hashes_upgrade(settings):
    """Production settings (the test settings use a fast hasher): Argon2id m=19 MiB, t=2, p=1."""
    from django.contrib.auth.hashers import check_password, make_password

    from config import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    encoded = make_password("a long synthetic password")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password("a long synthetic password", encoded)
    old = make_password("a long synthetic password", hasher="pbkdf2_sha256")
    upgraded = []
    assert check_password("a long synthetic password", old, setter=upgraded.append)
    assert upgraded == ["a long synthetic password"]  # Django re-hashes it with Argon2id at sign-in
