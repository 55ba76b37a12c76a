"""Readable access logs (issue 18): every event reads as a sentence with names, never a model label
or a "#319"; every page name and object type the code records has words."""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import reverse

from audit.describe import describe_events, object_words, page_words, sentence
from audit.models import AccessEvent, Action
from audit.services import access_event_record, access_list_record
from core.api import AuditedList

ROOT = Path(__file__).resolve().parents[2]
APPS = ["agencies", "audit", "casework", "consent", "core", "custody", "employers", "referrals"]
APPS += ["reporting"]
# calls whose last string argument is the page recorded (a view's little wrapper round
# access_event_record)
PAGE_HELPERS = {"_viewed", "_audit_view"}
PAGE_ATTRIBUTES = {"page_name", "audit_page"}
pytestmark = pytest.mark.django_db
DOTTED = re.compile(r"\b[a-z_]+\.[a-z_]+\b")


def _literal(node):
    """A string constant, or an f-string with each placeholder as a plain word."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "Something" for v in node.values)
    return None


def _name(func):
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def recorded_pages() -> set[str]:
    """Every page name the code records, read from the source: page= and detail={"page": ...} of
    access_event_record and access_list_record, the views' _viewed/_audit_view wrappers, the API's
    page_name/audit_page attributes, and "api:<segment>" of every audited API list."""
    pages = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "/migrations/" in path.as_posix():
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call):
                    name = _name(node.func)
                    if name in ("access_event_record", "access_list_record"):
                        for kw in node.keywords:
                            if kw.arg == "page" and _literal(kw.value):
                                pages.add(_literal(kw.value))
                            if kw.arg == "detail" and isinstance(kw.value, ast.Dict):
                                for key, value in zip(kw.value.keys, kw.value.values, strict=True):
                                    if _literal(key) == "page" and _literal(value):
                                        pages.add(_literal(value))
                    if name in PAGE_HELPERS:
                        texts = [_literal(a) for a in node.args if _literal(a)]
                        if texts:
                            pages.add(texts[-1])
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                    for target in node.targets:
                        named = isinstance(target, ast.Name) and target.id in PAGE_ATTRIBUTES
                        if named and node.value.value:
                            pages.add(node.value.value)
    from config.api_urls import router, urlpatterns

    for prefix, viewset, _basename in router.registry:
        if issubclass(viewset, AuditedList) and not viewset.audit_page:
            pages.add("api:" + prefix.rstrip("/").rsplit("/", 1)[-1])
    for pattern in urlpatterns:
        cls = getattr(pattern.callback, "cls", None)
        actions = getattr(pattern.callback, "actions", None) or {"get": "list"}
        if "format>" in str(pattern.pattern) or actions.get("get") != "list":
            continue  # a format suffix, or not a list: no list event
        if cls and issubclass(cls, AuditedList) and not cls.audit_page:
            parts = [p.strip("^$") for p in str(pattern.pattern).split("/")]
            literal = [p for p in parts if p and not set(p) & set("<>()[]")]
            pages.add("api:" + literal[-1])
    return pages


def _readable(text: str) -> None:
    assert text and "#" not in text, text
    assert not DOTTED.search(text), text
    assert "_" not in text and ":" not in text.replace("” form", ""), text


def test_the_source_records_the_pages_we_know():
    pages = recorded_pages()
    assert {"assessment", "caseload", "consent", "api:people", "closure edit form"} <= pages
    assert "Something form: Something" in pages  # an f-string page, its placeholder filled


def test_every_recorded_page_has_words():
    for page in sorted(recorded_pages()):
        words = page_words(page)
        _readable(words)
        assert words.split(" ", 1)[0] in ("the", "who", "everything"), page


def test_every_model_has_words():
    labels = {model._meta.label_lower for model in apps.get_models()}
    for label in sorted(labels):
        words = object_words(label)
        _readable(words)
        assert words.startswith("the "), label


def test_each_action_reads_as_a_sentence(caseworker_a, person_a):
    users = {caseworker_a.pk: caseworker_a}
    names = {person_a.pk: "Jordan Alpha"}
    for action in Action.values:
        for object_type in ("", "casework.person", "custody.claimclosure", "casework.case"):
            for page in ("", "assessment", "api", "api:people", "plan form: Add a goal"):
                event = AccessEvent(
                    user=caseworker_a,
                    person_id=person_a.pk,
                    action=action,
                    object_type=object_type,
                    object_id="319",
                    detail={"page": page} if page else {},
                )
                text = sentence(event, users=users, names=names)
                assert text.startswith(caseworker_a.get_full_name()), text
                assert "Jordan Alpha" in text, text
                _readable(text.replace(caseworker_a.get_full_name(), "Name"))


def test_the_words_for_common_events(caseworker_a, person_a, case_a):
    caseworker_a.first_name, caseworker_a.last_name = "Priya", "Shah"
    caseworker_a.save()
    events = [
        access_event_record(
            user=caseworker_a,
            action=Action.VIEW,
            person=person_a,
            obj=case_a,
            detail={"page": "assessment"},
        ),
        AccessEvent(
            user=caseworker_a,
            person=person_a,
            action=Action.CREATE,
            object_type="custody.claimclosure",
            object_id="319",
        ),
        access_list_record(
            user=caseworker_a, action=Action.VIEW, page="caseload", people=[person_a.pk]
        ),
        AccessEvent(user=None, person=person_a, action=Action.ANONYMISE, detail={"system": "x_y"}),
    ]
    described = describe_events(events, reader=caseworker_a)
    assert [e.description for e in described] == [
        "Priya Shah viewed the assessment of Jordan Alpha",
        "Priya Shah created a claim closure for Jordan Alpha",
        "Priya Shah viewed the caseload page, which showed 1 person",
        "The x y job anonymised the record of Jordan Alpha",
    ]
    on_log = describe_events(events[2:3], reader=caseworker_a, person=person_a)
    assert on_log[0].description == "Priya Shah viewed the caseload page, which showed Jordan Alpha"


def test_the_person_access_log_reads_as_sentences(client_for, caseworker_a, person_a, case_a):
    client = client_for(caseworker_a)
    client.get(reverse("casework:case_assessment", args=[case_a.pk]))
    body = client.get(reverse("audit:person_access_log", args=[person_a.pk])).content.decode()
    name = caseworker_a.get_full_name()
    assert f"{name} viewed the assessment of {person_a.full_name}" in body
    assert "casework.case" not in body and f"#{person_a.pk}" not in body


def test_the_staff_access_log_names_only_people_the_manager_may_see(
    client_for, caseworker_a, manager_a, person_a, person_b
):
    client_for(caseworker_a).get(reverse("casework:person_detail", args=[person_a.pk]))
    # an event about a person agency A does not see (as if a share had ended)
    access_event_record(user=caseworker_a, action=Action.VIEW, person=person_b)
    body = (
        client_for(manager_a)
        .get(reverse("audit:user_access"), {"user": caseworker_a.pk})
        .content.decode()
    )
    name = caseworker_a.get_full_name()
    assert f"{name} viewed the record of {person_a.full_name}" in body
    assert f"{name} viewed the record of a person whose record you cannot see" in body
    assert person_b.full_name not in body and f"#{person_b.pk}" not in body


def test_names_come_in_the_same_queries_however_many_people_a_page_names(
    client_for, caseworker_a, manager_a, person_a
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import person_with_case

    client = client_for(manager_a)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("audit:user_access"), {"user": caseworker_a.pk})
        assert response.status_code == 200
        return response.content.decode(), len(captured)

    access_event_record(user=caseworker_a, action=Action.VIEW, person=person_a)
    _body, few = queries()
    others = [
        person_with_case(caseworker_a, first_name="Other", last_name=f"Person{k}")[0]
        for k in range(6)
    ]
    for other in others:
        access_event_record(user=caseworker_a, action=Action.VIEW, person=other)
    access_list_record(
        user=caseworker_a, action=Action.VIEW, page="caseload", people=[p.pk for p in others]
    )
    body, many = queries()
    assert many == few
    assert all(f"viewed the record of {p.full_name}" in body for p in others)
    assert "viewed the caseload page, which showed 6 people" in body
