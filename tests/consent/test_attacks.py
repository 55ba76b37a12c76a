"""Access by purpose: what each basis shows, and every attack of issue 15 as a plain regression test.

The world: probation agency A owns the person's case. A provider is involved by an accepted referral
that shared identity and employment only. The prison's Jobcentre (the EBSA) sees the person under
the claim-closure gateway. A release-area Jobcentre gets a Freshstart booking.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import AgencyKind, Role, SiteKind, StaffMembership
from casework import services as case_services
from casework.models import Case, Person, SentenceEpisode
from consent import policy, services
from consent.models import ConsentRecord, PersonAccess
from core.errors import ApplicationError, Forbidden
from custody import services as custody_services
from custody.services import benefit_surgery_open
from employers import services as employer_services
from referrals import services as referral_services
from referrals.models import Provision, Referral, Status
from tests.factories import (
    EVERYTHING_BUT_SENSITIVE,
    AgencyFactory,
    SiteFactory,
    person_with_case,
    share_with,
    staff,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today


@pytest.fixture
def world(caseworker_a, manager_a, provider_a, adviser_a, prison_jobcentre, ebsa_a, jobcentre_a):
    prison = AgencyFactory(name="HMP Test", kind=AgencyKind.PRISON)
    prison_site = SiteFactory(agency=prison, name="HMP Test", kind=SiteKind.PRISON, town="Bedford")
    benefit_surgery_open(jobcentre=prison_jobcentre, establishment=prison_site)
    office = SiteFactory(
        agency=jobcentre_a, name="Luton Jobcentre", kind=SiteKind.JOBCENTRE, town="Luton"
    )
    person, case = person_with_case(
        caseworker_a,
        first_name="Sam",
        last_name="Target",
        crn="X900900",
        national_insurance_number="AB123456C",
        release_area="Luton",
        offender_group="short_custody",
    )
    reception = TODAY() - datetime.timedelta(days=20)
    case_services.sentence_record(
        user=caseworker_a,
        case=case,
        sentence_type="custodial",
        sentence_date=reception,
        reception_date=reception,
        establishment=prison_site,
        expected_release_date=TODAY() + datetime.timedelta(days=30),
        offence_summary="Burglary",
    )
    case_services.note_add(
        user=caseworker_a, case=case, note_type="phone", contact_on=TODAY(), body="Probation note"
    )
    case_services.note_add(
        user=caseworker_a,
        case=case,
        note_type="phone",
        contact_on=TODAY(),
        body="Health note",
        sensitive_part="health",
    )
    case_services.assessment_record(
        user=caseworker_a,
        case=case,
        assessed_on=TODAY(),
        ratings={"accommodation": "red", "health": "amber", "drugs": "red"},
        work_readiness="support_needed",
    )
    goal = case_services.goal_add(user=caseworker_a, case=case, description="Into work")
    case_services.action_add(
        user=caseworker_a, case=case, description="CV", due_date=TODAY(), goal=goal
    )
    appointment = case_services.appointment_add(
        user=caseworker_a,
        case=case,
        kind="probation",
        at=timezone.now() - datetime.timedelta(hours=3),
    )
    # the provider: consent covers a lot, the referral shared identity and employment only
    services.consent_record(
        user=caseworker_a,
        person=person,
        recipient_agency=provider_a,
        purposes=["employment_support", "sensitive_categories"],
        data_categories=[*EVERYTHING_BUT_SENSITIVE, "health"],
        method="signed_form",
        form_version="v4",
        given_on=TODAY(),
    )
    provision = Provision.objects.create(
        name="Job club", agency=provider_a, agency_kind="other_partner", setting="community"
    )
    referral = referral_services.referral_create(
        user=caseworker_a,
        case=case,
        provision=provision,
        need="education_training_employment",
        reason="Needs work",
        share_categories=["identity", "employment"],
    )
    referral_services.referral_send(user=caseworker_a, referral=referral)
    referral_services.referral_accept(user=adviser_a, referral=referral)
    return {
        "person": person,
        "case": case,
        "appointment": appointment,
        "office": office,
        "prison_site": prison_site,
        "referral": referral,
    }


def _sees(user, person):
    policy.forget(user)
    return policy.access_for(user, person)


# --- What each basis shows -------------------------------------------------------------------


def test_owner_sees_every_section(world, caseworker_a):
    assert set(_sees(caseworker_a, world["person"]).sections) == set(policy.S.ALL_SECTIONS)


def test_referral_limits_the_provider_to_what_it_shared(world, adviser_a, client_for, api_for):
    person, case = world["person"], world["case"]
    assert _sees(adviser_a, person).sections == ["identity", "employment"]
    client = client_for(adviser_a)
    assert client.get(reverse("casework:person_detail", args=[person.pk])).status_code == 200
    for name in ("case_detail", "case_assessment", "case_plan", "case_notes", "case_custody"):
        assert client.get(reverse(f"casework:{name}", args=[case.pk])).status_code == 404, name
    api = api_for(adviser_a)
    data = api.get(f"/api/v1/people/{person.pk}/").json()
    assert data["sections"] == ["identity", "employment"]
    assert "benefit_status" not in data and data["national_insurance_number"] == "AB123456C"
    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert api.get(f"/api/v1/cases/{case.pk}/assessments/").status_code == 404
    assert client.get(reverse("employers:person_jobs", args=[person.pk])).status_code == 200


def test_claim_closure_gateway_shows_identity_custody_and_benefits_only(
    world, ebsa_a, client_for, api_for
):
    person, case = world["person"], world["case"]
    assert _sees(ebsa_a, person).sections == ["identity", "custody", "benefits"]
    client = client_for(ebsa_a)
    html = client.get(reverse("casework:person_detail", args=[person.pk])).content.decode()
    assert "Custody and release" in html and "Benefits and claim closures" in html
    assert "Burglary" not in html  # the offence is sensitive
    assert "Probation note" not in html and "Cases" not in html
    for name in ("case_detail", "case_assessment", "case_plan", "case_notes", "case_timeline"):
        assert client.get(reverse(f"casework:{name}", args=[case.pk])).status_code == 404, name
    assert api_for(ebsa_a).get(f"/api/v1/cases/{case.pk}/actions/").status_code == 404


def test_sensitive_ratings_and_notes_need_their_part(
    world, caseworker_a, jobcentre_a, work_coach_a, client_for, api_for
):
    person, case = world["person"], world["case"]
    # the Jobcentre is shared everything but the sensitive parts; then health alone
    share_with(caseworker_a, case, jobcentre_a, categories=EVERYTHING_BUT_SENSITIVE)
    api = api_for(work_coach_a)
    ratings = api.get(f"/api/v1/cases/{case.pk}/assessments/").json()["results"][0]["ratings"]
    assert ratings == {"accommodation": "red"}
    notes = client_for(work_coach_a).get(reverse("casework:case_notes", args=[case.pk]))
    assert (
        "Probation note" in notes.content.decode() and "Health note" not in notes.content.decode()
    )
    services.consent_record(
        user=caseworker_a,
        person=person,
        recipient_agency=jobcentre_a,
        purposes=["employment_support", "sensitive_categories"],
        data_categories=["identity", "health"],
        method="signed_form",
        form_version="v4",
        given_on=TODAY(),
    )
    services.case_involve(user=caseworker_a, case=case, agency=jobcentre_a, categories=["health"])
    ratings = api.get(f"/api/v1/cases/{case.pk}/assessments/").json()["results"][0]["ratings"]
    assert ratings == {"accommodation": "red", "health": "amber"}  # drugs: not consented
    notes = client_for(work_coach_a).get(reverse("casework:case_notes", args=[case.pk]))
    assert "Health note" in notes.content.decode()


def test_freshstart_gives_three_sections_until_shortly_after_the_appointment(
    world, ebsa_a, work_coach_a, client_for, monkeypatch
):
    person, office = world["person"], world["office"]
    at = timezone.now() + datetime.timedelta(days=32)
    custody_services.freshstart_book(user=ebsa_a, person=person, office=office, appointment_at=at)
    access = _sees(work_coach_a, person)
    assert access.sections == ["identity", "custody", "benefits"]
    assert access.bases == {"freshstart": (at.date() + datetime.timedelta(days=14)).isoformat()}
    late = at.date() + datetime.timedelta(days=15)
    monkeypatch.setattr(policy, "today", lambda: late)
    assert not _sees(work_coach_a, person).visible


def test_who_can_see_lists_every_basis_from_the_rows_the_queries_use(
    world, caseworker_a, ebsa_a, client_for
):
    custody_services.freshstart_book(
        user=ebsa_a,
        person=world["person"],
        office=world["office"],
        appointment_at=timezone.now() + datetime.timedelta(days=32),
    )
    html = (
        client_for(caseworker_a)
        .get(reverse("casework:person_detail", args=[world["person"].pk]))
        .content.decode()
    )
    for text in (
        "Probation A",
        "the whole record",
        "Jobcentre at HMP A",
        "claim-closure gateway",
        "Jobcentre A",
        "Freshstart appointment",
        "Provider A",
        "consent: identity and contact",
        "identity and contact",
        "employment",
    ):
        assert text in html, text
    # the provider sees its own line only
    own = client_for(world["referral"].to_agency.memberships.first().user)
    html = own.get(reverse("casework:person_detail", args=[world["person"].pk])).content.decode()
    assert "Provider A" in html and "claim-closure gateway" not in html


# --- The attacks, each over the API or the pages -----------------------------------------------


def test_a_partner_cannot_open_its_own_case_and_become_owner(world, adviser_a, ebsa_a, api_for):
    person = world["person"]
    for user in (adviser_a, ebsa_a):
        response = api_for(user).post(
            "/api/v1/cases/",
            {
                "person": person.pk,
                "offender_group": "community",
                "support_level": "high",
                "stage": "in_community",
                "start_date": str(TODAY()),
                "planned_end_date": str(TODAY() + datetime.timedelta(days=200)),
            },
            format="json",
        )
        assert response.status_code == 403, response.content
    assert Case.objects.filter(person=person).count() == 1
    assert (
        not PersonAccess.objects.filter(person=person, owner_until__isnull=False)
        .exclude(agency=world["case"].owning_agency)
        .exists()
    )


def test_withdrawing_a_partners_consent_ends_its_access(
    world, caseworker_a, adviser_a, api_for, client_for
):
    consent = ConsentRecord.objects.get(
        person=world["person"], recipient_agency=adviser_a.acting.agency
    )
    services.consent_withdraw(user=caseworker_a, consent=consent, reason="asked")
    assert api_for(adviser_a).get(f"/api/v1/people/{world['person'].pk}/").status_code == 404
    # ... and the open referral ended on both sides, the inbox keeping a line without the person
    referral = Referral.objects.get(pk=world["referral"].pk)
    assert referral.status == Status.WITHDRAWN and referral.withdraw_reason == "consent_withdrawn"
    assert Referral.objects.ended_by_withdrawal(adviser_a).filter(pk=referral.pk).exists()
    inbox = client_for(adviser_a).get(reverse("referrals:inbox")).content.decode()
    assert "Ended because the person withdrew their consent" in inbox
    assert "Referral from Probation A to Job club" in inbox and "Target" not in inbox
    detail = client_for(caseworker_a).get(reverse("referrals:detail", args=[referral.pk]))
    assert "The person withdrew their consent" in detail.content.decode()


def test_the_ebsa_cannot_edit_the_person_or_book_freshstart_anywhere(
    world, ebsa_a, api_for, region
):
    person = world["person"]
    response = api_for(ebsa_a).patch(
        f"/api/v1/people/{person.pk}/",
        {"release_area": "Southend-on-Sea", "version": person.version},
        format="json",
    )
    assert response.status_code == 403
    far = SiteFactory(
        agency=AgencyFactory(name="Jobcentre Far", kind=AgencyKind.JOBCENTRE, region=region),
        name="Far Jobcentre",
        kind=SiteKind.JOBCENTRE,
        town="Carlisle",
    )
    for office, when in (
        (far, timezone.now() + datetime.timedelta(days=32)),
        (world["office"], timezone.make_aware(datetime.datetime(2099, 1, 5, 10, 0))),
        (world["office"], timezone.now() + datetime.timedelta(days=2)),  # before the release
    ):
        response = api_for(ebsa_a).post(
            "/api/v1/freshstart-appointments/",
            {"person": person.pk, "office": office.pk, "appointment_at": when.isoformat()},
            format="json",
        )
        assert response.status_code == 400, response.content
    assert not PersonAccess.objects.filter(person=person, agency=far.agency).exists()


def test_a_partner_manager_cannot_restrict_the_owners_record(
    world, provider_a, agency_a, caseworker_a, manager_a, client_for
):
    partner_manager = staff("partner_manager", provider_a, Role.MANAGER)
    person = world["person"]
    url = reverse("consent:restricted_access", args=[person.pk])
    response = client_for(partner_manager).post(
        url, {"action": "restrict", "reason": "mine now", "confirm": "on"}
    )
    assert response.status_code == 403
    with pytest.raises(Forbidden):
        services.person_set_restricted(
            user=partner_manager, person=person, restricted=True, reason="x", confirmed=True
        )
    assert not Person.objects.get(pk=person.pk).restricted
    assert _sees(caseworker_a, person).visible and _sees(manager_a, person).visible


def test_a_named_grant_does_not_follow_the_user_into_another_agency(
    world, manager_a, caseworker_a2, agency_b
):
    person = world["person"]
    services.person_set_restricted(
        user=manager_a, person=person, restricted=True, reason="Staff member", confirmed=True
    )
    services.restricted_access_grant(user=manager_a, person=person, staff_user=caseworker_a2)
    assert _sees(caseworker_a2, person).visible
    StaffMembership.objects.create(user=caseworker_a2, agency=agency_b, role=Role.CASEWORKER)
    from agencies import acting

    acting.attach(caseworker_a2, agency_b.pk)
    share_with(manager_a, world["case"], agency_b)  # agency B may see the person...
    assert not _sees(caseworker_a2, person).visible  # ...but the grant was for agency A
    acting.attach(caseworker_a2, world["case"].owning_agency_id)
    assert _sees(caseworker_a2, person).visible


def test_no_agency_records_a_consent_for_another_or_withdraws_anothers(
    world, adviser_a, ebsa_a, jobcentre_a, caseworker_a, api_for
):
    person = world["person"]
    body = {
        "person": person.pk,
        "recipient_agency": jobcentre_a.pk,
        "purposes": ["employment_support"],
        "data_categories": ["identity"],
        "given_on": str(TODAY()),
        "method": "verbal_witnessed",
        "witness_name": "anyone",
    }
    assert api_for(adviser_a).post("/api/v1/consents/", body, format="json").status_code == 403
    assert api_for(ebsa_a).post("/api/v1/consents/", body, format="json").status_code == 403
    # the provider may record the consent the person gives to it...
    own = body | {"recipient_agency": adviser_a.acting.agency_id}
    assert api_for(adviser_a).post("/api/v1/consents/", own, format="json").status_code == 201
    # ...which widens nothing: what it sees is still what the referral sent
    assert _sees(adviser_a, person).sections == ["identity", "employment"]
    # another agency's consent cannot be withdrawn (the owner's view only: not even visible)
    services.consent_record(
        user=caseworker_a,
        person=person,
        recipient_agency=jobcentre_a,
        purposes=["employment_support"],
        data_categories=["identity"],
        method="signed_form",
        form_version="v4",
        given_on=TODAY(),
    )
    theirs = ConsentRecord.objects.get(person=person, recipient_agency=jobcentre_a)
    response = api_for(adviser_a).post(
        f"/api/v1/consents/{theirs.pk}/withdraw/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 404
    assert ConsentRecord.objects.get(pk=theirs.pk).withdrawn_on is None


def test_partners_cannot_change_each_others_rows(
    world, caseworker_a, adviser_a, jobcentre_a, work_coach_a, client_for, api_for
):
    person, case = world["person"], world["case"]
    share_with(caseworker_a, case, adviser_a.acting.agency)  # the provider now sees the plan too
    share_with(caseworker_a, case, jobcentre_a)
    appointment = world["appointment"]
    url = reverse("casework:appointment_attendance", args=[case.pk, appointment.pk])
    assert client_for(adviser_a).post(url, {"attended": "yes", "version": 1}).status_code == 403
    with pytest.raises(Forbidden):
        case_services.appointment_attendance_record(
            user=adviser_a, appointment=appointment, attended="yes", version=1
        )
    employer = employer_services.employer_create(
        user=adviser_a, name="Shop", sector="retail", town="Luton"
    )
    spell = employer_services.employment_spell_create(
        user=adviser_a,
        person=person,
        employer=employer,
        job_title="Till",
        start_date=TODAY() - datetime.timedelta(days=3),
    )
    response = api_for(work_coach_a).patch(
        f"/api/v1/employment-spells/{spell.pk}/",
        {"end_date": str(TODAY()), "end_reason": "dismissed", "version": spell.version},
        format="json",
    )
    assert response.status_code == 403
    spell.refresh_from_db()
    assert spell.end_date is None and spell.checks.filter(status="cancelled").count() == 0
    # the case owner may correct it
    employer_services.employment_spell_update(
        user=caseworker_a, spell=spell, version=spell.version, job_title="Till operator"
    )


def test_consent_form_has_nothing_ticked_and_prints_for_signature(world, caseworker_a, client_for):
    client = client_for(caseworker_a)
    html = client.get(reverse("consent:consent_create", args=[world["person"].pk])).content.decode()
    assert "checked" not in html
    response = client.get(reverse("consent:consent_form_pdf", args=[world["person"].pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    from io import BytesIO

    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    for phrase in ("Sam Target", "form v4", "Signed (the person)", "drug use and treatment"):
        assert phrase.lower() in text.lower(), phrase


def test_category_outside_its_purposes_is_refused_and_nothing_stored(
    world, caseworker_a, jobcentre_a
):
    before = ConsentRecord.objects.count()
    with pytest.raises(ApplicationError, match="Sensitive information"):
        services.consent_record(
            user=caseworker_a,
            person=world["person"],
            recipient_agency=jobcentre_a,
            purposes=["employment_support"],
            data_categories=["identity", "drugs"],
            method="signed_form",
            form_version="v4",
            given_on=TODAY(),
        )
    assert ConsentRecord.objects.count() == before


def test_unknown_section_in_the_api_filter_is_400(world, caseworker_a, api_for):
    assert api_for(caseworker_a).get("/api/v1/people/", {"section": "shoe_size"}).status_code == 400
    response = api_for(caseworker_a).get("/api/v1/people/", {"section": "notes"})
    assert response.status_code == 200 and response.json()["count"] >= 1


def test_sentence_reception_gives_the_ebsa_its_gateway(world, ebsa_a):
    assert SentenceEpisode.objects.for_user(ebsa_a).filter(person=world["person"]).exists()
    assert "claim_closure" in _sees(ebsa_a, world["person"]).bases
