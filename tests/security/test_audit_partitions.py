"""The audit table partitioned by month (issue 23, migration audit 0005, docs/adr/0110): every
partition keeps the append-only and TRUNCATE triggers, the application role has no right on any
partition, back-dated events wait in the default partition until the job gives their month its own,
redaction reaches every partition, and months past AUDIT_ONLINE_MONTHS are archived to storage,
dropped, and still found by a manager's access-log search (audited)."""

import datetime
import gzip
import json

import psycopg2
import pytest
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse
from django.utils import timezone
from psycopg2 import errors as pg_errors

from audit import archive, partitions
from audit.models import AccessEvent, Action, ArchivedMonth
from audit.retention import access_event_redact
from audit.services import access_event_record
from core import jobs
from tests.conftest import APP_ROLE_PASSWORD

pytestmark = pytest.mark.django_db


def _partition_of(event_id):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM audit_accessevent WHERE id = %s", [event_id]
        )
        return cursor.fetchone()[0]


def _triggers(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [table],
        )
        return {row[0] for row in cursor.fetchall()}


def _months_ago(months):
    return partitions.month_add(partitions.this_month(), -months)


def test_migrate_made_this_and_next_month_and_every_partition_keeps_both_triggers():
    assert partitions.partitioned()
    found = partitions.partitions()
    months = {m for _n, m, _e in found if m}
    start = partitions.this_month()
    assert {start, partitions.month_add(start, 1)} <= months
    assert partitions.DEFAULT_PARTITION in {n for n, _m, _e in found}
    for name, _month, _estimate in found:
        assert _triggers(name) == {"audit_accessevent_append_only", "audit_accessevent_no_truncate"}
    event = AccessEvent.objects.create(action=Action.VIEW, object_type="test")
    assert _partition_of(event.pk) == f"audit_accessevent_p{start:%Y_%m}"


def test_a_back_dated_event_waits_in_the_default_partition_until_the_job_gives_it_a_month(
    caseworker_a, person_a, as_app_role
):
    # a month within the online period with no partition yet, if earlier tests left one free
    existing = {m for _n, m, _e in partitions.partitions()}
    days = next(
        (
            d
            for d in range(200, 700, 28)
            if partitions.month_start((timezone.now() - datetime.timedelta(days=d)).date())
            not in existing
        ),
        200,
    )
    old = AccessEvent.objects.create(
        at=timezone.now() - datetime.timedelta(days=days),
        user=caseworker_a,
        person=person_a,
        action=Action.VIEW,
    )
    month = partitions.month_start(old.at.astimezone(datetime.UTC).date())
    waiting = month not in existing
    assert _partition_of(old.pk) == (
        partitions.DEFAULT_PARTITION if waiting else f"audit_accessevent_p{month:%Y_%m}"
    )
    result = jobs.run("audit_partitions")  # as the application role, through the definer function
    assert result["partitions_created"] >= (1 if waiting else 0)
    assert _partition_of(old.pk) == f"audit_accessevent_p{month:%Y_%m}"
    assert AccessEvent.objects.get(pk=old.pk).person_id == person_a.pk
    ahead = partitions.month_add(partitions.this_month(), 3)
    assert ahead in {m for _n, m, _e in partitions.partitions()}
    assert jobs.run("audit_partitions")["partitions_created"] == 0  # safe to run twice


def test_redaction_reaches_events_in_every_partition(caseworker_a, as_app_role):
    events = [
        AccessEvent.objects.create(
            at=timezone.now() - datetime.timedelta(days=days),
            user=caseworker_a,
            action=Action.SEARCH,
            detail={"q": "AB123456C", "page": "casework:search"},
        )
        for days in (100, 160, 250)
    ]
    jobs.run("audit_partitions")
    assert len({_partition_of(e.pk) for e in events}) == 3
    changed = access_event_redact(before=timezone.now() - datetime.timedelta(days=90), keys=["q"])
    assert changed >= 3
    for event in events:
        assert AccessEvent.objects.get(pk=event.pk).detail == {"page": "casework:search"}


@pytest.fixture
def app_connection(app_role):
    settings = connection.settings_dict
    conn = psycopg2.connect(
        dbname=settings["NAME"],
        user=app_role,
        password=APP_ROLE_PASSWORD,
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
    )
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()


def test_the_application_role_cannot_touch_a_partition_directly(app_connection):
    part = f"audit_accessevent_p{partitions.this_month():%Y_%m}"
    with app_connection.cursor() as cur:
        cur.execute(
            "INSERT INTO audit_accessevent (at, action, object_type, object_id, detail) "
            "VALUES (now(), 'view', 'test', '1', '{}') RETURNING id"
        )
        event_id = cur.fetchone()[0]
    attempts = {
        "update": f"UPDATE {part} SET action = 'change' WHERE id = {event_id}",  # noqa: S608
        "delete": f"DELETE FROM {part} WHERE id = {event_id}",  # noqa: S608
        "truncate": f"TRUNCATE {part}",
        "truncate default": "TRUNCATE audit_accessevent_default",
        "delete from default with the move flag": "SELECT set_config('resettle.audit_move', "
        "'on', true); DELETE FROM audit_accessevent_default",
        "detach": f"ALTER TABLE audit_accessevent DETACH PARTITION {part}",
        "drop": f"DROP TABLE {part}",
        "drop a recent month through the function": "SELECT audit_accessevent_partition_drop("
        "current_date, 0)",
    }
    results = {}
    for name, sql in attempts.items():
        with app_connection.cursor() as cur:
            cur.execute("SAVEPOINT attempt")
            try:
                cur.execute(sql)
                results[name] = None
            except psycopg2.Error as exc:
                results[name] = type(exc)
            cur.execute("ROLLBACK TO SAVEPOINT attempt")
    expected = dict.fromkeys(attempts, pg_errors.InsufficientPrivilege)
    expected["drop a recent month through the function"] = pg_errors.RaiseException
    assert results == expected
    with app_connection.cursor() as cur:
        cur.execute("SELECT action FROM audit_accessevent WHERE id = %s", [event_id])
        assert cur.fetchone()[0] == "view"


