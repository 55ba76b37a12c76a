"""Append-only for real (issue 16): the application's database role may only SELECT and INSERT on the
audit table, the owner's TRUNCATE is refused by a trigger, and the ORM's base manager refuses too.

The role is created the way production creates it (`manage.py db_app_role`, audit/db_roles.py), named
after the test database so parallel test databases never share or drop each other's role."""

import datetime
import io

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError, ProgrammingError
from django.utils import timezone
from psycopg2 import errors as pg_errors

from audit import db_roles
from audit.models import AccessEvent, AppendOnlyError
from audit.retention import access_event_redact
from audit.services import access_event_record
from tests.conftest import APP_ROLE_PASSWORD as PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def app_connection(app_role):
    """A second connection that signs in as the application role, as docker-compose's web does."""
    settings = connection.settings_dict
    conn = psycopg2.connect(
        dbname=settings["NAME"],
        user=app_role,
        password=PASSWORD,
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
    )
    try:
        yield conn
    finally:
        conn.rollback()  # nothing it inserted is kept
        conn.close()


def _refused(conn, sql, params=None):
    """Run sql in a savepoint and return the error class (None if it was allowed)."""
    with conn.cursor() as cur:
        cur.execute("SAVEPOINT attempt")
        try:
            cur.execute(sql, params)
        except psycopg2.Error as exc:
            cur.execute("ROLLBACK TO SAVEPOINT attempt")
            return type(exc)
        cur.execute("RELEASE SAVEPOINT attempt")
        return None


def test_the_application_role_may_only_read_and_append_to_the_audit_table(app_role):
    rights = db_roles.app_role_privileges(app_role)
    assert {k for k, v in rights.items() if v} == {"SELECT", "INSERT"}


def test_as_the_application_role_update_delete_truncate_and_disabling_the_trigger_are_refused(
    app_connection,
):
    with app_connection.cursor() as cur:
        cur.execute(
            "INSERT INTO audit_accessevent (at, action, object_type, object_id, detail) "
            "VALUES (now(), 'view', 'test', '1', '{}') RETURNING id"
        )
        event_id = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM audit_accessevent WHERE id = %s", [event_id])
        assert cur.fetchone()[0] == 1
    attempts = {
        "update": ("UPDATE audit_accessevent SET action = 'change' WHERE id = %s", [event_id]),
        "delete": ("DELETE FROM audit_accessevent WHERE id = %s", [event_id]),
        "truncate": ("TRUNCATE audit_accessevent", None),
        "disable trigger": (
            "ALTER TABLE audit_accessevent DISABLE TRIGGER audit_accessevent_append_only",
            None,
        ),
        "disable all triggers": ("ALTER TABLE audit_accessevent DISABLE TRIGGER ALL", None),
        "drop trigger": (
            "DROP TRIGGER audit_accessevent_no_truncate ON audit_accessevent",
            None,
        ),
        "set the redaction flag then update": (
            "SELECT set_config('resettle.audit_redact', 'on', true); "
            "UPDATE audit_accessevent SET detail = '{}' WHERE id = %s",
            [event_id],
        ),
        "say the database is throw-away then truncate": (
            "SET LOCAL resettle.audit_truncate = 'allow'; TRUNCATE audit_accessevent",
            None,
        ),
        "take the owner's role": ("SET ROLE postgres", None),
    }
    results = {
        name: _refused(app_connection, sql, params) for name, (sql, params) in attempts.items()
    }
    assert results == dict.fromkeys(attempts, pg_errors.InsufficientPrivilege)
    with app_connection.cursor() as cur:
        cur.execute("SELECT action FROM audit_accessevent WHERE id = %s", [event_id])
        assert cur.fetchone()[0] == "view"


