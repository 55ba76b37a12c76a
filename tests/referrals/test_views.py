import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from consent import services as consent_services
from referrals import selectors
from referrals.models import Referral, Status
from tests.factories import EVERYTHING_BUT_SENSITIVE
from tests.referrals.conftest import make_referral

pytestmark = pytest.mark.django_db


def _form(provision, **extra):
    data = {
        "provision": provision.pk,
        "to_agency": "",
        "need": "education_training_employment",
        "reason": "Wants help into warehouse work",
        "share_categories": ["identity", "employment"],
    }
    data.update(extra)
    return data


def test_make_check_and_send_a_referral_in_the_browser(
    client_for, caseworker_a, case_a, provision_a, consent_a, django_capture_on_commit_callbacks
):
    client = client_for(caseworker_a)
    assert client.get(reverse("referrals:create", args=[case_a.pk])).status_code == 200
    response = client.post(reverse("referrals:create", args=[case_a.pk]), _form(provision_a))
    referral = Referral.objects.get(case=case_a)
    assert response.status_code == 302 and response.url == reverse(
        "referrals:check", args=[referral.pk]
    )
    assert referral.status == Status.DRAFT
    page = client.get(response.url).content.decode()
    assert (
        "Check your answers before sending the referral" in page
        and "Wants help into warehouse work" in page
    )
    assert "Possible duplicate" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("referrals:check", args=[referral.pk]), {"version": referral.version}
        )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.SENT
    detail = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Referral sent to Provider A" in detail and "Draft → Sent" in detail


