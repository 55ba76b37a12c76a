"""Schemathesis fuzzing of every operation in /api/schema/, with a token of each role.

Runs in-process against the WSGI app and the test database with seeded personas. Every
operation the schema lists is fuzzed (new endpoints are picked up automatically), with valid
(positive) and invalid (negative) inputs, and half the generated path ids replaced by ids of
real seeded records so updates reach the services. Checks: no 5xx, documented content type,
and responses that match the schema. Bounded: FUZZ_EXAMPLES (default 6) positive and half as
many negative examples per operation and role, no deadline.
"""

import os
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from agencies.tokens import api_token_issue
from tests.factories import person_with_case, share_with

pytestmark = pytest.mark.django_db(transaction=False)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 6))
ROLES = [
    "caseworker_a",
    "manager_a",
    "caseworker_b",
    "work_coach_a",
    "ebsa_a",
    "adviser_a",
    "commissioner_manager",
]
# negative_data_rejection is left out on purpose: DRF's paginator falls back to the default page
# size for a malformed ?page_size= instead of answering 400, which is harmless.
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
STATS = Counter()


@pytest.fixture
def wsgi_app():
    """The project's WSGI app, without closing the test transaction's connection between requests."""
    from config.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(
    caseworker_a,
    manager_a,
    caseworker_b,
    work_coach_a,
    ebsa_a,
    adviser_a,
    commissioner_manager,
    person_a,
    case_a,
    person_b,
):
    share_with(caseworker_a, case_a, work_coach_a.acting.agency)
    extra, extra_case = person_with_case(
        caseworker_b, first_name="Casey", last_name="Charlie", crn="X700007"
    )
    consent_ids = list(person_a.consents.values_list("pk", flat=True))
    return {
        "person": [person_a.pk, person_b.pk, extra.pk],
        "case": [case_a.pk, extra_case.pk],
        "consent": consent_ids,
        "agency": [caseworker_a.acting.agency_id, caseworker_b.acting.agency_id],
    }


def _known_ids(path: str, world: dict) -> list[int]:
    for key, segment in (
        ("person", "/people/"),
        ("case", "/cases/"),
        ("consent", "/consents/"),
        ("agency", "/agencies/"),
    ):
        if segment in path:
            return world[key]
    return []


def _fuzz_operation(operation, headers, world, mode, examples):
    ids = _known_ids(operation.path, world)
    strategy = st.tuples(operation.as_strategy(generation_mode=mode), st.sampled_from([None, *ids]))

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(generated):
        case, known = generated
        if known is not None and case.path_parameters:
            for name in case.path_parameters:
                case.path_parameters[name] = known
        response = case.call(headers=headers)
        STATS["requests"] += 1
        STATS[f"status_{response.status_code // 100}xx"] += 1
        case.validate_response(response, checks=CHECKS)

    run()


@pytest.mark.parametrize("role", ROLES)
def test_every_api_operation_survives_fuzzing(role, request, world, wsgi_app):
    user = request.getfixturevalue(role)
    headers = {"Authorization": f"Token {api_token_issue(user=user, two_factor=True)[1]}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", wsgi_app, headers=headers
    )  # the schema is for signed-in users only
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.endswith("/auth/sign-out/"):
            continue  # revokes the token the other operations use; tested in test_api_tokens.py
        operations += 1
        for mode, examples in (
            (GenerationMode.POSITIVE, EXAMPLES),
            (GenerationMode.NEGATIVE, max(1, EXAMPLES // 2)),
        ):
            try:
                _fuzz_operation(operation, headers, world, mode, examples)
            except Unsatisfiable:  # nothing to make invalid (no parameters or body)
                STATS["negative_skipped"] += 1
            except (
                Exception,
                BaseExceptionGroup,
            ) as exc:  # collect every operation's failures, report them together
                failures.append(
                    f"{role} {operation.method.upper()} {operation.path} [{mode}]: {exc}"[:3000]
                )
    STATS["operations"] += operations
    print(f"\nfuzz {role}: {operations} operations, totals so far {dict(STATS)}")
    assert operations >= 10
    assert not failures, "\n\n".join(failures)
