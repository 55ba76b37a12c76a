"""Two-factor (TOTP) for managers and administrators: setup, verification, and the API."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from agencies.enrolment import two_factor_enrolment_issue
from tests.security.conftest import totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def _confirmed_device(user):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def test_manager_without_a_device_is_sent_to_set_one_up(otp_required, client_for, manager_a):
    response = client_for(manager_a).get("/people/")
    assert response.status_code == 302
    assert response.url.startswith("/two-factor/?next=/people/")


def test_caseworker_is_not_asked_for_two_factor(otp_required, client_for, caseworker_a):
    assert client_for(caseworker_a).get("/").status_code == 200


def test_superuser_needs_two_factor_for_the_admin(otp_required, client_for, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", PASSWORD)
    response = client_for(admin).get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/two-factor/")


def _enter_set_up_code(client, user):
    _, code = two_factor_enrolment_issue(user=user)
    response = client.post("/two-factor/?next=/people/", {"code": code, "next": "/people/"})
    assert response.status_code == 302 and response.url.startswith("/two-factor/")
    return code


def test_setup_shows_a_secret_and_confirms_with_a_code(otp_required, client_for, manager_a):
    client = client_for(manager_a)
    _enter_set_up_code(client, manager_a)
    page = client.get("/two-factor/?next=/people/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=manager_a, confirmed=False)
    assert page.context["secret"] in page.content.decode()
    assert "otpauth://totp/" in page.content.decode()
    wrong = client.post(
        "/two-factor/",
        {"code": "000000" if totp_code(device) != "000000" else "111111", "next": "/people/"},
    )
    assert totp_code(device).isdigit() and len(totp_code(device)) == 6
    assert wrong.status_code == 200 and b"The code is not right" in wrong.content
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # wrong codes slow further guesses down
    device.throttle_reset()
    response = client.post("/two-factor/", {"code": totp_code(device), "next": "/people/"})
    assert response.status_code == 302 and response.url == "/people/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/people/").status_code == 200


def test_setup_refuses_a_malformed_code(otp_required, client_for, manager_a):
    client = client_for(manager_a)
    _enter_set_up_code(client, manager_a)
    response = client.post("/two-factor/", {"code": "abc"})
    assert b"Enter the 6-digit code" in response.content


def test_manager_with_a_device_verifies_once_per_session(otp_required, client_for, manager_a):
    device = _confirmed_device(manager_a)
    client = client_for(manager_a)
    response = client.get("/")
    assert response.url.startswith("/two-factor/verify/")
    response = client.post("/two-factor/verify/?next=/", {"code": totp_code(device)})
    assert response.status_code == 302
    assert client.get("/access-log/").status_code == 200


def test_a_manager_with_a_device_cannot_enrol_another_without_verifying(
    otp_required, client_for, manager_a
):
    _confirmed_device(manager_a)
    response = client_for(manager_a).get("/two-factor/")
    assert response.status_code == 302 and response.url.startswith("/two-factor/verify/")


def test_verify_rejects_a_wrong_code(otp_required, client_for, manager_a):
    device = _confirmed_device(manager_a)
    code = "123456" if totp_code(device) != "123456" else "654321"
    response = client_for(manager_a).post("/two-factor/verify/", {"code": code})
    assert response.status_code == 200 and b"The code is not right" in response.content


def test_next_cannot_send_the_user_to_another_site(otp_required, client_for, manager_a):
    device = _confirmed_device(manager_a)
    response = client_for(manager_a).post(
        "/two-factor/verify/", {"code": totp_code(device), "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == "/"


def test_unverified_manager_session_is_refused_by_the_api(otp_required, client_for, manager_a):
    response = client_for(manager_a).get("/api/v1/me/")
    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_required"


def test_manager_token_needs_a_two_factor_code(otp_required, manager_a):
    device = _confirmed_device(manager_a)
    api = APIClient()
    response = api.post(
        "/api/v1/auth/token/", {"username": "manager_a", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400 and "otp" in response.json()
    response = api.post(
        "/api/v1/auth/token/",
        {"username": "manager_a", "password": PASSWORD, "otp": totp_code(device)},
        format="json",
    )
    assert response.status_code == 200 and response.json()["token"]


def test_caseworker_token_needs_no_code(otp_required, caseworker_a):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "caseworker_a", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200


def test_sign_out_is_reachable_before_two_factor(otp_required, client_for, manager_a):
    assert client_for(manager_a).post("/sign-out/").status_code == 302


@pytest.mark.parametrize(("debug", "expected"), [("false", "True"), ("true", "False")])
def test_two_factor_is_required_in_production_and_optional_in_the_debug_demo(debug, expected):
    env = {"DJANGO_DEBUG": debug, "DJANGO_SECRET_KEY": "x" * 60, "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.OTP_REQUIRED_FOR_MANAGERS)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        check=True,
    )
    assert out.stdout.strip() == expected


def test_demo_manager_signs_in_when_two_factor_is_optional(settings, manager_a):
    settings.OTP_REQUIRED_FOR_MANAGERS = False
    client = Client()
    client.post("/sign-in/", {"username": "manager_a", "password": PASSWORD})
    assert client.get("/access-log/").status_code == 200


def test_the_password_alone_does_not_enrol_a_device(otp_required, client_for, manager_a):
    """A stolen password must not become a second factor: no secret without a set-up code."""
    client = client_for(manager_a)
    page = client.get("/two-factor/?next=/people/")
    assert page.status_code == 200
    assert b"Set-up code from your administrator" in page.content
    assert "secret" not in page.context and b"otpauth://" not in page.content
    assert not TOTPDevice.objects.filter(user=manager_a).exists()
    wrong = client.post("/two-factor/", {"code": "ABCD-EFGH-JKLM"})
    assert wrong.status_code == 200 and b"not right or has expired" in wrong.content
    assert not TOTPDevice.objects.filter(user=manager_a).exists()


def test_a_set_up_code_works_once_and_for_its_user_only(
    otp_required, client_for, manager_a, caseworker_a
):
    _, code = two_factor_enrolment_issue(user=manager_a)
    other = client_for(caseworker_a).post("/two-factor/", {"code": code})
    assert other.status_code == 200 and b"not right or has expired" in other.content
    client = client_for(manager_a)
    assert client.post("/two-factor/", {"code": code.lower().replace("-", " ")}).status_code == 302
    client.get("/two-factor/")
    device = TOTPDevice.objects.get(user=manager_a, confirmed=False)
    assert client.post("/two-factor/", {"code": totp_code(device)}).status_code == 302
    enrolment = manager_a.two_factor_enrolments.get()
    assert enrolment.used_at is not None
    from agencies.enrolment import two_factor_enrolment_check

    assert two_factor_enrolment_check(user=manager_a, code=code) is None  # used up
    assert TOTPDevice.objects.filter(user=manager_a, confirmed=True).count() == 1


def test_an_expired_set_up_code_is_refused(otp_required, client_for, manager_a):
    import datetime

    from django.utils import timezone

    enrolment, code = two_factor_enrolment_issue(user=manager_a)
    type(enrolment).objects.filter(pk=enrolment.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client_for(manager_a).post("/two-factor/", {"code": code})
    assert response.status_code == 200 and b"not right or has expired" in response.content


def test_administrator_issues_a_set_up_code_in_the_admin(client_for, django_user_model, manager_a):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", PASSWORD)
    response = client_for(admin).post(
        "/admin/agencies/user/",
        {"action": "issue_two_factor_code", "_selected_action": [manager_a.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "Set-up code for manager_a" in text
    code = text.split("Set-up code for manager_a: ")[1][:14]
    enrolment = manager_a.two_factor_enrolments.get()
    assert enrolment.issued_by == admin and code not in enrolment.code_digest
    from agencies.enrolment import two_factor_enrolment_check

    assert two_factor_enrolment_check(user=manager_a, code=code) == enrolment


def test_management_command_prints_a_set_up_code_for_the_first_administrator(manager_a):
    from io import StringIO

    from django.core.management import call_command

    from agencies.enrolment import two_factor_enrolment_check

    out = StringIO()
    call_command("two_factor_code", "manager_a", stdout=out)
    code = out.getvalue().split()[0]
    assert two_factor_enrolment_check(user=manager_a, code=code) is not None