def test_form_errors_are_shown_and_nothing_is_saved(client_for, caseworker_a, case_a):
    response = client_for(caseworker_a).post(
        reverse("referrals:create", args=[case_a.pk]),
        {"provision": "", "to_agency": "", "need": "", "reason": ""},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert (
        "Select a provision or an agency to refer to" in html
        and "Enter the reason for the referral" in html
    )
    assert not Referral.objects.exists()


def test_check_page_explains_missing_consent_and_links_to_record_it(
    client_for, caseworker_a, draft_a, person_a
):
    client = client_for(caseworker_a)
    url = reverse("referrals:check", args=[draft_a.pk])
    consent_link = reverse("consent:consent_create", args=[person_a.pk])
    assert consent_link in client.get(url).content.decode()
    response = client.post(url, {"version": draft_a.version})
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert "has not consented" in html and consent_link in html
    draft_a.refresh_from_db()
    assert draft_a.status == Status.DRAFT


def test_check_page_flags_same_provision_open_with_another_agency(
    client_for, caseworker_a, case_a, provision_a, sent_a, person_a, jobcentre_a, work_coach_a
):
    consent_services.consent_record(
        user=caseworker_a,
        person=person_a,
        recipient_agency=jobcentre_a,
        purposes=["employment_support"],
        data_categories=EVERYTHING_BUT_SENSITIVE,
        method="signed_form",
        form_version="v3",
        given_on=datetime.date.today(),
    )
    consent_services.case_involve(
        user=caseworker_a, case=case_a, agency=jobcentre_a, categories=EVERYTHING_BUT_SENSITIVE
    )
    draft = make_referral(work_coach_a, case_a, provision_a, send=False)
    html = (
        client_for(work_coach_a).get(reverse("referrals:check", args=[draft.pk])).content.decode()
    )
    assert "Possible duplicate" in html and "made by Probation A" in html


def test_draft_can_be_changed_from_the_check_page(client_for, caseworker_a, draft_a, provision_a):
    client = client_for(caseworker_a)
    url = reverse("referrals:edit", args=[draft_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _form(provision_a, need="alcohol", version=draft_a.version))
    assert response.status_code == 302
    draft_a.refresh_from_db()
    assert draft_a.need == "alcohol"


def test_receiver_sees_deadline_then_accepts_and_starts_and_can_open_the_person(
    client_for, adviser_a, sent_a, person_a
):
    client = client_for(adviser_a)
    inbox = client.get(reverse("referrals:inbox"), {"direction": "in"}).content.decode()
    assert (
        "ALPHA, Jordan" in inbox and "working days left" in inbox and "Waiting for answer" in inbox
    )
    assert client.get(reverse("casework:person_detail", args=[person_a.pk])).status_code == 404
    detail = client.get(reverse("referrals:detail", args=[sent_a.pk])).content.decode()
    assert "Accept referral" in detail and "Please answer by" in detail
    response = client.post(
        reverse("referrals:action", args=[sent_a.pk, "accept"]), {"version": sent_a.version}
    )
    assert response.status_code == 302
    assert client.get(reverse("casework:person_detail", args=[person_a.pk])).status_code == 200
    sent_a.refresh_from_db()
    response = client.post(
        reverse("referrals:action", args=[sent_a.pk, "start"]), {"version": sent_a.version}
    )
    sent_a.refresh_from_db()
    assert sent_a.status == Status.STARTED


def test_stale_button_shows_what_happened_instead_of_an_error_page(
    client_for, adviser_a, adviser_a2, sent_a
):
    client_for(adviser_a2).post(
        reverse("referrals:action", args=[sent_a.pk, "decline"]),
        {"reason_code": "no_capacity", "version": sent_a.version},
    )
    response = client_for(adviser_a).post(
        reverse("referrals:action", args=[sent_a.pk, "accept"]), {"version": sent_a.version}
    )
    assert response.status_code == 409
    assert "already been declined" in response.content.decode()
    assert Referral.objects.get(pk=sent_a.pk).status == Status.DECLINED


def test_decline_form_needs_a_reason(client_for, adviser_a, sent_a):
    url = reverse("referrals:action", args=[sent_a.pk, "decline"])
    client = client_for(adviser_a)
    assert client.get(url).status_code == 200
    html = client.post(url, {"reason_code": "", "reason": ""}).content.decode()
    assert "Select why you are declining the referral" in html
    html = client.post(url, {"reason_code": "other", "reason": ""}).content.decode()
    assert "Enter why you are declining the referral" in html
    assert client.post(url, {"reason_code": "not_eligible", "reason": "Too far"}).status_code == 302
    assert Referral.objects.get(pk=sent_a.pk).decline_reason == "not_eligible"


def test_sender_withdraws_with_a_reason(client_for, caseworker_a, sent_a):
    url = reverse("referrals:action", args=[sent_a.pk, "withdraw"])
    response = client_for(caseworker_a).post(url, {"reason_code": "moved_away", "reason": ""})
    assert response.status_code == 302
    assert Referral.objects.get(pk=sent_a.pk).status == Status.WITHDRAWN


def test_wrong_side_gets_403(client_for, caseworker_a, adviser_a, sent_a):
    assert (
        client_for(caseworker_a)
        .post(reverse("referrals:action", args=[sent_a.pk, "accept"]))
        .status_code
        == 403
    )
    assert (
        client_for(adviser_a)
        .post(
            reverse("referrals:action", args=[sent_a.pk, "withdraw"]), {"reason_code": "moved_away"}
        )
        .status_code
        == 403
    )
    assert (
        client_for(adviser_a).get(reverse("referrals:check", args=[sent_a.pk])).status_code == 403
    )


def test_other_agency_gets_404_on_every_referral_page(
    client_for, caseworker_b, sent_a, draft_a, case_a
):
    client = client_for(caseworker_b)
    urls = [reverse("referrals:create", args=[case_a.pk])]
    for referral in (sent_a, draft_a):
        urls += [
            reverse("referrals:detail", args=[referral.pk]),
            reverse("referrals:edit", args=[referral.pk]),
            reverse("referrals:check", args=[referral.pk]),
        ]
        urls += [
            reverse("referrals:action", args=[referral.pk, a])
            for a in ("accept", "decline", "start", "complete", "withdraw")
        ]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"reason_code": "other", "reason": "x"}).status_code == 404, url
    inbox = client.get(reverse("referrals:inbox")).content.decode()
    assert "ALPHA" not in inbox and "0 referrals" in inbox


def test_receiver_loses_the_referral_when_consent_is_withdrawn(
    client_for, caseworker_a, adviser_a, sent_a, consent_a
):
    consent_services.consent_withdraw(
        user=caseworker_a, consent=consent_a, reason="Changed their mind"
    )
    client = client_for(adviser_a)
    assert client.get(reverse("referrals:detail", args=[sent_a.pk])).status_code == 404
    assert "ALPHA" not in client.get(reverse("referrals:inbox")).content.decode()


