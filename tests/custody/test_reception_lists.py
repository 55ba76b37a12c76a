"""A prison's reception list imports with the scan's preview-then-import flow (issue 19): people
received here stay on the worklist, unknown people become rows to find or add, no closures are made,
and bad rows are refused with a message each, nothing stored from a rejected file."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from custody import scan_items, services
from custody.models import ClaimClosure, ScanImport, ScanRow
from tests.custody.conftest import receive
from tests.factories import person_with_case

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today
HEADER = "prison_number,first_name,last_name,date_of_birth,sex,reception_date\r\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _upload(client, content: str, kind="reception_list"):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            reverse("custody:scan_upload"),
            {
                "kind": kind,
                "file": SimpleUploadedFile("receptions.csv", content.encode(), "text/csv"),
            },
        )


def _day(days_ago: int) -> str:
    return (TODAY() - datetime.timedelta(days=days_ago)).isoformat()


def test_a_reception_list_previews_then_imports_without_making_closures(
    client_for, ebsa_a, caseworker_a, prisoner, prison_site
):
    recorded, _ = person_with_case(
        caseworker_a, first_name="Rita", last_name="Recorded", prison_number="B2345CD"
    )
    receive(recorded, prison_site, days_ago=20)
    services.claim_closure_create(
        user=ebsa_a,
        person=recorded,
        establishment=prison_site,
        reception_date=TODAY() - datetime.timedelta(days=20),
        benefits=["jsa"],
    )
    client = client_for(ebsa_a)
    content = (
        HEADER
        + f"A1234BC,Casey,Inside,,,{_day(10)}\r\n"
        + f"B2345CD,Rita,Recorded,,,{_day(20)}\r\n"
        + f"C3456DE,Una,Known,1991-05-06,F,{_day(3)}\r\n"
    )
    response = _upload(client, content)
    assert response.status_code == 302
    preview = ScanImport.objects.get()
    assert preview.kind == "reception_list" and preview.status == "preview"
    assert {k: preview.counts[k] for k in ("on_worklist", "already_recorded", "no_match")} == {
        "on_worklist": 1,
        "already_recorded": 1,
        "no_match": 1,
    }
    html = client.get(response.url).content.decode()
    assert (
        "Check the reception list before importing" in html and "Import the reception list" in html
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(response.url)
    done = ScanImport.objects.get()
    assert done.status == "done"
    # no closure is made from a reception list: the prisoner stays on the worklist
    assert ClaimClosure.objects.count() == 1
    inside = ScanRow.objects.get(last_name="Inside")
    assert (inside.outcome, inside.person, inside.item_state) == ("on_worklist", prisoner, "")
    assert ScanRow.objects.get(last_name="Recorded").closure.person == recorded
    unknown = ScanRow.objects.get(last_name="Known")
    assert unknown.item_state == "open" and unknown.first_name == "Una"
    worklist = client.get(reverse("custody:worklist")).content.decode()
    assert "Scan rows that matched nobody (1)" in worklist and "Inside" in worklist.title()
    # the row to find or add carries the list's answers, not a scan's
    assert scan_items.person_initial(unknown)["first_name"] == "Una"
    initial = scan_items.closure_initial(ScanRow.objects.select_related("scan").get(pk=unknown.pk))
    assert initial["found_by"] == "ebsa_casework" and initial["benefits"] == []
    assert "Reception list imported" in client.get(response.url).content.decode()
    again = _upload(client, content)
    assert again.status_code == 200 and "already imported" in again.content.decode()


def test_bad_rows_get_a_message_each_and_nothing_is_stored(client_for, ebsa_a, surgery):
    client = client_for(ebsa_a)
    content = (
        HEADER
        + f"A1234BC,Casey,,,,{_day(10)}\r\n"
        + f"B2345CD,Rita,Future,,,{(TODAY() + datetime.timedelta(days=3)).isoformat()}\r\n"
        + f"C3456DE,Una,Sexless,1991-05-06,Q,{_day(3)}\r\n"
        + f"=cmd,Eve,Formula,,,{_day(3)}\r\n"
        + f"D4567EF,Dot,Dup,,,{_day(4)}\r\n"
        + f"D4567EF,Dot,Dup,,,{_day(4)}\r\n"
    )
    response = _upload(client, content)
    preview = ScanImport.objects.get()
    assert preview.counts["not_imported"] == 5
    messages = {problem["line"]: problem["message"] for problem in preview.errors}
    assert "Enter the last name" in messages[2]
    assert "reception_date is in the future" in messages[3]
    assert "is not one of M, F" in messages[4]
    assert "run as a formula" in messages[5]
    assert "Duplicate of row 6" in messages[7]
    html = client.get(response.url).content.decode()
    assert "Enter the last name" in html
    assert not ScanRow.objects.exists() and not ClaimClosure.objects.exists()


def test_a_reception_list_with_the_wrong_columns_is_refused_at_once(client_for, ebsa_a, surgery):
    client = client_for(ebsa_a)
    response = _upload(
        client,
        "prison_number,last_name,reception_date,benefit_delivery_centre\r\nA1234BC,X,2026-01-01,Y\r\n",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "not recognised benefit_delivery_centre" in html and "first_name" in html
    assert not ScanImport.objects.exists()
    # the same columns are a matching scan's: a scan without a benefit column is refused
    response = _upload(
        client, HEADER + f"A1234BC,Casey,Inside,,,{_day(1)}\r\n", kind="matching_scan"
    )
    assert "missing benefit" in response.content.decode() and not ScanImport.objects.exists()
