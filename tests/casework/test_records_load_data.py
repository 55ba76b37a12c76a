"""Issue 19: generate_load_data writes the new records in realistic shares."""

import pytest
from django.core.management import call_command

from casework.models import AccommodationOutcome, Assessment, Course, Qualification, RiskLicence
from custody.models import ClaimClosure, ScanRow

pytestmark = pytest.mark.django_db(transaction=True)


def test_load_data_has_risk_learning_accommodation_and_coded_needs():
    call_command(
        "generate_load_data",
        people=200,
        seed=3,
        no_fast=True,
        validate=20,
        chunk=200,
        events_per_person=1,
        stdout=open("/dev/null", "w"),  # noqa: SIM115
    )
    assert RiskLicence.objects.count() > 50
    assert Qualification.objects.filter(status="held").count() > 50
    assert Course.objects.exists() and AccommodationOutcome.objects.exists()
    coded = Assessment.objects.exclude(self_reported_need_codes=[]).count()
    assert coded == Assessment.objects.count() > 0
    with_none = Assessment.objects.filter(self_reported_need_codes__contains=["none"])
    assert all(a.self_reported_need_codes == ["none"] for a in with_none)
    # matching scans: the rows behind closures found by the scan, and rows that matched nobody
    matched = ScanRow.objects.filter(closure__isnull=False)
    assert matched.exists() and all(r.closure.found_by != "ebsa_casework" for r in matched)
    assert matched.count() <= ClaimClosure.objects.exclude(found_by="ebsa_casework").count()
    unmatched = ScanRow.objects.filter(outcome="no_match")
    assert set(unmatched.values_list("item_state", flat=True)) <= {"open", "dismissed"}
    assert all(r.person_id is None for r in unmatched)
