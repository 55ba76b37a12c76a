"""The printable case summary (issue 18): the owning agency downloads a PDF of what it may see of
the case, audited; partners are refused; each section is there only when the reader's Access sees
it (read back with pypdf, as the reporting tests do)."""

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from agencies.models import Role
from audit.models import AccessEvent, Action
from casework import case_summary, services
from consent import policy
from tests.factories import AgencyFactory, share_with, staff

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def worked_case(caseworker_a, case_a):
    today = datetime.date.today()
    services.action_add(user=caseworker_a, case=case_a, description="Write a CV", due_date=today)
    services.note_add(
        user=caseworker_a,
        case=case_a,
        note_type="phone",
        contact_on=today,
        body="Talked about the job fair",
    )
    services.note_add(
        user=caseworker_a,
        case=case_a,
        note_type="phone",
        contact_on=today,
        body="Spoke about the GP appointment",
        sensitive=True,
        sensitive_part="health",
    )
    return case_a


def test_the_owner_downloads_a_pdf_of_the_case_and_it_is_audited(
    client_for, caseworker_a, person_a, worked_case
):
    client = client_for(caseworker_a)
    page = client.get(reverse("casework:case_detail", args=[worked_case.pk])).content.decode()
    url = reverse("casework:case_summary_pdf", args=[worked_case.pk])
    assert "Download a case summary (PDF)" in page and url in page

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith('attachment; filename="case-summary-')
    text = _text(response.content)
    assert person_a.full_name in text
    assert "Action plan" in text and "Write a CV" in text
    assert "Recent notes" in text and "Talked about the job fair" in text
    assert "Spoke about the GP appointment" in text  # the owner sees every sensitive part

    event = AccessEvent.objects.filter(user=caseworker_a, action=Action.DOWNLOAD).get()
    assert event.person_id == person_a.pk
    assert event.detail["page"] == "case_summary"
    assert "plan" in event.detail["sections"] and "notes" in event.detail["sections"]


def test_sections_the_reader_does_not_see_are_left_out(
    caseworker_a, caseworker_b, agency_b, person_a, worked_case
):
    """What goes in is the reader's Access: a partner given identity, case and plan only gets
    no notes (so no sensitive note), referrals, job starts or assessment. (The view refuses a
    partner; the rule is checked here on the summary itself.)"""
    share_with(caseworker_a, worked_case, agency_b, categories=["identity", "case", "plan"])
    policy.forget(caseworker_b)
    data = case_summary.collect(user=caseworker_b, case=worked_case)
    assert data["sections"] == ["identity", "case", "plan"]
    text = _text(case_summary.as_pdf(data))
    assert person_a.full_name in text and "Write a CV" in text
    for hidden in ("Recent notes", "job fair", "GP appointment", "Job starts", "Assessment"):
        assert hidden not in text, hidden

    owner = case_summary.collect(user=caseworker_a, case=worked_case)
    assert set(owner["sections"]) >= {"assessment", "notes", "referrals", "employment"}


def test_a_partner_is_refused_and_a_stranger_finds_nothing(
    client_for, caseworker_a, caseworker_b, agency_b, worked_case
):
    share_with(caseworker_a, worked_case, agency_b)
    url = reverse("casework:case_summary_pdf", args=[worked_case.pk])
    partner = client_for(caseworker_b)
    page = partner.get(reverse("casework:case_detail", args=[worked_case.pk])).content.decode()
    assert "Download a case summary" not in page
    assert partner.get(url).status_code == 403  # as the case's other owner-only pages
    stranger = staff("stranger", AgencyFactory(name="Probation C"), Role.CASEWORKER)
    assert client_for(stranger).get(url).status_code == 404
    assert not AccessEvent.objects.filter(action=Action.DOWNLOAD).exists()


def test_the_access_log_says_who_downloaded_it(client_for, caseworker_a, person_a, worked_case):
    client = client_for(caseworker_a)
    client.get(reverse("casework:case_summary_pdf", args=[worked_case.pk]))
    log = client.get(reverse("audit:person_access_log", args=[person_a.pk])).content.decode()
    expected = f"{caseworker_a.get_full_name()} downloaded the case summary of {person_a.full_name}"
    assert expected in log