def test_referral_pages_write_audit_rows(client_for, adviser_a, sent_a, person_a):
    client = client_for(adviser_a)
    client.get(reverse("referrals:detail", args=[sent_a.pk]))
    client.get(reverse("referrals:inbox"))
    assert (
        AccessEvent.objects.filter(
            user=adviser_a, person=person_a, action="view", object_type="referrals.referral"
        ).count()
        == 1
    )
    assert (
        AccessEvent.objects.filter(
            user=adviser_a, action="view", detail__page="referrals_inbox"
        ).count()
        == 1
    )


def test_inbox_filters_and_counts(client_for, caseworker_a, sent_a, draft_a, adviser_a):
    Referral.objects.filter(pk=sent_a.pk).update(
        respond_by=datetime.date.today() - datetime.timedelta(days=3)
    )
    client = client_for(adviser_a)
    html = client.get(reverse("referrals:inbox"), {"status": "overdue"}).content.decode()
    assert "1 referral" in html and "Overdue" in html and "late" in html
    assert (
        "0 referrals"
        in client.get(reverse("referrals:inbox"), {"status": "completed"}).content.decode()
    )
    html = (
        client_for(caseworker_a)
        .get(reverse("referrals:inbox"), {"direction": "out"})
        .content.decode()
    )
    assert "2 referrals" in html and "1 draft not sent" in html


def _bulk_referrals(n, case, provision, user):
    now = timezone.now()
    Referral.objects.bulk_create(
        [
            Referral(
                person_id=case.person_id,
                case=case,
                from_agency=case.owning_agency,
                from_user=user,
                to_agency=provision.agency,
                provision=provision,
                need="drugs",
                reason=f"Bulk {i}",
                status=Status.SENT,
                sent_at=now,
                respond_by=datetime.date.today() + datetime.timedelta(days=i % 9 - 3),
            )
            for i in range(n)
        ]
    )


@pytest.mark.parametrize("who", ["sender", "receiver"])
def test_inbox_runs_the_same_number_of_queries_for_5_and_500_referrals(
    client_for,
    caseworker_a,
    adviser_a,
    case_a,
    provision_a,
    consent_a,
    who,
    django_assert_max_num_queries,
):
    client = client_for(caseworker_a if who == "sender" else adviser_a)
    url = reverse("referrals:inbox")
    _bulk_referrals(5, case_a, provision_a, caseworker_a)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _bulk_referrals(495, case_a, provision_a, caseworker_a)
    with django_assert_max_num_queries(len(small)) as large:
        response = client.get(url)
    # past the cap the page says so instead of counting every referral
    assert response.status_code == 200 and "More than 200 referrals" in response.content.decode()
    # 5 capped summary counts, a capped count and a LIMIT per part of the list, one load of the page
    assert len(large) == len(small) <= 21  # and the unread notifications in the header


def test_case_page_shows_referrals_panel_with_make_a_referral_link(
    client_for, caseworker_a, case_a, sent_a
):
    html = (
        client_for(caseworker_a)
        .get(reverse("casework:case_detail", args=[case_a.pk]))
        .content.decode()
    )
    assert "Make a referral" in html and reverse("referrals:create", args=[case_a.pk]) in html
    assert reverse("referrals:detail", args=[sent_a.pk]) in html


def test_provision_catalogue_lists_active_provisions(client_for, caseworker_a, provision_a):
    html = client_for(caseworker_a).get(reverse("referrals:provision_list")).content.decode()
    assert "Job club A" in html and "5 working days" in html


def test_navigation_shows_how_many_referrals_wait_for_an_answer(
    client_for, adviser_a, caseworker_a, sent_a
):
    assert "Referrals (1)" in client_for(adviser_a).get(reverse("referrals:inbox")).content.decode()
    html = client_for(caseworker_a).get(reverse("referrals:inbox")).content.decode()
    assert "Referrals (1)" not in html and "Referrals" in html


