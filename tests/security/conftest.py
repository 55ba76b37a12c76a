"""Fixtures for the security tests: a clean cache and switches for features off in the shared test settings."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rate_limits(settings):
    """Turn the rate limiter on (the shared test settings turn it off for other apps' tests)."""
    settings.RATE_LIMIT_ENABLED = True
    return settings


@pytest.fixture
def otp_required(settings):
    settings.OTP_REQUIRED_FOR_MANAGERS = True
    return settings


def totp_code(device, offset=0):
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():0{device.digits}d}"  # the app shows leading zeros
