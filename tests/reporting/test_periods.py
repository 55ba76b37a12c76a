"""Reports over any run of whole months: the period's validation, people counted once, the page and the API."""

import datetime

import pytest
from django.urls import reverse

from consent import policy
from core.errors import ApplicationError
from reporting import measures, services
from reporting.models import Report
from reporting.periods import add_months, financial_year_start, month_start
from tests.reporting.test_employment_measures import jobs  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def figures(month, to_month, **scope):
    ctx = measures.context_for(month=month, to_month=to_month, **scope)
    return {(r.measure, r.breakdown): r for r in measures.compute_all(ctx)}


def test_a_quarter_counts_each_person_once_however_many_jobs_they_start(
    jobs,  # noqa: F811
    agency_a,
    report_month,
):
    quarter = figures(add_months(report_month, -2), report_month, agency=agency_a)
    # seven spells start in the quarter (P2 and P3 two each, in different months): five people
    assert quarter[("job_starts", "all")].value == 5
    assert quarter[("job_starts", "support_level:high")].value == 4
    assert quarter[("starts", "all")].value == 3
    month = figures(report_month, report_month, agency=agency_a)
    assert month[("job_starts", "all")].value == 3


def test_a_one_month_period_equals_the_monthly_report(world, agency_a, report_month):
    one = figures(report_month, report_month, agency=agency_a)
    monthly = {
        (r.measure, r.breakdown): r
        for r in measures.compute_all(measures.context_for(month=report_month, agency=agency_a))
    }
    assert [r.cells() for r in one.values()] == [r.cells() for r in monthly.values()]


def test_the_target_is_pro_rated_to_the_months_of_the_year_to_the_period_end(
    world, agency_a, report_month, settings
):
    fy = financial_year_start(report_month)
    rows = figures(fy, report_month, agency=agency_a)
    months = (report_month.year - fy.year) * 12 + report_month.month - fy.month + 1
    assert rows[("enduring_jobs_target_year_to_date", "all")].value == round(
        settings.ENDURING_JOBS_ANNUAL_TARGET * months / 12
    )


def test_a_quarter_is_one_outcomes_report_and_a_one_month_period_the_monthly_one(
    world, manager_a, report_month, django_capture_on_commit_callbacks
):
    first = add_months(report_month, -2)
    with django_capture_on_commit_callbacks(execute=True):
        report, queued = services.report_request(
            user=manager_a, from_month=first, to_month=report_month
        )
    report.refresh_from_db()
    assert queued and report.status == "ready", report.error
    assert (report.kind, report.month, report.to_month) == ("outcomes", first, report_month)
    assert report.period_label.endswith(f"{report_month:%B %Y}") and " to " in report.period_label
    assert report.data_as_at is not None
    monthly, _ = services.report_request(
        user=manager_a, from_month=report_month, to_month=report_month
    )
    assert monthly.kind == "monthly_outcomes"
    again, queued = services.report_request(user=manager_a, month=report_month)
    assert again.pk == monthly.pk and not queued


@pytest.mark.parametrize(
    "offset_from, offset_to, message",
    [
        (0, -1, "must not be before its start"),
        (0, 1, "must not end in the future"),
        (-36, 0, "at most 36 months"),
    ],
)
def test_a_bad_period_is_refused_and_nothing_is_stored(manager_a, offset_from, offset_to, message):
    this_month = month_start(policy.today())
    with pytest.raises(ApplicationError, match=message) as exc:
        services.report_request(
            user=manager_a,
            from_month=add_months(this_month, offset_from),
            to_month=add_months(this_month, offset_to),
        )
    assert exc.value.field == "to_month"
    assert not Report.objects.exists()


def test_thirty_six_months_is_allowed(manager_a):
    this_month = month_start(policy.today())
    report, queued = services.report_request(
        user=manager_a, from_month=add_months(this_month, -35), to_month=this_month
    )
    assert queued and report.months == 36


def test_the_page_requests_a_quarter_and_shows_a_bad_period_on_the_form(
    client_for, manager_a, report_month
):
    client = client_for(manager_a)
    first = add_months(report_month, -2)
    response = client.post(
        reverse("reporting:report_list"),
        {"from_month": f"{report_month:%Y-%m}", "to_month": f"{first:%Y-%m}"},
    )
    assert response.status_code == 200
    assert "The end of the period must not be before its start" in response.content.decode()
    assert not Report.objects.exists()
    response = client.post(
        reverse("reporting:report_list"),
        {"from_month": f"{first:%Y-%m}", "to_month": f"{report_month:%Y-%m}"},
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.month, report.to_month) == (first, report_month)
    page = client.get(reverse("reporting:report_list")).content.decode()
    assert report.period_label in page


