"""The retention sweep through a real Celery worker on Redis (not eager)."""

import datetime

import pytest

from employers import services
from employers.models import RetentionCheck
from tests.factories import person_with_case, share_with
from tests.redis_url import redis_url

REDIS = redis_url(14)


@pytest.fixture
def real_worker():
    from celery.contrib.testing.worker import start_worker

    import employers.tasks  # noqa: F401 - registers the tasks with the app
    from config.celery import app

    keys = ("task_always_eager", "broker_url", "result_backend")
    saved = {k: app.conf.get(k) for k in keys}
    app.conf.update(task_always_eager=False, broker_url=REDIS, result_backend=REDIS)
    app._local.__dict__.pop(
        "backend", None
    )  # the backend is cached per thread: rebuild it from the new URL
    app._pool = None
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
            yield app
    finally:
        app.conf.update(saved)
        app._local.__dict__.pop("backend", None)
        app._pool = None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_sweep_runs_through_a_real_celery_worker_on_redis(
    real_worker, caseworker_a, provider_a, adviser_a
):
    from employers.tasks import retention_sweep_task

    person, case = person_with_case(caseworker_a, last_name="Worker")
    share_with(caseworker_a, case, provider_a)
    employer = services.employer_create(
        user=adviser_a, name="Worker Test Ltd", sector="retail", town="Luton"
    )
    spell = services.employment_spell_create(
        user=adviser_a,
        person=person,
        employer=employer,
        job_title="Shelf stacker",
        start_date=datetime.date.today() - datetime.timedelta(days=30),
    )
    async_result = retention_sweep_task.delay()
    assert type(async_result).__name__ == "AsyncResult"  # sent to Redis, not run eagerly
    result = async_result.get(timeout=30)
    assert result["due"] == 1 and result["notified"] == 1
    check = RetentionCheck.objects.get(spell=spell, milestone_weeks=4)
    assert check.status == "due" and check.notified_at is not None
    again = retention_sweep_task.delay().get(timeout=30)
    assert (again["due"], again["overdue"], again["notified"]) == (0, 0, 0)
