"""Reports page, status fragment, scoped and audited downloads, check recording pages, and the API."""

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from reporting import services
from reporting.models import ReoffendingCheck, Report
from reporting.periods import add_months

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_report(world, manager_a, report_month, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = services.report_request(user=manager_a, month=report_month)
    report.refresh_from_db()
    return report


def test_manager_sees_last_months_report_ready_to_download(client_for, manager_a, ready_report):
    page = client_for(manager_a).get(reverse("reporting:report_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("reporting:report_download", args=[ready_report.pk, "pdf"]) in html
    assert reverse("reporting:report_download", args=[ready_report.pk, "csv"]) in html
    assert "data-poll-url" not in html


def test_only_managers_see_reports(client_for, caseworker_a, work_coach_a, ready_report):
    for user in (caseworker_a, work_coach_a):
        assert client_for(user).get(reverse("reporting:report_list")).status_code == 403
        assert (
            client_for(user)
            .get(reverse("reporting:report_download", args=[ready_report.pk, "pdf"]))
            .status_code
            == 403
        )


def test_requesting_a_month_queues_it_and_the_page_polls_its_status(
    client_for, manager_a, world, report_month, django_capture_on_commit_callbacks
):
    month = add_months(report_month, -3)
    with django_capture_on_commit_callbacks(execute=False):
        response = client_for(manager_a).post(
            reverse("reporting:report_list"),
            {"from_month": f"{month:%Y-%m}", "to_month": f"{month:%Y-%m}"},
        )
    assert response.status_code == 302
    report = Report.objects.get(month=month)
    assert report.status == "queued"
    page = client_for(manager_a).get(reverse("reporting:report_list")).content.decode()
    assert reverse("reporting:report_status", args=[report.pk]) in page and "Queued" in page
    Report.objects.filter(pk=report.pk).update(status="running", progress=40)
    fragment = (
        client_for(manager_a)
        .get(reverse("reporting:report_status", args=[report.pk]))
        .content.decode()
    )
    assert "40% done" in fragment and "data-poll-done" not in fragment
    services.report_build(report_id=report.pk)  # claim fails while running: still running
    Report.objects.filter(pk=report.pk).update(status="failed")
    fragment = (
        client_for(manager_a)
        .get(reverse("reporting:report_status", args=[report.pk]))
        .content.decode()
    )
    assert "data-poll-done" in fragment and "Try again" in fragment
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client_for(manager_a)
            .post(reverse("reporting:report_retry", args=[report.pk]))
            .status_code
            == 302
        )
    assert Report.objects.get(pk=report.pk).status == "ready"


def test_a_stalled_build_shows_as_stalled_and_asking_again_rebuilds_it(
    client_for, api_for, manager_a, world, report_month, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    month = add_months(report_month, -2)
    with django_capture_on_commit_callbacks(execute=False):
        report, _ = services.report_request(user=manager_a, month=month)
    long_ago = timezone.now() - datetime.timedelta(hours=1)  # its worker died an hour ago
    Report.objects.filter(pk=report.pk).update(
        status="running", progress=40, started_at=long_ago, heartbeat_at=long_ago
    )
    fragment = (
        client_for(manager_a)
        .get(reverse("reporting:report_status", args=[report.pk]))
        .content.decode()
    )
    assert "Stalled" in fragment and "data-poll-done" in fragment and "Running" not in fragment
    page = client_for(manager_a).get(reverse("reporting:report_list")).content.decode()
    assert "Stalled" in page
    listed = api_for(manager_a).get(f"/api/v1/reports/{report.pk}/").json()
    assert listed["status"] == "running" and listed["stalled"] is True
    with django_capture_on_commit_callbacks(execute=True):
        again = api_for(manager_a).post(
            "/api/v1/reports/", {"month": f"{month:%Y-%m}"}, format="json"
        )
    assert again.status_code == 201  # queued again, not "200 queued for ever"
    assert again.json()["status"] == "queued" and again.json()["stalled"] is False
    assert Report.objects.get(pk=report.pk).status == "ready"


def test_bad_month_is_an_error_on_the_form(client_for, manager_a):
    response = client_for(manager_a).post(
        reverse("reporting:report_list"), {"from_month": "2099-01", "to_month": "2099-01"}
    )
    assert (
        response.status_code == 200 and "Select a month from the list" in response.content.decode()
    )


def test_download_is_audited(client_for, manager_a, ready_report):
    response = client_for(manager_a).get(
        reverse("reporting:report_download", args=[ready_report.pk, "csv"])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"measure,breakdown,value")
    event = AccessEvent.objects.get(user=manager_a, action="download")
    assert (
        event.person is None
        and event.object_id == str(ready_report.pk)
        and event.detail["format"] == "csv"
    )


def test_another_agencys_report_is_not_found(
    client_for, manager_b, commissioner_manager, ready_report
):
    for user in (manager_b, commissioner_manager):
        for name, args in (
            ("report_download", [ready_report.pk, "pdf"]),
            ("report_status", [ready_report.pk]),
            ("report_retry", [ready_report.pk]),
        ):
            method = "post" if name == "report_retry" else "get"
            assert (
                getattr(client_for(user), method)(
                    reverse(f"reporting:{name}", args=args)
                ).status_code
                == 404
            )
    assert not AccessEvent.objects.filter(action="download").exists()


def test_commissioner_gets_the_region_report(
    client_for, commissioner_manager, world, report_month, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(commissioner_manager).post(
            reverse("reporting:report_list"),
            {"from_month": f"{report_month:%Y-%m}", "to_month": f"{report_month:%Y-%m}"},
        )
    report = Report.objects.get()
    assert (
        report.scope == "region"
        and report.region_id == commissioner_manager.acting.agency.region_id
    )
    response = client_for(commissioner_manager).get(
        reverse("reporting:report_download", args=[report.pk, "csv"])
    )
    assert b"starts,all,<5" in b"".join(response.streaming_content)


@pytest.mark.parametrize("months", [1, 6])
def test_reports_page_runs_a_fixed_number_of_queries(
    client_for, manager_a, agency_a, months, django_assert_max_num_queries
):
    from consent import policy
    from reporting.periods import last_month

    for i in range(months):
        Report.objects.create(
            month=add_months(last_month(policy.today()), -i),
            to_month=add_months(last_month(policy.today()), -i),
            scope="agency",
            agency=agency_a,
            status="queued",
        )
    client = client_for(manager_a)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("reporting:report_list")).status_code == 200


def test_owning_caseworker_records_a_check_other_agency_gets_404(
    client_for, caseworker_a, caseworker_b, world
):
    check = ReoffendingCheck.objects.get(case=world["P7"], window="six_months")
    url = reverse("reporting:reoffending_check_record", args=[check.pk])
    assert client_for(caseworker_b).get(url).status_code == 404
    assert client_for(caseworker_b).post(url, {"reoffended": "no"}).status_code == 404
    listing = client_for(caseworker_a).get(reverse("reporting:check_list"))
    assert listing.status_code == 200 and url in listing.content.decode()
    assert client_for(caseworker_a).post(url, {"reoffended": "no"}).status_code == 302
    check.refresh_from_db()
    assert check.status == "recorded" and check.reoffended is False


# --- API ------------------------------------------------------------------------------------


def test_api_request_list_and_download(
    api_for, manager_a, world, report_month, django_capture_on_commit_callbacks
):
    api = api_for(manager_a)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(
            "/api/v1/reports/",
            {"kind": "monthly_outcomes", "month": f"{report_month:%Y-%m}", "scope": "agency"},
            format="json",
        )
    assert created.status_code == 201, created.content
    assert (
        created.json()["month"] == f"{report_month:%Y-%m}" and created.json()["status"] == "queued"
    )
    assert api.get(f"/api/v1/reports/{created.json()['id']}/").json()["status"] == "ready"
    again = api.post(
        "/api/v1/reports/",
        {"kind": "monthly_outcomes", "month": f"{report_month:%Y-%m}", "scope": "agency"},
        format="json",
    )
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    listing = api.get("/api/v1/reports/").json()
    assert listing["count"] == 1 and listing["results"][0]["pdf_url"].endswith(
        f"/api/v1/reports/{created.json()['id']}/pdf/"
    )
    pdf = api.get(f"/api/v1/reports/{created.json()['id']}/pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert (
        AccessEvent.objects.filter(user=manager_a, action="download", detail__format="pdf").count()
        == 1
    )


def test_api_refusals(api_for, manager_a, manager_b, caseworker_a, ready_report):
    assert (
        api_for(manager_a).post("/api/v1/reports/", {"month": "2026-13"}, format="json").status_code
        == 400
    )
    assert (
        api_for(manager_a)
        .post("/api/v1/reports/", {"month": "2026-01", "scope": "region"}, format="json")
        .status_code
        == 403
    )
    assert api_for(caseworker_a).get("/api/v1/reports/").status_code == 403
    assert api_for(caseworker_a).get(f"/api/v1/reports/{ready_report.pk}/csv/").status_code == 403
    assert api_for(manager_b).get(f"/api/v1/reports/{ready_report.pk}/csv/").status_code == 404
    assert api_for(manager_b).get(f"/api/v1/reports/{ready_report.pk}/").status_code == 404


def test_case_page_shows_post_exit_checks_to_the_owner(client_for, caseworker_a, world):
    page = (
        client_for(caseworker_a)
        .get(reverse("casework:case_detail", args=[world["P7"].pk]))
        .content.decode()
    )
    assert "Post-exit checks" in page and "Not recorded (unknown)" in page
    assert (
        reverse(
            "reporting:reoffending_check_record",
            args=[ReoffendingCheck.objects.get(case=world["P7"], window="six_months").pk],
        )
        in page
    )