def test_the_api_takes_from_and_to_and_shows_them_with_the_as_at_time(
    api_for, commissioner_manager, world, report_month, django_capture_on_commit_callbacks
):
    api = api_for(commissioner_manager)
    fy = financial_year_start(report_month)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(
            "/api/v1/reports/",
            {"kind": "outcomes", "from": f"{fy:%Y-%m}", "to": f"{report_month:%Y-%m}"},
            format="json",
        )
    assert created.status_code == 201, created.content
    body = api.get(f"/api/v1/reports/{created.json()['id']}/").json()
    assert (body["from"], body["to"], body["scope"], body["status"]) == (
        f"{fy:%Y-%m}",
        f"{report_month:%Y-%m}",
        "region",
        "ready",
    )
    assert datetime.datetime.fromisoformat(body["as_at"])
    bad = api.post(
        "/api/v1/reports/",
        {"kind": "outcomes", "from": f"{report_month:%Y-%m}", "to": f"{fy:%Y-%m}"},
        format="json",
    )
    if fy != report_month:
        assert bad.status_code == 400 and "to" in bad.json()
    missing = api.post("/api/v1/reports/", {"kind": "outcomes", "from": "2026-01"}, format="json")
    assert missing.status_code == 400 and "to" in missing.json()
    assert Report.objects.count() == 1


# --- As at, and rebuilt reports keep their earlier versions ----------------------------------


def _csv(field):
    with field.open("rb") as f:
        return f.read().decode()


def test_a_rebuilt_past_month_is_unchanged_and_keeps_the_earlier_version(
    world, manager_a, report_month, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = services.report_request(user=manager_a, month=report_month)
    report.refresh_from_db()
    first_csv, first_as_at = _csv(report.csv), report.data_as_at
    with django_capture_on_commit_callbacks(execute=True):
        services.report_rebuild(user=manager_a, report=report)
    report.refresh_from_db()
    assert report.status == "ready" and report.data_as_at > first_as_at
    assert _csv(report.csv) == first_csv
    (version,) = report.versions.all()
    assert (version.number, version.data_as_at) == (1, first_as_at)
    assert _csv(version.csv) == first_csv and version.pdf.name != report.pdf.name


def test_a_check_recorded_after_a_build_shows_in_the_rebuild_and_the_old_version_stays(
    jobs,  # noqa: F811
    world,
    manager_a,
    report_month,
    client_for,
    django_capture_on_commit_callbacks,
):
    from employers.models import EmploymentSpell, RetentionCheck

    with django_capture_on_commit_callbacks(execute=True):
        report, _ = services.report_request(user=manager_a, month=report_month)
    report.refresh_from_db()
    row = "continuous_employment_4w,all,0,0,2,1,0,1"
    assert row in _csv(report.csv)
    spell = EmploymentSpell.objects.get(
        person=world["P2"].person, start_date=jobs - datetime.timedelta(days=10)
    )
    RetentionCheck.objects.filter(spell=spell, milestone_weeks=4).update(
        status="recorded", outcome="in_work", evidence="payslip", checked_on=policy.today()
    )
    client = client_for(manager_a)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("reporting:report_rebuild", args=[report.pk])).status_code == 302
    report.refresh_from_db()
    assert "continuous_employment_4w,all,0.333,1,3,1,0,0" in _csv(report.csv)
    assert row in _csv(report.versions.get().csv)
    page = client.get(reverse("reporting:report_list")).content.decode()
    url = reverse("reporting:report_version_download", args=[report.pk, 1, "csv"])
    assert url in page
    download = client.get(url)
    assert download.status_code == 200 and row in b"".join(download.streaming_content).decode()


def test_only_a_ready_report_is_rebuilt_and_another_agency_gets_404(
    world, manager_a, manager_b, report_month, api_for, django_capture_on_commit_callbacks
):
    report, _ = services.report_request(user=manager_a, month=report_month)
    with pytest.raises(ApplicationError):
        services.report_rebuild(user=manager_a, report=report)
    assert api_for(manager_b).post(f"/api/v1/reports/{report.pk}/rebuild/").status_code == 404
    assert api_for(manager_a).post(f"/api/v1/reports/{report.pk}/rebuild/").status_code == 400
