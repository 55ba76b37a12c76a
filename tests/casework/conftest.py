import datetime

import pytest

from agencies.models import Role
from tests.factories import share_with, staff


@pytest.fixture
def admin_a(agency_a):
    """A member of agency A whose role (admin) gives no access to case records."""
    return staff("admin_a", agency_a, Role.ADMIN)


@pytest.fixture
def shared_case(caseworker_a, case_a, agency_b):
    """case_a shared with agency B (consent for employment support only, no sensitive categories)."""
    share_with(caseworker_a, case_a, agency_b)
    return case_a


@pytest.fixture
def today():
    return datetime.date.today()


@pytest.fixture
def ratings():
    def make(**overrides):
        base = {"accommodation": "red", "education_training_employment": "red", "drugs": "amber"}
        return base | overrides

    return make
