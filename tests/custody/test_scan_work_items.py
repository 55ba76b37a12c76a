"""Scan rows that match nobody are work items (issue 19): the EBSA finds the person, adds them, or
dismisses the row with a reason; nobody else sees or works them."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import AgencyKind, Role
from audit.models import AccessEvent
from casework.models import Person
from custody.models import ClaimClosure, ScanImport, ScanRow
from tests.factories import AgencyFactory, staff

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today
HEADER = "ni_number,prison_number,last_name,date_of_birth,sex,reception_date,benefit,benefit_delivery_centre\r\n"


def _date(name: str, value: datetime.date) -> dict:
    return {f"{name}_day": value.day, f"{name}_month": value.month, f"{name}_year": value.year}


def _import(client, content: str):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("custody:scan_upload"),
            {"file": SimpleUploadedFile("scan.csv", content.encode(), content_type="text/csv")},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(response.url)
    return ScanImport.objects.get(status="done")


def _item(user, *, last_name="Nobody", line=1, **fields) -> ScanRow:
    scan = ScanImport.objects.filter(
        agency=user.acting.agency
    ).first() or ScanImport.objects.create(
        agency=user.acting.agency,
        uploaded_by=user,
        filename="scan.csv",
        sha256="0" * 64,
        status="done",
    )
    values = {
        "reception_date": TODAY() - datetime.timedelta(days=5),
        "benefit": "universal_credit",
        "outcome": "no_match",
        "item_state": "open",
    } | fields
    return ScanRow.objects.create(
        scan=scan,
        agency=scan.agency,
        row_key=f"{last_name}-{line}",
        line=line,
        last_name=last_name,
        **values,
    )


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_row_that_matches_nobody_becomes_an_open_item_on_the_worklist(
    client_for, ebsa_a, prisoner, surgery
):
    received = (TODAY() - datetime.timedelta(days=10)).isoformat()
    client = client_for(ebsa_a)
    _import(
        client,
        HEADER
        + f"AB123456C,A1234BC,Inside,,,{received},universal_credit,\r\n"
        + f"JZ987654A,,Stranger,1990-02-03,f,{received},housing_benefit,Bedford BDC\r\n",
    )
    matched, unknown = ScanRow.objects.order_by("line")
    assert matched.item_state == "" and matched.closure is not None
    assert unknown.item_state == "open" and unknown.outcome == "no_match"
    assert (unknown.date_of_birth, unknown.sex, unknown.benefit_delivery_centre) == (
        datetime.date(1990, 2, 3),
        "female",
        "Bedford BDC",
    )
    html = client.get(reverse("custody:worklist")).content.decode()
    assert "Scan rows that matched nobody (1)" in html
    listing = client.get(reverse("custody:scan_items")).content.decode()
    assert "STRANGER" in listing and "INSIDE" not in listing


def test_find_the_person_and_record_the_closure_from_the_row(
    client_for, ebsa_a, prisoner, prison_site
):
    # the scan spelt no identifiers: the surname finds the person the EBSA sees at its prison
    item = _item(ebsa_a, last_name="INSIDE", reception_date=TODAY() - datetime.timedelta(days=10))
    client = client_for(ebsa_a)
    page = client.get(reverse("custody:scan_item_detail", args=[item.pk])).content.decode()
    link = f"{reverse('custody:closure_create', args=[prisoner.pk])}?item={item.pk}"
    assert "Casey" in page and link.replace("&", "&amp;") in page
    # searching by NI number finds them too; a stranger's surname finds nobody
    by_ni = client.get(reverse("custody:scan_item_detail", args=[item.pk]), {"q": "ab 12 34 56 c"})
    assert "Casey" in by_ni.content.decode()
    none = client.get(reverse("custody:scan_item_detail", args=[item.pk]), {"q": "Zebedee"})
    assert 'id="no-candidates"' in none.content.decode()

    form = client.get(link)
    assert form.status_code == 200
    initial = form.context["form"].initial
    assert initial["reception_date"] == item.reception_date
    assert initial["benefits"] == ["universal_credit"] and initial["found_by"] == "matching_scan"
    assert initial["establishment"] == prison_site.pk
    response = client.post(
        link,
        {
            "establishment": prison_site.pk,
            **_date("reception_date", item.reception_date),
            "benefits": ["universal_credit"],
            "found_by": "matching_scan",
            **_date("received_on", TODAY()),
        },
    )
    assert response.status_code == 302 and response.url == reverse("custody:scan_items")
    item.refresh_from_db()
    closure = ClaimClosure.objects.get(person=prisoner)
    assert (item.item_state, item.closure, item.person, item.resolved_by) == (
        "resolved",
        closure,
        prisoner,
        ebsa_a,
    )
    assert AccessEvent.objects.filter(
        object_type="custody.scanrow", object_id=str(item.pk), person_id=prisoner.pk
    ).exists()
    # the item is done: opening the form again says so instead of recording a second closure
    again = client.get(link)
    assert again.status_code == 302 and again.url.endswith(f"/scan-items/{item.pk}/")


def test_a_refused_closure_leaves_the_item_open_and_keeps_the_answers(
    client_for, ebsa_a, prisoner, prison_site
):
    item = _item(ebsa_a, last_name="Inside")
    client = client_for(ebsa_a)
    link = f"{reverse('custody:closure_create', args=[prisoner.pk])}?item={item.pk}"
    tomorrow = TODAY() + datetime.timedelta(days=1)
    response = client.post(
        link,
        {
            "establishment": prison_site.pk,
            **_date("reception_date", item.reception_date),
            "benefits": ["universal_credit"],
            "found_by": "matching_scan",
            **_date("received_on", TODAY()),
            **_date("sent_to_bdc_on", tomorrow),
            "bdc_contact_method": "secure_email",
        },
    )
    assert response.status_code == 200
    assert "must be today or in the past" in response.content.decode()
    assert f'value="{tomorrow.year}"' in response.content.decode()
    item.refresh_from_db()
    assert item.item_state == "open" and not ClaimClosure.objects.exists()


def test_add_the_person_then_record_their_closure(client_for, ebsa_a, surgery, prison_site):
    item = _item(
        ebsa_a,
        last_name="STRANGER",
        national_insurance_number="JZ987654A",
        date_of_birth=datetime.date(1990, 2, 3),
        sex="female",
    )
    client = client_for(ebsa_a)
    url = reverse("custody:scan_item_add_person", args=[item.pk])
    form = client.get(url)
    assert form.context["form"].initial == {
        "last_name": "Stranger",
        "national_insurance_number": "JZ987654A",
        "date_of_birth": datetime.date(1990, 2, 3),
        "sex": "female",
        "accommodation_status": "unknown",
        "employment_status": "unknown",
        "benefit_status": "claiming",
    }
    missing = client.post(url, {"last_name": "Stranger", "sex": "female"})
    assert "Enter a first name" in missing.content.decode() and not Person.objects.exists()
    response = client.post(
        url,
        {
            "first_name": "Sam",
            "last_name": "Stranger",
            **_date("date_of_birth", datetime.date(1990, 2, 3)),
            "sex": "female",
            "national_insurance_number": "JZ987654A",
            "accommodation_status": "unknown",
            "employment_status": "unknown",
            "benefit_status": "claiming",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person = Person.objects.get(last_name="Stranger")
    assert person.created_by_agency == ebsa_a.acting.agency
    assert response.url == f"{reverse('custody:closure_create', args=[person.pk])}?item={item.pk}"
    client.post(
        response.url,
        {
            "establishment": prison_site.pk,
            **_date("reception_date", item.reception_date),
            "benefits": ["universal_credit"],
            "found_by": "matching_scan",
            "national_insurance_number": "JZ987654A",
            **_date("received_on", TODAY()),
        },
    )
    item.refresh_from_db()
    assert item.item_state == "resolved" and item.closure.person == person


def test_dismiss_needs_a_reason_and_a_note_for_a_wrong_row(client_for, ebsa_a, surgery):
    item = _item(ebsa_a)
    client = client_for(ebsa_a)
    url = reverse("custody:scan_item_dismiss", args=[item.pk])
    blank = client.post(url, {"version": item.version})
    assert "Select why this work item needs no claim closure" in blank.content.decode()
    wrong = client.post(url, {"version": item.version, "reason": "row_wrong"})
    assert "Say what is wrong with the row" in wrong.content.decode()
    item.refresh_from_db()
    assert item.item_state == "open"
    stale = client.post(url, {"version": item.version + 1, "reason": "not_held"})
    assert "Someone else has changed this work item" in stale.content.decode()
    done = client.post(
        url, {"version": item.version, "reason": "row_wrong", "note": "Typed twice in the scan"}
    )
    assert done.status_code == 302
    item.refresh_from_db()
    assert (item.item_state, item.dismiss_reason, item.dismiss_note, item.resolved_by) == (
        "dismissed",
        "row_wrong",
        "Typed twice in the scan",
        ebsa_a,
    )
    assert AccessEvent.objects.filter(
        object_type="custody.scanrow", object_id=str(item.pk), detail__dismissed="row_wrong"
    ).exists()
    assert "STRANGER" not in client.get(reverse("custody:scan_items")).content.decode()
    dismissed = client.get(reverse("custody:scan_items"), {"state": "dismissed"}).content.decode()
    assert "NOBODY" in dismissed
    # dismissed is final: the form sends the EBSA back to the item
    assert client.post(url, {"version": item.version, "reason": "not_held"}).status_code == 302
    item.refresh_from_db()
    assert item.dismiss_reason == "row_wrong"


def test_only_the_importing_jobcentres_ebsas_and_managers_see_the_items(
    client_for, ebsa_a, work_coach_a, caseworker_a, prison_jobcentre, region, surgery
):
    item = _item(ebsa_a)
    other = AgencyFactory(name="Jobcentre B", kind=AgencyKind.JOBCENTRE, region=region)
    other_ebsa = staff("ebsa_b", other, Role.EBSA)
    coach_here = staff("coach_here", prison_jobcentre, Role.WORK_COACH)
    manager_here = staff("manager_here", prison_jobcentre, Role.MANAGER)
    urls = [
        reverse("custody:scan_items"),
        reverse("custody:scan_item_detail", args=[item.pk]),
        reverse("custody:scan_item_dismiss", args=[item.pk]),
        reverse("custody:scan_item_add_person", args=[item.pk]),
        f"/api/v1/scan-items/{item.pk}/",
    ]
    for user in (other_ebsa, coach_here, work_coach_a, caseworker_a):
        client = client_for(user)
        for url in urls[1:]:
            assert client.get(url).status_code == 404, (user.username, url)
        assert (
            client.post(
                f"/api/v1/scan-items/{item.pk}/dismiss/",
                {"reason": "not_held", "version": 1},
                content_type="application/json",
            ).status_code
            == 404
        )
    assert client_for(other_ebsa).get("/api/v1/scan-items/").json()["results"] == []
    assert client_for(manager_here).get(urls[1]).status_code == 200
    item.refresh_from_db()
    assert item.item_state == "open"


def test_the_api_lists_dismisses_and_resolves_items(client_for, ebsa_a, prisoner, prison_site):
    first = _item(ebsa_a, last_name="Inside", line=1)
    second = _item(ebsa_a, last_name="Nobody", line=2)
    client = client_for(ebsa_a)
    listed = client.get("/api/v1/scan-items/").json()
    assert [row["id"] for row in listed["results"]] == [first.pk, second.pk]
    assert listed["results"][0]["state"] == "open"
    assert client.get("/api/v1/scan-items/", {"state": "nonsense"}).status_code == 400
    bad = client.post(
        f"/api/v1/scan-items/{second.pk}/dismiss/",
        {"reason": "row_wrong", "version": 1},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "what is wrong" in bad.content.decode()
    stale = client.post(
        f"/api/v1/scan-items/{second.pk}/dismiss/",
        {"reason": "not_held", "version": 7},
        content_type="application/json",
    )
    assert stale.status_code == 409
    ok = client.post(
        f"/api/v1/scan-items/{second.pk}/dismiss/",
        {"reason": "not_held", "version": 1},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["state"] == "dismissed"
    payload = {
        "person": prisoner.pk,
        "establishment": prison_site.pk,
        "reception_date": first.reception_date.isoformat(),
        "benefits": ["universal_credit"],
        "found_by": "matching_scan",
        "scan_item": first.pk,
    }
    created = client.post("/api/v1/claim-closures/", payload, content_type="application/json")
    assert created.status_code == 201, created.content
    first.refresh_from_db()
    assert first.item_state == "resolved" and first.closure_id == created.json()["id"]
    # an item already dealt with cannot resolve a second closure
    again = client.post(
        "/api/v1/claim-closures/",
        payload
        | {"reception_date": (first.reception_date - datetime.timedelta(days=1)).isoformat()},
        content_type="application/json",
    )
    assert again.status_code == 409 and ClaimClosure.objects.count() == 1


def test_an_item_cannot_be_used_to_record_a_closure_for_someone_unseen(
    client_for, ebsa_a, caseworker_a, prison_site, surgery
):
    """The row names nobody the EBSA sees; linking it to a person they cannot see is a 404."""
    from tests.factories import person_with_case

    hidden, _ = person_with_case(caseworker_a, first_name="Hidden", last_name="Person")
    item = _item(ebsa_a, last_name="Person")
    client = client_for(ebsa_a)
    page = client.get(reverse("custody:scan_item_detail", args=[item.pk])).content.decode()
    assert "Hidden" not in page
    link = f"{reverse('custody:closure_create', args=[hidden.pk])}?item={item.pk}"
    assert client.get(link).status_code == 404
    api = client.post(
        "/api/v1/claim-closures/",
        {
            "person": hidden.pk,
            "establishment": prison_site.pk,
            "reception_date": item.reception_date.isoformat(),
            "found_by": "matching_scan",
            "scan_item": item.pk,
        },
        content_type="application/json",
    )
    assert api.status_code == 400 and not ClaimClosure.objects.exists()
    item.refresh_from_db()
    assert item.item_state == "open"


def test_the_item_list_runs_a_fixed_number_of_queries(client_for, ebsa_a, surgery, prison_site):
    client = client_for(ebsa_a)
    _item(ebsa_a, line=1)
    client.get(reverse("custody:scan_items"))
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("custody:scan_items")).status_code == 200
    for line in range(2, 40):
        _item(ebsa_a, last_name=f"Nobody{line}", line=line)
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("custody:scan_items")).content.decode()
    assert "39 rows" in html
    assert len(many.captured_queries) == len(one.captured_queries)
    with CaptureQueriesContext(connection) as worklist:
        client.get(reverse("custody:worklist"))
    # the worklist counts the items in one query whatever their number
    assert sum("custody_scanrow" in q["sql"] for q in worklist.captured_queries) == 1
