"""Shared personas across two areas (A and B), as in STYLE.md: each test gets fresh ones."""

import os

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models
from rest_framework.test import APIClient

from agencies import acting
from agencies.models import AgencyKind, Role
from tests.factories import AgencyFactory, RegionFactory, person_with_case, staff


@pytest.fixture
def region():
    return RegionFactory()


@pytest.fixture
def agency_a(region):
    return AgencyFactory(name="Probation A", kind=AgencyKind.PROBATION, region=region)


@pytest.fixture
def agency_b(region):
    return AgencyFactory(name="Probation B", kind=AgencyKind.PROBATION, region=region)


@pytest.fixture
def jobcentre_a(region):
    return AgencyFactory(name="Jobcentre A", kind=AgencyKind.JOBCENTRE, region=region)


@pytest.fixture
def prison_jobcentre(region):
    return AgencyFactory(name="Jobcentre at HMP A", kind=AgencyKind.JOBCENTRE, region=region)


@pytest.fixture
def provider_a(region):
    return AgencyFactory(name="Provider A", kind=AgencyKind.PROVIDER, region=region)


@pytest.fixture
def commissioner(region):
    return AgencyFactory(name="Commissioner", kind=AgencyKind.COMMISSIONER, region=region)


@pytest.fixture
def caseworker_a(agency_a):
    return staff("caseworker_a", agency_a, Role.CASEWORKER)


@pytest.fixture
def caseworker_a2(agency_a):
    return staff("caseworker_a2", agency_a, Role.CASEWORKER)


@pytest.fixture
def manager_a(agency_a):
    return staff("manager_a", agency_a, Role.MANAGER)


@pytest.fixture
def caseworker_b(agency_b):
    return staff("caseworker_b", agency_b, Role.CASEWORKER)


@pytest.fixture
def work_coach_a(jobcentre_a):
    return staff("work_coach_a", jobcentre_a, Role.WORK_COACH)


@pytest.fixture
def ebsa_a(prison_jobcentre):
    return staff("ebsa_a", prison_jobcentre, Role.EBSA)


@pytest.fixture
def adviser_a(provider_a):
    return staff("adviser_a", provider_a, Role.EMPLOYMENT_ADVISER)


@pytest.fixture
def commissioner_manager(commissioner):
    return staff("commissioner_manager", commissioner, Role.MANAGER)


@pytest.fixture
def person_a(caseworker_a):
    """A person with an open case owned by agency A."""
    person, _case = person_with_case(
        caseworker_a, first_name="Jordan", last_name="Alpha", crn="X100001"
    )
    return person


@pytest.fixture
def case_a(person_a):
    return person_a.cases.get()


@pytest.fixture
def person_b(caseworker_b):
    person, _case = person_with_case(
        caseworker_b, first_name="Morgan", last_name="Bravo", crn="X200002"
    )
    return person


@pytest.fixture
def client_for(client):
    """client_for(user) -> a Django test client signed in as user (acting for their first agency)."""
    from django.test import Client

    def make(user, agency=None):
        c = Client()
        c.force_login(user)
        if agency is not None:
            session = c.session
            session[acting.SESSION_KEY] = agency.pk
            session.save()
        return c

    return make


@pytest.fixture
def api_for():
    """api_for(user) -> a DRF APIClient authenticated as user."""

    def make(user, agency=None):
        c = APIClient()
        c.force_authenticate(user=user)
        if agency is not None:
            c.credentials(HTTP_X_ACTING_AGENCY=str(agency.pk))
        return c

    return make


@pytest.fixture
def demo_world(django_db_setup, django_db_blocker):
    """The demo world, with each table's ids in their own range. Seeded once and kept (outside the
    tests' transactions), so the access sweeps share it; seeded again if a browser test flushed it."""
    from agencies.models import User

    with django_db_blocker.unblock():
        if User.objects.filter(username="probation.luton").exists():
            yield
            return
        with connection.cursor() as cursor:
            for index, model in enumerate(apps.get_models(), start=1):
                pk = model._meta.pk
                if (
                    model._meta.managed
                    and not model._meta.proxy
                    and isinstance(pk, models.AutoField)
                ):
                    cursor.execute(
                        "SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, pk.column]
                    )
                    seq = cursor.fetchone()[0]
                    if seq:
                        cursor.execute("SELECT setval(%s, %s, false)", [seq, index * 1_000_000])
        call_command("seed_demo", "--force", "--people", "24", stdout=open("/dev/null", "w"))  # noqa: SIM115
        yield


# --- The application's database role (issue 16, audit/db_roles.py) ------------------------------
APP_ROLE_PASSWORD = "test-only-app-role"  # noqa: S105 - trust auth on the test server; never a real secret


@pytest.fixture(scope="session")
def app_role(django_db_setup, django_db_blocker):
    """The application role in the test database, created and granted by the production command
    (`manage.py db_app_role`), named after the test database so parallel runs never share it."""
    name = f"{connection.settings_dict['NAME']}_app"[:63]
    with django_db_blocker.unblock():
        os.environ["DATABASE_APP_PASSWORD"] = APP_ROLE_PASSWORD
        try:
            call_command("db_app_role", name, stdout=open(os.devnull, "w"))  # noqa: SIM115
        finally:
            os.environ.pop("DATABASE_APP_PASSWORD", None)
    return name


@pytest.fixture
def as_app_role(app_role):
    """Run the rest of the test (the ORM, views) as the application role."""
    with connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{app_role}"')
    yield app_role
