"""JSON logs (issue 23, core/logging.py): one JSON object per line with a request id (X-Request-ID
when it is a plain id, else a new one, returned in the response), the user's id and the acting
agency's id, and never personal data.

The journey test signs the demo people's caseworker and manager in, walks pages and the API
(searching by name, NI number, prison number, CRN and date of birth, opening people and cases,
a form refused with a name in it, a 404), with every logger at DEBUG into the JSON handler, then
greps everything written for every demo person's names and identifiers.
"""

import io
import json
import logging

import pytest
from django.test import Client
from django.urls import reverse

from core.logging import JsonFormatter, RequestContext, request_id_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log():
    """The configured console handler (settings.LOGGING), JSON formatter, everything at DEBUG."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    root = logging.getLogger()
    quiet = {name: logging.getLogger(name).level for name in ("axes", "django.db.backends")}
    buffer = io.StringIO()
    saved = (handler.formatter, handler.setStream(buffer), root.level)
    handler.setFormatter(JsonFormatter())
    root.setLevel(logging.DEBUG)
    for name in quiet:  # what production has at LOG_LEVEL=DEBUG (the SQL logger stays WARNING)
        logging.getLogger(name).setLevel(logging.DEBUG if name == "axes" else logging.WARNING)
    yield buffer
    handler.setFormatter(saved[0])
    handler.setStream(saved[1])
    root.setLevel(saved[2])
    for name, level in quiet.items():
        logging.getLogger(name).setLevel(level)


def test_request_ids_are_taken_only_when_they_are_plain_ids():
    assert request_id_from("0f8fad5b-d9cb-469f-a165-70867728950e") == (
        "0f8fad5b-d9cb-469f-a165-70867728950e"
    )
    for bad in ("", None, "short", "Jordan-Alpha-1990-05-17", "x" * 65, "abc def 0123456789"):
        generated = request_id_from(bad)
        assert generated != bad and len(generated) == 32


def test_each_record_carries_the_request_user_and_agency_ids(json_log, client_for, caseworker_a):
    client = client_for(caseworker_a)
    given = "0123456789abcdef0123456789abcdef"
    response = client.get(reverse("casework:caseload"), HTTP_X_REQUEST_ID=given)
    assert response["X-Request-ID"] == given
    other = client.get(reverse("casework:caseload"), HTTP_X_REQUEST_ID="Jordan Alpha")
    assert other["X-Request-ID"] != "Jordan Alpha" and len(other["X-Request-ID"]) == 32
    logging.getLogger("probe").info("outside any request")
    # A record written inside the request, after sign-in (the view's own logger).
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = caseworker_a
    from core.logging import _request, _request_id

    tokens = (_request_id.set(given), _request.set(request))
    try:
        record = logging.LogRecord("probe", logging.INFO, __file__, 1, "inside", None, None)
        RequestContext().filter(record)
    finally:
        _request.reset(tokens[1])
        _request_id.reset(tokens[0])
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == given and line["user_id"] == caseworker_a.pk
    assert line["agency_id"] == caseworker_a.acting.agency_id
    outside = [json.loads(x) for x in json_log.getvalue().splitlines()][-1]
    assert outside["message"] == "outside any request" and "request_id" not in outside


def test_an_exception_is_logged_with_its_type_and_stack_not_its_message(json_log):
    try:
        raise ValueError("duplicate key (national_insurance_number)=(QQ123456C)")
    except ValueError:
        logging.getLogger("probe").exception("save failed")
    line = json.loads(json_log.getvalue().splitlines()[-1])
    assert line["exc_type"] == "builtins.ValueError" and line["stack"]
    assert "QQ123456C" not in json_log.getvalue()


def _secrets(people) -> set[str]:
    found = set()
    for p in people:
        found |= {p.first_name, p.last_name, f"{p.first_name} {p.last_name}"}
        for value in (p.crn, p.prison_number, p.national_insurance_number, p.aliases):
            if value:
                found.add(value)
        dob = p.date_of_birth
        found |= {dob.isoformat(), f"{dob:%d/%m/%Y}", f"{dob.day} {dob:%B %Y}", f"{dob:%d %B %Y}"}
    return {s for s in found if len(s) >= 3}


def test_a_full_journey_logs_json_with_ids_and_no_personal_data(json_log, demo_world, settings):
    from agencies.models import User
    from casework.models import Case, Person

    settings.RATE_LIMIT_ENABLED = True  # the limiter's cache keys are in play too
    people = list(Person.objects.all())
    assert len(people) >= 20
    caseworker = Client()
    response = caseworker.post(
        reverse("login"), {"username": "probation.luton", "password": settings.DEMO_PASSWORD}
    )
    assert response.status_code == 302, "demo caseworker sign-in failed"
    user = User.objects.get(username="probation.luton")
    mine = list(
        Case.objects.filter(owning_agency__memberships__user=user).select_related("person")[:3]
    )
    assert mine
    person = mine[0].person
    terms = [
        person.last_name,
        f"{person.first_name} {person.last_name}",
        person.crn,
        person.national_insurance_number,
        person.prison_number,
        person.date_of_birth.isoformat(),
        f"{person.date_of_birth:%d/%m/%Y}",
        "Nobody-Called-This",
    ]
    terms = [t for t in terms if t]
    pages = [reverse("casework:caseload"), reverse("casework:my_work")]
    for case in mine:
        pages += [
            reverse("casework:person_detail", args=[case.person_id]),
            reverse("casework:case_detail", args=[case.pk]),
            reverse("casework:case_timeline", args=[case.pk]),
        ]
    for page in pages:
        assert caseworker.get(page).status_code == 200, page
    for term in terms:
        assert caseworker.get(reverse("casework:person_search"), {"q": term}).status_code == 200
        api = caseworker.get("/api/v1/people/", {"q": term}, HTTP_ACCEPT="application/json")
        assert api.status_code == 200, api.content[:200]
    assert caseworker.get(f"/api/v1/people/{person.pk}/").status_code == 200
    assert caseworker.get(f"/api/v1/cases/{mine[0].pk}/").status_code == 200
    refused = caseworker.post(
        reverse("casework:person_create"),
        {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "date_of_birth": "31/02/1990",
        },
    )
    assert refused.status_code == 200  # the form again, with its messages
    caseworker.raise_request_exception = False
    assert caseworker.get(f"/no-such-page/{person.last_name}/").status_code == 404
    manager = Client()
    assert (
        manager.post(
            reverse("login"), {"username": "manager.luton", "password": settings.DEMO_PASSWORD}
        ).status_code
        == 302
    )
    for page in (reverse("casework:caseload"), reverse("reporting:report_list")):
        assert manager.get(page).status_code == 200, page
    assert (
        manager.get(reverse("casework:person_search"), {"q": person.last_name}).status_code == 200
    )
    caseworker.post(reverse("logout"))

    text = json_log.getvalue()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert len(lines) >= 3, text[:2000]  # the journey was logged (sign-ins, the 404)
    in_requests = [line for line in lines if line.get("request_id")]
    assert in_requests and all(len(line["request_id"]) >= 16 for line in in_requests)
    app_lines = [line for line in lines if not line["logger"].startswith("celery")]
    assert any(line.get("user_id") == user.pk and line.get("agency_id") for line in lines), (
        "\n".join(json.dumps(x) for x in app_lines)
    )
    assert any("/no-such-page/" in line["message"] for line in lines)
    leaked = sorted(s for s in _secrets(people) | set(terms) if s in text)
    assert not leaked, f"personal data in the logs: {leaked}"
