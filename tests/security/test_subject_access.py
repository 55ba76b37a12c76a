"""Subject access export: a manager of an owning agency downloads everything held on one person."""

import io
import json

import pytest
from django.apps import apps
from pypdf import PdfReader

from agencies.models import Role
from audit.models import AccessEvent, Action
from audit.subject_access import collect, person_related_models
from casework.models import Case, Person, SentenceEpisode
from tests.factories import share_with, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich_person(caseworker_a, person_a, case_a, work_coach_a):
    share_with(caseworker_a, case_a, work_coach_a.acting.agency)
    SentenceEpisode.objects.create(
        person=person_a,
        case=case_a,
        sentence_type="community_order",
        offence_summary="Synthetic summary",
    )
    return person_a


def _export(client, person, fmt):
    return client.post(f"/people/{person.pk}/subject-access/", {"format": fmt})


def test_manager_exports_everything_as_json(client_for, manager_a, rich_person):
    response = _export(client_for(manager_a), rich_person, "json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert data["person"]["first_name"] == "Jordan" and data["person"]["crn"] == "X100001"
    for label in (
        "casework.case",
        "casework.sentenceepisode",
        "casework.leadagencyperiod",
        "consent.consentrecord",
        "consent.caseinvolvement",
        "audit.accessevent",
    ):
        assert data["records"][label], label
    assert data["records"]["casework.sentenceepisode"][0]["offence_summary"] == "Synthetic summary"
    assert data["record_count"] == sum(len(rows) for rows in data["records"].values())


def test_export_is_audited(client_for, manager_a, rich_person):
    _export(client_for(manager_a), rich_person, "json")
    event = AccessEvent.objects.get(action=Action.EXPORT, person=rich_person)
    assert event.user == manager_a and event.detail["format"] == "json"


def test_manager_exports_a_pdf(client_for, manager_a, rich_person):
    response = _export(client_for(manager_a), rich_person, "pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Jordan" in text and "X100001" in text
    assert AccessEvent.objects.filter(
        action=Action.EXPORT, person=rich_person, detail__format="pdf"
    ).exists()


def test_page_offers_both_formats(client_for, manager_a, person_a):
    response = client_for(manager_a).get(f"/people/{person_a.pk}/subject-access/")
    assert response.status_code == 200
    assert b"Download as PDF" in response.content and b"Download as JSON" in response.content
    assert not AccessEvent.objects.filter(
        action=Action.EXPORT
    ).exists()  # viewing the page exports nothing


def test_unknown_format_is_refused(client_for, manager_a, person_a):
    assert _export(client_for(manager_a), person_a, "xml").status_code == 400


def test_person_page_links_to_the_export_for_managers(
    client_for, manager_a, caseworker_a, person_a
):
    link = f"/people/{person_a.pk}/subject-access/".encode()
    assert link in client_for(manager_a).get(f"/people/{person_a.pk}/").content
    assert link not in client_for(caseworker_a).get(f"/people/{person_a.pk}/").content


def test_other_agency_manager_gets_404(client_for, agency_b, person_a):
    manager_b = staff("manager_b", agency_b, Role.MANAGER)
    assert _export(client_for(manager_b), person_a, "json").status_code == 404
    assert client_for(manager_b).get(f"/people/{person_a.pk}/subject-access/").status_code == 404


def test_caseworker_gets_403(client_for, caseworker_a, person_a):
    assert _export(client_for(caseworker_a), person_a, "json").status_code == 403


def test_manager_of_an_involved_agency_gets_403(client_for, rich_person, work_coach_a):
    manager_jc = staff("manager_jc", work_coach_a.acting.agency, Role.MANAGER)
    assert (
        client_for(manager_jc).get(f"/people/{rich_person.pk}/").status_code == 200
    )  # can see the person
    assert _export(client_for(manager_jc), rich_person, "json").status_code == 403


def test_every_model_linked_to_person_or_case_is_included():
    """New apps are covered automatically: any model with a foreign key to Person or Case."""
    person, case = apps.get_model("casework", "Person"), apps.get_model("casework", "Case")
    found = person_related_models()
    for model in apps.get_models():
        targets = {f.related_model for f in model._meta.concrete_fields if f.is_relation}
        if targets & {person, case}:
            assert model in found, model


def test_collect_reaches_rows_two_links_away(rich_person):
    data = collect(rich_person)
    assert (
        data["records"]["casework.leadagencyperiod"][0]["case_id"]
        == Case.objects.get(person=rich_person).pk
    )


def test_collect_does_not_include_other_peoples_rows(rich_person, person_b):
    data = collect(rich_person)
    assert all(
        row.get("person_id") in (None, rich_person.pk)
        for rows in data["records"].values()
        for row in rows
    )
    assert Person.objects.count() >= 2
