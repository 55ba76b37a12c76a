import pytest

from audit.models import AccessEvent
from consent import services as consent_services
from referrals.models import Referral, Status

pytestmark = pytest.mark.django_db


def _body(case, provision, **extra):
    return {
        "case": case.pk,
        "provision": provision.pk,
        "need": "education_training_employment",
        "reason": "Wants to work in logistics",
        "share_categories": ["identity"],
        **extra,
    }


def test_provisions_are_listed_for_any_signed_in_user(api_for, commissioner_manager, provision_a):
    response = api_for(commissioner_manager).get("/api/v1/provisions/")
    assert response.status_code == 200
    row = response.json()["results"][0]
    assert (
        row["name"] == "Job club A"
        and row["agency"] == provision_a.agency_id
        and row["setting"] == "community"
    )


def test_post_creates_and_sends_then_receiver_sees_it_in_the_inbox(
    api_for, caseworker_a, adviser_a, case_a, provision_a, consent_a
):
    response = api_for(caseworker_a).post(
        "/api/v1/referrals/", _body(case_a, provision_a), format="json"
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (
        data["status"] == "sent"
        and data["to_agency"] == provision_a.agency_id
        and data["respond_by"]
    )
    assert data["possible_duplicate"] is False
    inbox = api_for(adviser_a).get("/api/v1/referrals/", {"direction": "in"}).json()
    assert [r["id"] for r in inbox["results"]] == [data["id"]]
    assert api_for(adviser_a).get("/api/v1/referrals/", {"direction": "out"}).json()["count"] == 0
    assert api_for(adviser_a).get("/api/v1/referrals/", {"status": "accepted"}).json()["count"] == 0


def test_post_without_consent_is_409_and_saves_nothing(api_for, caseworker_a, case_a, provision_a):
    response = api_for(caseworker_a).post(
        "/api/v1/referrals/", _body(case_a, provision_a), format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "consent_required"
    assert not Referral.objects.exists()


def test_post_with_send_false_keeps_a_draft_that_can_be_sent_later(
    api_for, caseworker_a, case_a, provision_a, consent_a
):
    client = api_for(caseworker_a)
    data = client.post(
        "/api/v1/referrals/", _body(case_a, provision_a, send=False), format="json"
    ).json()
    assert data["status"] == "draft"
    response = client.post(f"/api/v1/referrals/{data['id']}/send/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "sent"


def test_bad_input_is_400_not_500(api_for, caseworker_a, case_a, provision_a):
    client = api_for(caseworker_a)
    response = client.post(
        "/api/v1/referrals/", {"case": case_a.pk, "need": "nonsense", "reason": ""}, format="json"
    )
    assert response.status_code == 400 and {"need", "reason"} <= set(response.json())
    assert client.get("/api/v1/referrals/", {"direction": "sideways"}).status_code == 400
    assert client.get("/api/v1/referrals/", {"status": "lost"}).status_code == 400


def test_transition_endpoints_walk_the_lifecycle(api_for, adviser_a, sent_a):
    client = api_for(adviser_a)
    for action, expected in (
        ("accept", "accepted"),
        ("start", "started"),
        ("complete", "completed"),
    ):
        response = client.post(f"/api/v1/referrals/{sent_a.pk}/{action}/", {}, format="json")
        assert response.status_code == 200 and response.json()["status"] == expected
    response = client.post(f"/api/v1/referrals/{sent_a.pk}/accept/", {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def test_decline_and_withdraw_take_a_reason(
    api_for, adviser_a, caseworker_a, sent_a, case_a, provision_a
):
    client = api_for(adviser_a)
    response = client.post(f"/api/v1/referrals/{sent_a.pk}/decline/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = client.post(
        f"/api/v1/referrals/{sent_a.pk}/decline/", {"reason": "No places until May"}, format="json"
    )
    assert response.status_code == 200 and response.json()["decline_reason"] == "other"
    other = (
        api_for(caseworker_a)
        .post("/api/v1/referrals/", _body(case_a, provision_a), format="json")
        .json()
    )
    response = api_for(caseworker_a).post(
        f"/api/v1/referrals/{other['id']}/withdraw/", {"reason_code": "moved_away"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"


def test_wrong_side_is_403(api_for, caseworker_a, adviser_a, sent_a):
    assert (
        api_for(caseworker_a)
        .post(f"/api/v1/referrals/{sent_a.pk}/accept/", {}, format="json")
        .status_code
        == 403
    )
    assert (
        api_for(adviser_a)
        .post(f"/api/v1/referrals/{sent_a.pk}/withdraw/", {"reason": "x"}, format="json")
        .status_code
        == 403
    )


def test_other_agency_gets_404_on_every_referral_endpoint(
    api_for, caseworker_b, sent_a, case_a, provision_a
):
    client = api_for(caseworker_b)
    assert client.get(f"/api/v1/referrals/{sent_a.pk}/").status_code == 404
    for action in ("send", "accept", "decline", "start", "complete", "withdraw"):
        response = client.post(
            f"/api/v1/referrals/{sent_a.pk}/{action}/", {"reason": "x"}, format="json"
        )
        assert response.status_code == 404, action
    assert client.get("/api/v1/referrals/").json()["count"] == 0
    response = client.post("/api/v1/referrals/", _body(case_a, provision_a), format="json")
    assert response.status_code == 400 and "case" in response.json()  # not a case it can see
    assert Referral.objects.count() == 1


def test_withdrawn_consent_hides_referral_from_receiver_api(
    api_for, caseworker_a, adviser_a, sent_a, consent_a
):
    consent_services.consent_withdraw(
        user=caseworker_a, consent=consent_a, reason="Changed their mind"
    )
    assert api_for(adviser_a).get(f"/api/v1/referrals/{sent_a.pk}/").status_code == 404
    assert (
        api_for(adviser_a)
        .post(f"/api/v1/referrals/{sent_a.pk}/accept/", {}, format="json")
        .status_code
        == 404
    )


def test_api_reads_are_audited(api_for, adviser_a, sent_a, person_a):
    client = api_for(adviser_a)
    client.get(f"/api/v1/referrals/{sent_a.pk}/")
    client.get("/api/v1/referrals/")
    assert AccessEvent.objects.filter(
        user=adviser_a, person=person_a, action="view", detail__page="api"
    ).exists()
    assert AccessEvent.objects.filter(
        user=adviser_a, action="view", detail__page="api:referrals"
    ).exists()


def test_commissioner_cannot_use_the_referrals_api(api_for, commissioner_manager, sent_a):
    assert api_for(commissioner_manager).get("/api/v1/referrals/").status_code == 403
    assert Referral.objects.get(pk=sent_a.pk).status == Status.SENT
