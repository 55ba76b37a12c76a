import pytest
from django.core import mail
from django.core.management import call_command

from core import panels, timeline
from referrals import services
from referrals.models import Provision, Referral, Status

pytestmark = pytest.mark.django_db


def test_timeline_has_one_entry_per_transition_in_fixed_queries(
    sent_a, adviser_a, caseworker_a, case_a, django_assert_max_num_queries
):
    services.referral_accept(user=adviser_a, referral=sent_a)
    from referrals.timeline import timeline_entries

    # the referrals and their transitions, and the restricted people the user is named for
    with django_assert_max_num_queries(3):
        entries = timeline_entries(user=caseworker_a, case=case_a)
    assert [e.title for e in entries] == [
        "Referral to Job club A sent",
        "Referral to Job club A accepted",
    ]
    assert all(e.kind == "referral" for e in entries)
    assert any(
        e.kind == "referral" for e in timeline.entries_for_case(user=caseworker_a, case=case_a)
    )


def test_timeline_and_panel_show_nothing_to_an_agency_that_cannot_see_the_referral(
    sent_a, caseworker_b, case_a
):
    from referrals.timeline import timeline_entries

    assert timeline_entries(user=caseworker_b, case=case_a) == []
    panel = [
        p
        for p in panels.collect("case", user=caseworker_b, case=case_a)
        if p["template"] == "referrals/includes/case_referrals.html"
    ][0]
    assert panel["referrals"] == []


def test_case_panel_lists_the_case_referrals(sent_a, caseworker_a, case_a):
    panel = [
        p
        for p in panels.collect("case", user=caseworker_a, case=case_a)
        if p["template"] == "referrals/includes/case_referrals.html"
    ][0]
    assert panel["referrals"] == [sent_a] and panel["can_refer"] is True


def test_demo_seed_is_idempotent_and_has_an_overdue_referral(settings):
    call_command("seed_demo", "--force", "--people", "40", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = (Provision.objects.count(), Referral.objects.count())
    call_command("seed_demo", "--force", "--people", "40", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (Provision.objects.count(), Referral.objects.count()) == counts
    assert counts[0] == 10
    assert set(Referral.objects.values_list("status", flat=True)) == set(Status.values)
    assert any(r.is_overdue for r in Referral.objects.filter(status=Status.SENT))
    assert Provision.objects.get(name="path2work").agency.name == "path2work"
    assert services.referral_sla_sweep() == {"flagged": 1, "emails": 1}
    assert mail.outbox[0].to == ["manager.path2work@example.org"]
    assert services.referral_sla_sweep() == {"flagged": 0, "emails": 0}
