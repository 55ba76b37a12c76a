import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from audit.models import AccessEvent
from audit.services import access_event_record

pytestmark = pytest.mark.django_db


def test_database_trigger_refuses_update_and_delete(caseworker_a, person_a):
    event = access_event_record(user=caseworker_a, action="view", person=person_a)
    for sql in (
        "UPDATE audit_accessevent SET action = 'change' WHERE id = %s",
        "DELETE FROM audit_accessevent WHERE id = %s",
    ):
        with (
            pytest.raises(ProgrammingError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AccessEvent.objects.filter(pk=event.pk, action="view").exists()


def test_application_cannot_edit_or_delete_events(caseworker_a, person_a):
    event = access_event_record(user=caseworker_a, action="view", person=person_a)
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AccessEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(TypeError):
        AccessEvent.objects.filter(pk=event.pk).update(action="change")


def test_audit_refuses_to_log_without_an_actor(person_a):
    with pytest.raises(ValueError, match="actor"):
        access_event_record(user=None, action="view", person=person_a)


def test_manager_lists_all_access_by_a_user(client_for, manager_a, caseworker_a, person_a):
    client_for(caseworker_a).get(f"/people/{person_a.pk}/")
    html = client_for(manager_a).get("/access-log/", {"user": caseworker_a.pk}).content.decode()
    assert f"{caseworker_a.get_full_name()} viewed the record of {person_a.full_name}" in html


def test_non_manager_cannot_list_staff_access(client_for, caseworker_a):
    assert client_for(caseworker_a).get("/access-log/").status_code == 403
