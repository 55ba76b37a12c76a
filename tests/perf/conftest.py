import pytest
from django.core.management import call_command


@pytest.fixture
def load_world():
    """load_world(n) -> generate n synthetic people with generate_load_data (no fast path in tests)."""

    def make(people: int, seed: int = 7):
        call_command(
            "generate_load_data",
            people=people,
            seed=seed,
            no_fast=True,
            validate=50,
            chunk=1000,
            events_per_person=2,
            stdout=open("/dev/null", "w"),  # noqa: SIM115
        )

    return make