def test_inbox_parts_list_exactly_what_the_scope_allows_in_display_order_for_every_filter(
    caseworker_a, adviser_a, case_a, provision_a, consent_a, draft_a, sent_a, caseworker_b
):
    """Segments over the inbox parts hold the same referrals as the scope, each once, in display order."""
    from core.pagination import Segments
    from referrals.forms import InboxFilterForm

    Referral.objects.filter(pk=sent_a.pk).update(
        respond_by=datetime.date.today() - datetime.timedelta(days=3)
    )
    _bulk_referrals(7, case_a, provision_a, caseworker_a)
    Referral.objects.filter(reason__in=["Bulk 1", "Bulk 2"]).update(status=Status.ACCEPTED)
    Referral.objects.filter(reason="Bulk 3").update(
        status=Status.DECLINED, decline_reason="not_suitable"
    )
    checked = 0
    for user in (caseworker_a, adviser_a, caseworker_b):
        for direction, _label in InboxFilterForm.base_fields["direction"].choices:
            for status, _label in InboxFilterForm.base_fields["status"].choices:
                segments = Segments(
                    selectors.inbox_segments(user=user, direction=direction, status=status),
                    cap=1000,
                )
                shown = [row[0] for row in segments[0:1000]]
                expected = selectors.referral_list_for_user(
                    user=user, direction=direction, status=status
                )
                assert sorted(shown) == sorted(expected.values_list("pk", flat=True)), (
                    user,
                    direction,
                    status,
                )
                assert len(shown) == len(set(shown)) == segments.count()
                rows = Referral.objects.in_bulk(shown)
                waiting = [rows[pk] for pk in shown if rows[pk].status == Status.SENT]
                rest = [rows[pk] for pk in shown if rows[pk].status != Status.SENT]
                assert [r.pk for r in waiting + rest] == shown  # waiting ones first
                assert rest == sorted(rest, key=lambda r: (r.created_at, r.pk), reverse=True)
                incoming = [r for r in waiting if r.to_agency_id == user.acting.agency_id]
                assert waiting[: len(incoming)] == incoming  # what you must answer comes first
                checked += 1
    assert checked == 3 * 3 * len(InboxFilterForm.base_fields["status"].choices)
    assert (
        selectors.inbox_counts(user=adviser_a)["to_answer"] == 5
    )  # sent_a and four bulk ones still sent


def test_inbox_summary_counts_stop_at_the_cap_and_say_so(
    client_for, adviser_a, case_a, provision_a, consent_a, caseworker_a, monkeypatch
):
    _bulk_referrals(6, case_a, provision_a, caseworker_a)
    monkeypatch.setattr(selectors, "INBOX_COUNT_CAP", 4)
    html = client_for(adviser_a).get(reverse("referrals:inbox")).content.decode()
    assert (
        "<strong>4+</strong> to answer" in html
        and "More than 4 referrals" in html
        and "Referrals (4+)" in html
    )


def test_the_consent_detour_returns_to_the_referral_being_written(
    client_for, caseworker_a, draft_a, person_a
):
    client = client_for(caseworker_a)
    check = reverse("referrals:check", args=[draft_a.pk])
    detour = (
        reverse("consent:consent_create", args=[person_a.pk])
        + f"?recipient={draft_a.to_agency_id}&next={check.replace('/', '%2F')}"
    )
    assert detour.replace("&", "&amp;") in client.get(check).content.decode()
    form = client.get(detour)
    assert form.context["form"].initial["recipient_agency"] == draft_a.to_agency_id
    assert f'href="{check}" class="govuk-back-link"' in form.content.decode()
    today = datetime.date.today()
    answers = {
        "recipient_agency": draft_a.to_agency_id,
        "purposes": ["employment_support"],
        "data_categories": ["identity", "employment"],
        "method": "signed_form",
        "form_version": "v4",
        "given_on_day": today.day,
        "given_on_month": today.month,
        "given_on_year": today.year,
    }
    response = client.post(detour, answers)
    assert response.status_code == 302 and response.url == check
    assert "has not consented" not in client.get(check).content.decode()
    # a next that leaves the site is ignored: back to the consent list instead
    for evil in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        page = reverse("consent:consent_create", args=[person_a.pk]) + "?next=" + evil
        assert evil not in client.get(page).content.decode().split("govuk-back-link")[0][-200:]
        again = client.post(page, answers | {"form_version": "v5"})
        assert again.url == reverse("consent:consent_list", args=[person_a.pk])
