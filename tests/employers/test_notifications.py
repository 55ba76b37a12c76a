"""In-app notifications (issue 18) for the retention checks due and an expired consent."""

import datetime

import pytest
from django.test import TestCase

from consent import services as consent_services
from consent.models import ConsentRecord
from core.models import Notification
from employers import services as employer_services
from employers.models import RetentionCheck

pytestmark = pytest.mark.django_db


def test_checks_due_and_an_expired_consent_are_notices_too(
    caseworker_a, adviser_a, shared_person, make_spell, case_a
):
    spell = make_spell(shared_person, weeks_ago=5)
    check_ids = list(spell.checks.values_list("pk", flat=True)[:1])
    RetentionCheck.objects.filter(pk__in=check_ids).update(status="due")
    adviser_a.email = ""
    adviser_a.save()
    employer_services.retention_checks_notify(adviser_id=adviser_a.pk, check_ids=check_ids)
    notice = Notification.objects.get(user=adviser_a, kind="checks_due")
    assert "1 retention check on your caseload is now due" in notice.message

    Notification.objects.all().delete()
    consent = ConsentRecord.objects.filter(person=shared_person).first()
    ConsentRecord.objects.filter(pk=consent.pk).update(
        given_on=datetime.date.today() - datetime.timedelta(days=30),
        expires_on=datetime.date.today() - datetime.timedelta(days=1),
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        consent_services.consent_expiry_record()
    expired = Notification.objects.get(kind="consent_expired")
    assert expired.user == caseworker_a  # the case owner