@pytest.fixture
def archive_files():
    yield
    for name in (
        default_storage.listdir(archive.ARCHIVE_DIR)[1]
        if default_storage.exists(archive.ARCHIVE_DIR)
        else []
    ):
        default_storage.delete(f"{archive.ARCHIVE_DIR}/{name}")


@pytest.mark.django_db(transaction=True)
def test_old_months_are_archived_dropped_and_still_found_by_a_managers_search(
    client_for, caseworker_a, manager_a, person_a, app_role, archive_files, settings
):
    """Committed events, as in production (a partition with pending foreign-key checks of the same
    transaction cannot be dropped); the job runs as the application role."""
    settings.AUDIT_ONLINE_MONTHS = 24
    month = _months_ago(30)
    at = partitions.month_bounds(month)[0] + datetime.timedelta(days=3, hours=2)
    with transaction.atomic():
        old = [
            AccessEvent.objects.create(
                at=at + datetime.timedelta(minutes=k),
                user=caseworker_a,
                agency=caseworker_a.memberships.first().agency,
                person=person_a,
                action=Action.VIEW,
                object_type="casework.person",
                object_id=str(person_a.pk),
                detail={"page": "person"},
            )
            for k in range(3)
        ]
    partitions.partition_ensure(month)
    kept = AccessEvent.objects.create(
        at=partitions.month_bounds(_months_ago(6))[0] + datetime.timedelta(days=1),
        user=caseworker_a,
        action=Action.VIEW,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{app_role}"')
        result = jobs.run("audit_partitions")
    assert result["months_archived"] >= 1 and result["events_archived"] >= 3
    assert not AccessEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AccessEvent.objects.filter(pk=kept.pk).exists()
    assert month not in {m for _n, m, _e in partitions.partitions()}
    record = ArchivedMonth.objects.get(month=month)
    assert record.events == 3
    with default_storage.open(record.path, "rb") as raw:
        lines = gzip.decompress(raw.read()).decode().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [e.pk for e in old]

    searches = AccessEvent.objects.filter(detail__page="access_log_archive").count()
    client = client_for(manager_a)
    response = client.get(f"/access-log/?user={caseworker_a.pk}&archived=1")
    assert response.status_code == 200
    # Other tests' committed months may be archived too (newer ones come first): the first batch is
    # the newest months; the batch that starts at this test's month finds its three events.
    archived = list(ArchivedMonth.objects.order_by("-month").values_list("month", flat=True))
    per_request = settings.AUDIT_ARCHIVE_MONTHS_PER_REQUEST
    body = response.content.decode()
    assert f"Searched {min(per_request, len(archived))} of {len(archived)} archived months" in body
    start = archived.index(month)
    response = client.get(f"/access-log/?user={caseworker_a.pk}&archived=1&from={start}")
    body = response.content.decode()
    assert body.count(f"of {person_a.full_name}") >= 3
    assert AccessEvent.objects.filter(detail__page="access_log_archive").count() == searches + 2
    event = AccessEvent.objects.filter(detail__page="access_log_archive").latest("at", "id")
    assert event.user == manager_a
    assert event.detail["months"] == [f"{m:%Y-%m}" for m in archived[start : start + per_request]]
    assert client.get(f"/access-log/?user={caseworker_a.pk}&archived=1&from=x").status_code == 200

    # The person's own access log searches the archives too, for the case team, audited.
    team = client_for(caseworker_a)
    log = reverse("audit:person_access_log", args=[person_a.pk])
    assert "Search archived months" in team.get(log).content.decode()
    page = team.get(f"{log}?archived=1&from={start}").content.decode()
    older = page.split('id="archived-results"', 1)[1]
    assert older.count('<tr class="govuk-table__row">') - 1 == 3  # the header row, then 3 events
    searched = AccessEvent.objects.filter(detail__page="access_log_archive").latest("at", "id")
    assert searched.user == caseworker_a and searched.detail["person_log"] == person_a.pk


def test_a_month_is_never_dropped_without_its_archive():
    month = _months_ago(30)
    partitions.partition_ensure(month)
    with (
        pytest.raises(DatabaseError, match="no archive"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT audit_accessevent_partition_drop(%s, 0)", [month])
    assert month in {m for _n, m, _e in partitions.partitions()}


def test_the_record_writes_into_this_months_partition(caseworker_a, person_a):
    event = access_event_record(user=caseworker_a, action=Action.VIEW, person=person_a)
    assert _partition_of(event.pk).startswith("audit_accessevent_p")
