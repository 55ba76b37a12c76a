"""Prometheus metrics (issue 23, core/metrics.py): a protected /metrics with requests by view name and
status, latency histograms, Celery task counts and durations, queue lengths and reports in progress;
labels never hold a path, an id or a name. tests/deploy/test_many_instances.py scrapes gunicorn
(two processes, multiprocess mode) and a worker's own port."""

import re

import pytest
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

from tests.redis_url import redis_url

TOKEN = "metrics-test-token-0123456789"


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client, token=TOKEN, **extra):
    return client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}", **extra)


def samples(text: str) -> dict:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found, name, **labels):
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_not_there_without_the_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert scrape(client, token="").status_code == 404
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 404
    assert scrape(client, token="wrong").status_code == 404
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


@pytest.mark.django_db
def test_requests_by_view_name_and_status_with_latency(
    client_for, caseworker_a, person_a, client, token, settings
):
    settings.CELERY_BROKER_URL = redis_url(12)
    before = samples(scrape(client).content.decode())
    user = client_for(caseworker_a)
    assert user.get(reverse("casework:caseload")).status_code == 200
    assert user.get(reverse("casework:person_detail", args=[person_a.pk])).status_code == 200
    assert user.get(f"/people/?q={person_a.last_name}").status_code == 200
    assert user.get("/no-such-page/12345/").status_code == 404
    response = scrape(client, HTTP_HOST="10.42.0.17:8000")  # Prometheus scrapes the pod address
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    after = samples(text)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    total = "resettle_http_requests_total"
    assert delta(total, view="casework:caseload", method="GET", status="200") == 1
    assert delta(total, view="casework:person_detail", method="GET", status="200") == 1
    assert delta(total, view="casework:person_search", method="GET", status="200") == 1
    assert delta(total, view="unmatched", method="GET", status="404") == 1
    count = "resettle_http_request_duration_seconds_count"
    assert delta(count, view="casework:caseload", method="GET") == 1
    assert (
        value(
            after,
            "resettle_http_request_duration_seconds_bucket",
            view="casework:caseload",
            method="GET",
            le="+Inf",
        )
        >= 1
    )
    assert "resettle_celery_queue_length" in text and 'queue="celery"' in text
    assert 'resettle_reports{status="running"}' in text
    # No personal data and no ids in any label: view names only.
    assert person_a.last_name not in text and person_a.first_name not in text
    assert f"/{person_a.pk}/" not in text and "12345" not in text
    for labels in re.findall(r"\{([^}]*)\}", text):
        assert "/" not in labels, labels


@pytest.mark.django_db
def test_celery_task_counts_and_durations(client, token):
    from core.tasks import runjob_task

    before = samples(scrape(client).content.decode())
    runjob_task.delay("resend_pending_tasks")  # eager in tests: the same task signals fire
    after = samples(scrape(client).content.decode())
    name = "core.tasks.runjob_task"
    key = "resettle_celery_tasks_total"
    assert (
        value(after, key, task=name, state="success")
        - value(before, key, task=name, state="success")
        == 1
    )
    assert (
        value(after, "resettle_celery_task_duration_seconds_count", task=name)
        - value(before, "resettle_celery_task_duration_seconds_count", task=name)
        == 1
    )


@pytest.mark.django_db
def test_reports_in_progress_are_counted_at_scrape_time(client, token, agency_a):
    import datetime

    from django.utils import timezone

    from reporting.models import Report, ReportScope

    now = timezone.now()
    month = datetime.date(2025, 1, 1)
    for i, (status, beat) in enumerate(
        [("queued", now), ("running", now), ("running", now - datetime.timedelta(hours=1))]
    ):
        Report.objects.create(
            month=month.replace(month=i + 1),
            to_month=month.replace(month=i + 1),
            scope=ReportScope.AGENCY,
            agency=agency_a,
            status=status,
            heartbeat_at=beat,
        )
    found = samples(scrape(client).content.decode())
    assert value(found, "resettle_reports", status="queued") == 1
    assert value(found, "resettle_reports", status="running") == 2
    assert value(found, "resettle_reports", status="stalled") == 1