def test_the_owner_cannot_truncate_update_or_delete_either(caseworker_a, person_a):
    """The trigger holds for the table's owner (here the test superuser) unless it is removed."""
    event = access_event_record(user=caseworker_a, action="view", person=person_a)
    for sql in (
        "SET CONSTRAINTS ALL IMMEDIATE; SET LOCAL resettle.audit_truncate = 'refuse'; "
        "TRUNCATE audit_accessevent",
        "UPDATE audit_accessevent SET action = 'change' WHERE id = %s",
        "DELETE FROM audit_accessevent WHERE id = %s",
    ):
        with (
            pytest.raises(ProgrammingError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk] if "%s" in sql else None)
    assert AccessEvent.objects.filter(pk=event.pk, action="view").exists()


def test_the_application_works_as_its_role_and_audits_a_read(
    client_for, caseworker_a, person_a, as_app_role
):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == as_app_role
    before = AccessEvent.objects.filter(person=person_a).count()
    response = client_for(caseworker_a).get(f"/people/{person_a.pk}/")
    assert response.status_code == 200
    assert AccessEvent.objects.filter(person=person_a).count() == before + 1
    with (
        pytest.raises(ProgrammingError, match="permission denied"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_accessevent")


def test_the_orm_base_manager_refuses_updates_and_deletes(caseworker_a, person_a):
    event = access_event_record(user=caseworker_a, action="view", person=person_a)
    managers = (AccessEvent._base_manager, AccessEvent._default_manager, AccessEvent.objects)
    for manager in managers:
        rows = manager.filter(pk=event.pk)
        for attempt in (
            lambda rows=rows: rows.update(action="change"),
            lambda rows=rows: rows.delete(),
            lambda rows=rows: rows._raw_delete(rows.db),
            lambda rows=rows: rows._update({"action": "change"}),
            lambda rows=rows: rows.bulk_update([event], ["action"]),
            lambda manager=manager: manager.all().delete(),
        ):
            with pytest.raises(AppendOnlyError):
                attempt()
    loaded = AccessEvent.objects.get(pk=event.pk)
    loaded.action = "change"
    for attempt in (
        loaded.save,
        lambda: loaded.save(update_fields=["action"]),
        loaded.delete,
    ):
        with pytest.raises(AppendOnlyError):
            attempt()
    assert AccessEvent.objects.filter(pk=event.pk, action="view").exists()


def test_retention_redacts_old_detail_through_the_privileged_function_as_the_app_role(
    caseworker_a, person_a, as_app_role
):
    old = AccessEvent.objects.create(
        at=timezone.now() - datetime.timedelta(days=400),
        user=caseworker_a,
        action="search",
        detail={"q": "AB123456C", "page": "casework:search", "people": [person_a.pk]},
    )
    recent = access_event_record(
        user=caseworker_a, action="search", detail={"q": "Alpha", "page": "casework:search"}
    )
    changed = access_event_redact(before=timezone.now() - datetime.timedelta(days=365), keys=["q"])
    assert changed >= 1
    old_detail = AccessEvent.objects.get(pk=old.pk).detail
    assert old_detail == {"page": "casework:search", "people": [person_a.pk]}
    assert AccessEvent.objects.get(pk=recent.pk).detail["q"] == "Alpha"
    with pytest.raises(ValueError, match="never redacted"):
        access_event_redact(before=timezone.now() - datetime.timedelta(days=365), keys=["people"])
    with pytest.raises(ValueError, match="a day old"):
        access_event_redact(before=timezone.now(), keys=["q"])
    with (
        pytest.raises(DatabaseError, match="a day old"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):  # the database checks it too, whoever calls the function
        cursor.execute("SELECT audit_accessevent_redact(now(), ARRAY['q'])")


def test_the_role_command_refuses_the_owner_and_reports_rights(app_role):
    from django.core.management.base import CommandError

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="must not be"):
        call_command("db_app_role", owner)
    out = io.StringIO()
    call_command("db_app_role", app_role, "--check", stdout=out)
    assert "UPDATE no" in out.getvalue() and "INSERT yes" in out.getvalue()
