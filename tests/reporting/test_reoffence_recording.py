"""Recording re-offences and recalls: the case owner records them (page and API), only agencies that
see the offence part of the record see them, every view and record is audited, bad input is a clear
message or 400, and they appear on the person's timeline."""

import datetime

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from consent import policy
from reporting.models import Reoffence
from tests.factories import share_with

pytestmark = pytest.mark.django_db


def _date(prefix, day):
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def test_the_owner_records_on_the_page_and_bad_input_gets_a_clear_message(
    client_for, caseworker_a, case_a
):
    today = policy.today()
    url = reverse("reporting:reoffence_list", args=[case_a.pk])
    client = client_for(caseworker_a)
    assert client.get(url).status_code == 200
    offence, disposal = today - datetime.timedelta(days=5), today - datetime.timedelta(days=1)
    bad = {
        "disposal before offence": (
            {"kind": "proven_reoffence", **_date("offence_date", offence), "source": "pnc"}
            | _date("disposal_date", offence - datetime.timedelta(days=1)),
            "The disposal date must be on or after the offence date",
        ),
        "future offence": (
            {
                "kind": "recall",
                **_date("offence_date", today + datetime.timedelta(days=3)),
                "source": "pnc",
            },
            "The date must be today or in the past",
        ),
        "unknown source": (
            {"kind": "recall", **_date("offence_date", offence), "source": "gossip"},
            "Select where the record comes from",
        ),
        "no disposal": (
            {"kind": "proven_reoffence", **_date("offence_date", offence), "source": "court"},
            "Enter the disposal date",
        ),
    }
    for name, (data, message) in bad.items():
        response = client.post(url, data)
        assert response.status_code == 400, name
        assert message in response.content.decode(), name
    assert not Reoffence.objects.exists()
    ok = client.post(
        url,
        {"kind": "proven_reoffence", "source": "court"}
        | _date("offence_date", offence)
        | _date("disposal_date", disposal),
    )
    assert ok.status_code == 302
    fact = Reoffence.objects.get()
    assert (fact.kind, fact.offence_date, fact.disposal_date, fact.source) == (
        "proven_reoffence",
        offence,
        disposal,
        "court",
    )
    assert (
        AccessEvent.objects.filter(action="create", user=caseworker_a)
        .filter(detail__kind="proven_reoffence")
        .exists()
    )
    page = client.get(url).content.decode()
    assert "Proven re-offence" in page and "Court record" in page
    timeline = client.get(reverse("casework:case_timeline", args=[case_a.pk])).content.decode()
    assert "Proven re-offence" in timeline
    assert AccessEvent.objects.filter(action="view", detail__page="reoffences").count() == 6


def test_who_sees_and_records_them_follows_the_offence_part_page_and_api(
    client_for, api_for, caseworker_a, caseworker_b, adviser_a, provider_a, case_a, agency_a
):
    api = api_for(caseworker_a)
    url = f"/api/v1/cases/{case_a.pk}/reoffences/"
    today = policy.today()
    day = (today - datetime.timedelta(days=3)).isoformat()
    for bad in (
        {
            "kind": "proven_reoffence",
            "offence_date": day,
            "disposal_date": "2000-01-01",
            "source": "pnc",
        },
        {
            "kind": "recall",
            "offence_date": (today + datetime.timedelta(days=1)).isoformat(),
            "source": "pnc",
        },
        {"kind": "recall", "offence_date": day, "source": "rumour"},
        {"kind": "proven_reoffence", "offence_date": day, "source": "pnc"},
        {"kind": "recall", "offence_date": "2001-01-01", "source": "pnc"},  # before the case
    ):
        assert api.post(url, bad, format="json").status_code == 400, bad
    assert not Reoffence.objects.exists()
    created = api.post(
        url, {"kind": "recall", "offence_date": day, "source": "probation"}, format="json"
    )
    assert created.status_code == 201 and created.json()["kind"] == "recall"
    assert [r["kind"] for r in api.get(url).json()] == ["recall"]
    assert AccessEvent.objects.filter(action="view", detail__page="api:reoffences").count() == 1
    # another agency: 404 (absent), page and API
    assert api_for(caseworker_b).get(url).status_code == 404
    assert (
        client_for(caseworker_b)
        .get(reverse("reporting:reoffence_list", args=[case_a.pk]))
        .status_code
        == 404
    )
    # a partner the owner shared everything but the sensitive parts with: still 404 (offence data)
    share_with(caseworker_a, case_a, provider_a)
    assert api_for(adviser_a).get(url).status_code == 404
    timeline = client_for(adviser_a).get(reverse("casework:case_timeline", args=[case_a.pk]))
    assert timeline.status_code == 200 and "Recalled to custody" not in timeline.content.decode()
    owner_timeline = client_for(caseworker_a).get(
        reverse("casework:case_timeline", args=[case_a.pk])
    )
    assert "Recalled to custody" in owner_timeline.content.decode()


def test_a_partner_that_sees_the_offence_part_reads_them_but_only_the_owner_records(
    api_for, client_for, caseworker_a, adviser_a, provider_a, case_a
):
    share_with(
        caseworker_a, case_a, provider_a, purposes=("employment_support", "sensitive_categories")
    )
    day = (policy.today() - datetime.timedelta(days=3)).isoformat()
    api_for(caseworker_a).post(
        f"/api/v1/cases/{case_a.pk}/reoffences/",
        {"kind": "recall", "offence_date": day, "source": "probation"},
        format="json",
    )
    partner = api_for(adviser_a)
    url = f"/api/v1/cases/{case_a.pk}/reoffences/"
    assert [r["kind"] for r in partner.get(url).json()] == ["recall"]
    assert (
        partner.post(
            url, {"kind": "recall", "offence_date": day, "source": "pnc"}, format="json"
        ).status_code
        == 403
    )
    page = client_for(adviser_a).get(reverse("reporting:reoffence_list", args=[case_a.pk]))
    assert page.status_code == 200 and "Record a re-offence or recall" not in page.content.decode()
    assert Reoffence.objects.count() == 1
