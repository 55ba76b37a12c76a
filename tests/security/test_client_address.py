"""The real client address behind the configured proxies, for lockout, rate limits and the sign-in
log; and a successful sign-in does not reset the address's failure count."""

import pytest
from django.test import Client, RequestFactory

from core.client_address import client_ip

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
PROXY = "10.0.0.1"


@pytest.fixture
def one_proxy(settings):
    settings.PROXY_COUNT = 1
    return settings


def _meta(forwarded=None, remote=PROXY):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def _sign_in(client, username, password, client_address, forged=None):
    chain = f"{forged}, {client_address}" if forged else client_address
    return client.post(
        "/sign-in/",
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=chain,
    )


def test_without_proxies_the_forwarded_header_is_ignored(settings):
    settings.PROXY_COUNT = 0
    assert client_ip(_meta("203.0.113.5", remote="198.51.100.7")) == "198.51.100.7"


def test_behind_one_proxy_the_last_forwarded_entry_is_the_client(one_proxy):
    assert client_ip(_meta("203.0.113.5")) == "203.0.113.5"
    assert client_ip(_meta("6.6.6.6, 203.0.113.5")) == "203.0.113.5"  # client-written part ignored
    assert client_ip(_meta()) == PROXY  # not through the proxy
    assert client_ip(_meta("not-an-address")) == PROXY


def test_behind_two_proxies_the_second_from_the_right(settings):
    settings.PROXY_COUNT = 2
    assert client_ip(_meta("6.6.6.6, 203.0.113.5, 10.0.0.2")) == "203.0.113.5"
    assert client_ip(_meta("203.0.113.5")) == PROXY


def test_axes_uses_the_same_address():
    from axes.helpers import get_client_ip_address
    from django.conf import settings

    assert settings.AXES_CLIENT_IP_CALLABLE == "core.client_address.client_ip"
    request = _meta("203.0.113.5")
    assert get_client_ip_address(request) == client_ip(request)


def test_five_bad_sign_ins_from_one_client_behind_the_proxy_lock_only_that_client(
    one_proxy, caseworker_a, caseworker_b
):
    attacker = Client()
    for attempt in range(5):
        _sign_in(attacker, f"guess{attempt}", "wrong-password", "203.0.113.5")
    assert _sign_in(attacker, "caseworker_a", PASSWORD, "203.0.113.5").status_code == 429
    # The attacker cannot get out by writing its own X-Forwarded-For: the proxy appends the real one.
    assert (
        _sign_in(Client(), "caseworker_a", PASSWORD, "203.0.113.5", forged="192.0.2.44").status_code
        == 429
    )
    assert _sign_in(Client(), "caseworker_b", PASSWORD, "203.0.113.9").status_code == 302


def test_sign_in_rate_limit_counts_each_client_behind_the_proxy(one_proxy, caseworker_a):
    one_proxy.RATE_LIMIT_ENABLED = True
    one_proxy.RATE_LIMITS = {**one_proxy.RATE_LIMITS, "sign_in": (3, 300)}
    busy = Client()
    for _ in range(3):
        _sign_in(busy, "nobody", "x", "203.0.113.5")
    assert _sign_in(busy, "nobody", "x", "203.0.113.5").status_code == 429
    assert _sign_in(Client(), "caseworker_a", PASSWORD, "203.0.113.9").status_code == 302


def test_the_sign_in_log_records_the_client_address(one_proxy, caseworker_a):
    from axes.models import AccessAttempt, AccessLog

    _sign_in(Client(), "someone_else", "wrong-password", "203.0.113.5")
    _sign_in(Client(), "caseworker_a", PASSWORD, "203.0.113.6")
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"
    assert AccessLog.objects.get().ip_address == "203.0.113.6"


def test_a_successful_sign_in_does_not_reset_the_address_count(caseworker_a):
    """Password spraying: an attacker with one account signs into it between guesses."""
    client = Client()
    for attempt in range(4):
        _sign_in(client, f"victim{attempt}", "Winter2026!", "203.0.113.5")
    assert _sign_in(client, "caseworker_a", PASSWORD, "203.0.113.5").status_code == 302
    client = Client()
    _sign_in(client, "victim9", "Winter2026!", "203.0.113.5")
    assert _sign_in(client, "caseworker_a", PASSWORD, "203.0.113.5").status_code == 429


def test_a_successful_sign_in_still_clears_the_usernames_own_failures(caseworker_a):
    client = Client()
    for attempt in range(4):
        _sign_in(client, "caseworker_a", f"typo-{attempt}", "203.0.113.5")
    assert _sign_in(client, "caseworker_a", PASSWORD, "203.0.113.5").status_code == 302
    client = Client()
    for attempt in range(4):
        _sign_in(client, "caseworker_a", f"typo-{attempt}", "203.0.113.7")
    assert _sign_in(client, "caseworker_a", PASSWORD, "203.0.113.8").status_code == 302
