"""Search terms in access events are removed after SEARCH_TERM_RETENTION_DAYS by records_retention
(stored scans: tests/custody/test_scan_uploads.py)."""

import datetime
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from audit.models import AccessEvent, Action

pytestmark = pytest.mark.django_db


def test_search_terms_are_kept_ninety_days():
    assert settings.SEARCH_TERM_RETENTION_DAYS == 90


def _search(user, *, age_days, q, people):
    return AccessEvent.objects.create(
        user=user,
        action=Action.SEARCH,
        at=timezone.now() - datetime.timedelta(days=age_days),
        detail={"page": "search", "q": q, "people": people, "shown": len(people)},
    )


def test_search_terms_older_than_the_period_are_removed_and_the_people_stay(caseworker_a):
    old = _search(caseworker_a, age_days=91, q="QQ123456C", people=[1, 2])
    old_list = AccessEvent.objects.create(
        user=caseworker_a,
        action=Action.VIEW,
        at=timezone.now() - datetime.timedelta(days=100),
        detail={"page": "caseload", "filters": {"q": "Alpha", "stage": "pre"}, "people": [3]},
    )
    recent = _search(caseworker_a, age_days=89, q="Alpha", people=[1])
    out = StringIO()
    call_command("runjob", "records_retention", stdout=out)
    assert AccessEvent.objects.get(pk=old.pk).detail == {
        "page": "search",
        "people": [1, 2],
        "shown": 2,
    }
    assert AccessEvent.objects.get(pk=old_list.pk).detail == {"page": "caseload", "people": [3]}
    assert AccessEvent.objects.get(pk=recent.pk).detail["q"] == "Alpha"
    assert AccessEvent.objects.get(pk=old.pk).user == caseworker_a  # who and when stay


def test_a_second_run_changes_nothing(caseworker_a):
    from core import jobs

    _search(caseworker_a, age_days=91, q="QQ123456C", people=[1])
    assert jobs.registry()["records_retention"]()["search_terms_removed"] == 1
    assert jobs.registry()["records_retention"]()["search_terms_removed"] == 0
