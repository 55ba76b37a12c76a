"""My work for every role (issue 18): each role's panels with real rows, no other role's panels,
every "See all" link answering 200, a fixed number of queries for 1 and for 10 rows, and the
first page after sign-in (My work for staff, the reports for a commissioner)."""

import datetime
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Role
from casework import services as casework_services
from consent import services as consent_services
from custody import services as custody_services
from custody.models import FreshstartAppointment, Marker
from employers import services as employer_services
from referrals.models import DeliveryKind, Provision, Setting
from tests.custody.conftest import (  # noqa: F401 (the custody personas, as fixtures here)
    RELEASE_IN_DAYS,
    prison,
    prison_site,
    receive,
    surgery,
)
from tests.factories import person_with_case, share_with, staff
from tests.referrals.conftest import give_consent, make_referral

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
TODAY = datetime.date.today

ALL_PANELS = {
    "handoffs",
    "overdue",
    "no-contact",
    "appointments",
    "referrals-to-answer",
    "interviews",
    "checks-due",
    "starts-to-verify",
    "freshstart",
    "markers-expiring",
    "custody-summary",
    "team-overdue",
    "team-overdue-checks",
    "emergency-to-review",
    "restricted-records",
}


def _panels(html) -> set[str]:
    return {panel for panel in ALL_PANELS if f'<h2 class="govuk-heading-m" id="{panel}"' in html}


def _section(html, panel) -> str:
    section = html[html.index(f'id="{panel}"') :]
    rest = section.find("<h2", 1)
    return section if rest == -1 else section[:rest]


def _see_all(html) -> dict[str, list[str]]:
    links = {}
    for href, panel in re.findall(r'href="([^"]+)" data-see-all="([^"]+)"', html):
        links.setdefault(panel, []).append(href.replace("&amp;", "&"))
    return links


def _my_work(client, **params):
    response = client.get(reverse("casework:my_work"), params)
    assert response.status_code == 200
    return response.content.decode()


def _check_role(client, html, expected: set[str]):
    """The role's panels and no others; every See all link opens (200)."""
    assert _panels(html) == expected, _panels(html) ^ expected
    links = _see_all(html)
    assert links, "no See all links"
    for panel, hrefs in links.items():
        for href in hrefs:
            assert client.get(href).status_code == 200, (panel, href)
    return links


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        _my_work(client)
    return len(ctx.captured_queries)


# --- Employment adviser ---------------------------------------------------------------------


@pytest.fixture
def provision_a(provider_a):
    return Provision.objects.create(
        name="Job club A",
        agency=provider_a,
        agency_kind=DeliveryKind.OTHER_PARTNER,
        setting=Setting.COMMUNITY,
        eligibility="Anyone",
    )


@pytest.fixture
def adviser_world(caseworker_a, provider_a, adviser_a, provision_a):
    employer = employer_services.employer_create(
        user=adviser_a,
        name="Hatters Logistics",
        sector="warehousing",
        town="Luton",
        postcode="lu1 3aa",
        engagement_level="engaged",
    )
    vacancy = employer_services.vacancy_create(
        user=adviser_a,
        employer=employer,
        title="Warehouse operative",
        hours_per_week=37.5,
        disclosure_level="basic",
        closing_date=TODAY() + 20 * DAY,
    )

    def add(n, offset=0):
        for i in range(offset, offset + n):
            person, case = person_with_case(caseworker_a, last_name=f"Adv{i}")
            give_consent(caseworker_a, person, provider_a)
            make_referral(caseworker_a, case, provision_a, reason=f"Referral {i}")
            share_with(caseworker_a, case, provider_a)
            employer_services.application_create(
                user=adviser_a,
                person=person,
                vacancy=vacancy,
                status="interview_arranged",
                interview_at=timezone.now() + (i + 1) * DAY,
            )
            employer_services.employment_spell_create(
                user=adviser_a,
                person=person,
                employer=employer,
                job_title="Picker",
                start_date=TODAY() - datetime.timedelta(weeks=4),
            )

    return add


def test_employment_adviser_sees_referrals_interviews_checks_and_starts(
    client_for, adviser_a, adviser_world
):
    adviser_world(1)
    client = client_for(adviser_a)
    html = _my_work(client)
    links = _check_role(
        client, html, {"referrals-to-answer", "interviews", "checks-due", "starts-to-verify"}
    )
    for panel in ("referrals-to-answer", "interviews", "checks-due", "starts-to-verify"):
        assert "Jordan Adv0" in _section(html, panel), panel
    assert "Referrals to answer (1)" in html and "Interviews coming up (1)" in html
    assert "Show the team's" in html
    assert "Retention checks due (1)" in html and "Job starts to verify (1)" in html
    # the navigation reads the panel's count of referrals to answer
    assert "Referrals (1)" in html
    # the page's one audit event names the person it showed
    from audit.models import AccessEvent
    from casework.models import Person

    event = AccessEvent.objects.filter(user=adviser_a, detail__page="my_work").get()
    assert event.detail["people"] == [Person.objects.get(last_name="Adv0").pk]
    # the full lists show the same rows (the inbox as "ADV0, Jordan")
    for panel in ("interviews", "starts-to-verify", "referrals-to-answer"):
        assert "adv0" in client.get(links[panel][0]).content.decode().lower(), panel


def test_employment_adviser_my_work_runs_the_same_queries_for_1_and_10_rows(
    client_for, adviser_a, adviser_world
):
    client = client_for(adviser_a)
    adviser_world(1)
    small = _queries(client)
    adviser_world(9, offset=1)
    html = _my_work(client)
    assert "Interviews coming up (10)" in html and "Job starts to verify (10)" in html
    assert "Referrals to answer (10)" in html and "Retention checks due (10)" in html
    assert _queries(client) == small


def test_interviews_and_starts_lists_paginate_and_filter_mine(
    client_for, provider_a, adviser_a, adviser_world, monkeypatch
):
    from core import worklist

    monkeypatch.setattr(worklist, "PAGE_SIZE", 2)
    adviser_world(3)
    colleague = staff("adviser_colleague", provider_a, Role.EMPLOYMENT_ADVISER)
    client = client_for(adviser_a)
    url = reverse("employers:interviews")
    first = client.get(url).content.decode()
    assert "Interviews arranged: 3" in first and "Page 1 of 2" in first
    assert first.count("Jordan Adv") == 2
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count("Jordan Adv") == 1 and "Jordan Adv2" in second
    # a colleague's own list is empty; the team's has all three
    other = client_for(colleague)
    assert "No interviews are arranged." in other.get(url, {"whose": "mine"}).content.decode()
    assert "Interviews arranged: 3" in other.get(url).content.decode()
    starts = client.get(reverse("employers:starts_to_verify"), {"whose": "mine"}).content.decode()
    assert "Job starts not verified: 3" in starts


# --- Work coach -----------------------------------------------------------------------------


@pytest.fixture
def coach_world(caseworker_a, ebsa_a, jobcentre_a, work_coach_a, prison_site, surgery):  # noqa: F811
    from agencies.models import SiteKind
    from tests.factories import SiteFactory

    office = SiteFactory(
        agency=jobcentre_a, name="Luton Jobcentre", kind=SiteKind.JOBCENTRE, town="Luton"
    )
    provision = Provision.objects.create(
        name="Work search support",
        agency=jobcentre_a,
        agency_kind=DeliveryKind.OTHER_PARTNER,
        setting=Setting.COMMUNITY,
        eligibility="Anyone",
    )

    def add(n, offset=0):
        for i in range(offset, offset + n):
            # a prisoner released to Luton, booked for Freshstart: the appointment was 2 hours ago
            prisoner, _ = person_with_case(
                caseworker_a,
                last_name=f"Coach{i}",
                national_insurance_number=f"AB{123400 + i}C",
                prison_number=f"A{1000 + i}BC",
                release_area="Luton",
                offender_group="short_custody",
            )
            receive(prisoner, prison_site, days_ago=10, expected_in_days=RELEASE_IN_DAYS)
            appointment = custody_services.freshstart_book(
                user=ebsa_a,
                person=prisoner,
                office=office,
                appointment_at=timezone.now() + (RELEASE_IN_DAYS + 2) * DAY,
            )
            FreshstartAppointment.objects.filter(pk=appointment.pk).update(
                appointment_at=timezone.now() - datetime.timedelta(hours=2)
            )
            # someone in the community with an offender marker ending in 10 days, and a referral
            person, case = person_with_case(caseworker_a, last_name=f"Marked{i}")
            share_with(
                caseworker_a,
                case,
                jobcentre_a,
                purposes=("employment_support", "offender_marker"),
                categories=["identity", "benefits", "case", "referrals"],
            )
            marker = custody_services.marker_set(user=work_coach_a, person=person, kind="offender")
            Marker.objects.filter(pk=marker.pk).update(expires_on=TODAY() + 10 * DAY)
            make_referral(caseworker_a, case, provision, reason=f"Referral {i}")

    return add


def test_work_coach_sees_freshstart_markers_and_referrals(client_for, work_coach_a, coach_world):
    coach_world(1)
    client = client_for(work_coach_a)
    html = _my_work(client)
    _check_role(client, html, {"freshstart", "markers-expiring", "referrals-to-answer"})
    # none of the work coach's lists is theirs alone: no "yours or the team's" choice
    assert "Show the team" not in html and "whoever takes it on" in html
    freshstart = _section(html, "freshstart")
    assert "Jordan Coach0" in freshstart and "Attendance to record" in freshstart
    appointment = FreshstartAppointment.objects.get(person__last_name="Coach0")
    assert reverse("custody:freshstart_attendance", args=[appointment.pk]) in freshstart
    assert "Jordan Marked0" in _section(html, "markers-expiring")
    assert "Jordan Marked0" in _section(html, "referrals-to-answer")
    full = client.get(reverse("custody:markers_expiring")).content.decode()
    assert "Jordan Marked0" in full and "Markers ending: 1" in full
    week = client.get(_see_all(html)["freshstart"][0]).content.decode()
    assert "Appointments without attendance: 1" in week
    assert reverse("custody:freshstart_attendance", args=[appointment.pk]) in week


def test_work_coach_my_work_runs_the_same_queries_for_1_and_10_rows(
    client_for, work_coach_a, coach_world
):
    client = client_for(work_coach_a)
    coach_world(1)
    small = _queries(client)
    coach_world(9, offset=1)
    html = _my_work(client)
    assert "Freshstart appointments today and this week (10)" in html
    assert "Markers ending soon (10)" in html and "Referrals to answer (10)" in html
    assert _queries(client) == small


# --- EBSA -----------------------------------------------------------------------------------


@pytest.fixture
def ebsa_world(caseworker_a, prison_site, surgery):  # noqa: F811
    def add(n, offset=0):
        for i in range(offset, offset + n):
            person, _ = person_with_case(
                caseworker_a,
                last_name=f"Inside{i}",
                national_insurance_number=f"AB{223400 + i}C",
                prison_number=f"B{1000 + i}BC",
                release_area="Luton",
                offender_group="short_custody",
            )
            receive(person, prison_site, days_ago=10, expected_in_days=RELEASE_IN_DAYS)

    return add


def _summary_count(html, text) -> int:
    section = _section(html, "custody-summary")
    match = re.search(
        re.escape(text) + r'[^<]*</dt>\s*<dd class="govuk-summary-list__value">(\d+)</dd>', section
    )
    assert match, text
    return int(match.group(1))


def test_ebsa_sees_the_custody_worklist_summary(
    client_for,
    ebsa_a,
    ebsa_world,
    region,
    prison_site,  # noqa: F811
):
    from casework.models import Person
    from custody.models import BenefitDeliveryCentre
    from custody.selectors import ebsa_worklist

    ebsa_world(3)
    # one of them has a closure sent to the Benefit Delivery Centre 8 days ago, not confirmed
    custody_services.claim_closure_create(
        user=ebsa_a,
        person=Person.objects.get(last_name="Inside0"),
        establishment=prison_site,
        reception_date=TODAY() - 10 * DAY,
        benefits=["jsa"],
        bdc=BenefitDeliveryCentre.objects.create(
            name="Bedford Benefit Centre",
            secure_email="bedford.bdc@dwp.example",
            phone="01632 960101",
            region=region,
        ),
        sent_to_bdc_on=TODAY() - 8 * DAY,
        bdc_contact_method="secure_email",
    )
    client = client_for(ebsa_a)
    html = _my_work(client)
    links = _check_role(client, html, {"custody-summary"})
    work = ebsa_worklist(user=ebsa_a)  # the worklist's own numbers
    assert _summary_count(html, "Receptions without a claim closure") == work.receptions_total == 2
    assert (
        _summary_count(html, "Claim closures waiting for the Benefit Delivery Centre")
        == work.in_progress_total
        == 1
    )
    assert _summary_count(html, "(to chase)") == work.to_chase_total
    assert _summary_count(html, "Releases in the next 6 weeks") == work.releases_total
    assert _summary_count(html, "Scan rows that matched nobody") == work.scan_items_open == 0
    worklist = client.get(links["custody-summary"][0].split("#")[0]).content.decode()
    assert "Jordan Inside1" in worklist and "Jordan Inside2" in worklist


def test_ebsa_my_work_runs_the_same_queries_for_1_and_10_rows(client_for, ebsa_a, ebsa_world):
    client = client_for(ebsa_a)
    ebsa_world(1)
    small = _queries(client)
    ebsa_world(9, offset=1)
    assert _summary_count(_my_work(client), "Receptions without a claim closure") == 10
    assert _queries(client) == small


# --- Caseworker -----------------------------------------------------------------------------


def _caseworker_rows(caseworker, n, offset=0):
    for i in range(offset, offset + n):
        _, case = person_with_case(caseworker, last_name=f"Case{i}", start_date=TODAY() - 60 * DAY)
        casework_services.action_add(
            user=caseworker, case=case, description=f"Late {i}", due_date=TODAY() - DAY
        )
        casework_services.appointment_add(
            user=caseworker,
            case=case,
            kind="probation",
            at=timezone.now() + datetime.timedelta(days=2),
            where="Luton office",
        )


def test_caseworker_sees_todays_lists_and_appointments_this_week(client_for, caseworker_a):
    _caseworker_rows(caseworker_a, 1)
    client = client_for(caseworker_a)
    html = _my_work(client)
    _check_role(client, html, {"handoffs", "overdue", "no-contact", "appointments", "checks-due"})
    appointments = _section(html, "appointments")
    assert "Jordan Case0" in appointments and "Luton office" in appointments
    assert "Late 0" in _section(html, "overdue")
    full = client.get(reverse("casework:appointments_week")).content.decode()
    assert "Jordan Case0" in full and "Appointments: 1" in full


def test_caseworker_my_work_runs_the_same_queries_for_1_and_10_rows(client_for, caseworker_a):
    client = client_for(caseworker_a)
    _caseworker_rows(caseworker_a, 1)
    small = _queries(client)
    _caseworker_rows(caseworker_a, 9, offset=1)
    html = _my_work(client)
    assert "Appointments this week (10)" in html and "Overdue actions (10)" in html
    assert _queries(client) == small


def test_overdue_actions_open_in_full_with_pagination_and_filters(
    client_for, caseworker_a, caseworker_a2, monkeypatch
):
    """My work shows the first 25 overdue actions; the full list has them all, page by page."""
    from casework import views

    monkeypatch.setattr(views, "MY_WORK_ROWS", 2)
    _caseworker_rows(caseworker_a, 3)
    _, case = person_with_case(caseworker_a2, last_name="Theirs", start_date=TODAY() - 60 * DAY)
    casework_services.action_add(
        user=caseworker_a2,
        case=case,
        description="Their late one",
        due_date=TODAY() - 2 * DAY,
        owner=caseworker_a2,
    )
    client = client_for(caseworker_a)
    html = _my_work(client)
    assert "Overdue actions (3)" in html and _section(html, "overdue").count("Late ") == 2
    (href,) = _see_all(html)["overdue"]
    mine = client.get(href).content.decode()
    assert "Overdue actions: 3" in mine and "Their late one" not in mine
    assert all(f"Late {i}" in mine for i in range(3))

    from core import worklist

    monkeypatch.setattr(worklist, "PAGE_SIZE", 3)
    url = reverse("casework:overdue_actions")
    team = client.get(url).content.decode()
    assert "Overdue actions: 4" in team and "Page 1 of 2" in team
    assert team.index("Their late one") < team.index("Late 0")  # oldest first
    assert client.get(url, {"page": 2}).content.decode().count("Late ") == 1
    one = client.get(url, {"owner": caseworker_a2.pk}).content.decode()
    assert "Overdue actions: 1" in one and "Their late one" in one
    unassigned = client.get(url, {"owner": 0}).content.decode()
    assert "Overdue actions: 3" in unassigned and "Their late one" not in unassigned


# --- Manager --------------------------------------------------------------------------------


@pytest.fixture
def manager_world(caseworker_a, caseworker_a2, caseworker_b, manager_a, settings):
    settings.EMERGENCY_ACCESS_PER_DAY = 100
    employer = employer_services.employer_create(
        user=caseworker_a,
        name="Hatters Logistics",
        sector="warehousing",
        town="Luton",
        postcode="lu1 3aa",
        engagement_level="engaged",
    )

    def add(n, offset=0):
        for i in range(offset, offset + n):
            owner = caseworker_a if i % 2 == 0 else caseworker_a2
            _, case = person_with_case(
                caseworker_a,
                last_name=f"Team{i}",
                crn=f"X{300000 + i}",
                start_date=TODAY() - 60 * DAY,
            )
            casework_services.action_add(
                user=caseworker_a,
                case=case,
                description=f"Late {i}",
                due_date=TODAY() - DAY,
                owner=owner,
            )
            # a job start whose 4-week check is past its grace days: overdue, the owner's
            employer_services.employment_spell_create(
                user=caseworker_a,
                person=case.person,
                adviser=owner,
                employer=employer,
                job_title="Picker",
                start_date=TODAY()
                - datetime.timedelta(weeks=4, days=settings.RETENTION_GRACE_DAYS + 1),
            )
            consent_services.emergency_access_request(
                user=caseworker_b,
                identifier=f"X{300000 + i}",
                reason="safeguarding",
                detail="At the counter, distressed",
            )
            secret, _ = person_with_case(caseworker_a, last_name=f"Secret{i}")
            consent_services.person_set_restricted(
                user=manager_a,
                person=secret,
                restricted=True,
                reason="Victim's safety",
                confirmed=True,
            )

    return add


def test_manager_sees_the_teams_overdue_work_restricted_records_and_emergency_accesses(
    client_for, manager_a, caseworker_a2, manager_world
):
    manager_world(2)
    client = client_for(manager_a)
    html = _my_work(client, whose="team")
    _check_role(
        client,
        html,
        {
            "handoffs",
            "overdue",
            "no-contact",
            "checks-due",
            "team-overdue",
            "team-overdue-checks",
            "emergency-to-review",
            "restricted-records",
        },
    )
    checks = _section(html, "team-overdue-checks")
    assert "The team&#x27;s overdue retention checks by adviser (2)" in html
    assert f"?adviser={caseworker_a2.pk}" in checks
    theirs = client.get(f"{reverse('employers:checks_due')}?adviser={caseworker_a2.pk}")
    assert "1 check due" in theirs.content.decode() and "TEAM1" in theirs.content.decode()
    team = _section(html, "team-overdue")
    assert "Test User" in team or str(caseworker_a2) in team
    assert f"?owner={caseworker_a2.pk}" in team
    one = client.get(f"{reverse('casework:overdue_actions')}?owner={caseworker_a2.pk}")
    assert "Late 1" in one.content.decode() and "Late 0" not in one.content.decode()
    assert "Jordan Team0" in _section(html, "emergency-to-review")
    assert "Jordan Secret1" in _section(html, "restricted-records")


def test_manager_my_work_runs_the_same_queries_for_1_and_10_rows(
    client_for, manager_a, manager_world
):
    client = client_for(manager_a)
    manager_world(1)
    small = _queries(client)
    manager_world(9, offset=1)
    html = _my_work(client)
    assert "Emergency accesses to review (10)" in html and "Restricted records (10)" in html
    assert "The team&#x27;s overdue actions by person (10)" in html
    assert "The team&#x27;s overdue retention checks by adviser (10)" in html
    assert _queries(client) == small


# --- Commissioner, and where sign-in lands ------------------------------------------------


def test_sign_in_lands_on_my_work_for_staff_and_on_the_reports_for_a_commissioner(
    client_for, caseworker_a, adviser_a, work_coach_a, ebsa_a, commissioner_manager
):
    assert settings.LOGIN_REDIRECT_URL == "casework:home"
    for user in (caseworker_a, adviser_a, work_coach_a, ebsa_a):
        response = client_for(user).get(reverse("casework:home"))
        assert response.status_code == 302 and response.url == reverse("casework:my_work"), user
    response = client_for(commissioner_manager).get(reverse("casework:home"))
    assert response.status_code == 302 and response.url == reverse("reporting:report_list")


def test_signing_in_with_the_form_goes_to_my_work(client, caseworker_a):
    caseworker_a.set_password("a long enough password 1")
    caseworker_a.save()
    response = client.post(
        reverse("login"),
        {"username": caseworker_a.username, "password": "a long enough password 1"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("casework:my_work")
    assert (
        response.status_code == 200
        and b'<h1 class="govuk-heading-l">My work</h1>' in response.content
    )


@pytest.mark.parametrize(
    "persona",
    ["caseworker_a", "manager_a", "adviser_a", "work_coach_a", "ebsa_a", "commissioner_manager"],
)
def test_the_navigation_shows_only_what_the_role_can_open(request, client_for, persona):
    """Every navigation link answers 200: nothing in it says 'no permission'."""
    from core.context_processors import NAV_ITEMS

    user = request.getfixturevalue(persona)
    client = client_for(user)
    response = client.get(reverse("casework:home"), follow=True)
    hrefs = {item["href"] for item in response.context["nav_items"]}
    html = response.content.decode()
    shown = [name for _label, name, _action in NAV_ITEMS if reverse(name) in hrefs]
    assert all(f'href="{href}"' in html for href in hrefs)
    assert shown
    for name in shown:
        assert client.get(reverse(name)).status_code == 200, (persona, name)
    if persona == "commissioner_manager":
        assert "reporting:report_list" in shown
        assert "casework:my_work" not in shown and "casework:caseload" not in shown
    else:
        assert "casework:my_work" in shown


def test_hand_offs_and_cases_without_contact_open_in_full(
    client_for, caseworker_a, caseworker_b, case_a, agency_b
):
    from tests.factories import EVERYTHING_BUT_SENSITIVE

    consent_services.consent_record(
        user=caseworker_a,
        person=case_a.person,
        recipient_agency=agency_b,
        purposes=["employment_support"],
        data_categories=EVERYTHING_BUT_SENSITIVE,
        method="signed_form",
        form_version="v3",
        given_on=TODAY(),
    )
    client_for(caseworker_a).post(
        reverse("casework:handoff_create", args=[case_a.pk]), {"to_agency": agency_b.pk}
    )
    client = client_for(caseworker_b)
    html = _my_work(client)
    (href,) = _see_all(html)["handoffs"]
    full = client.get(href).content.decode()
    handoff = case_a.handoffs.get()
    assert "Hand-offs waiting: 1" in full
    assert reverse("casework:handoff_detail", args=[handoff.pk]) in full

    _caseworker_rows(caseworker_a, 2)
    mine = client_for(caseworker_a)
    (href,) = _see_all(_my_work(mine))["no-contact"]
    quiet = mine.get(href).content.decode()
    assert "Jordan Case0" in quiet and "Jordan Case1" in quiet and "Never" in quiet


def test_a_full_list_answers_403_to_a_role_that_does_not_work_from_it(
    client_for, caseworker_a, adviser_a, work_coach_a, ebsa_a, commissioner_manager
):
    refused = {
        work_coach_a: [
            "casework:overdue_actions",
            "casework:appointments_week",
            "employers:interviews",
        ],
        ebsa_a: [
            "custody:markers_expiring",
            "custody:freshstart_week",
            "employers:starts_to_verify",
            "casework:cases_without_contact",
        ],
        caseworker_a: ["employers:interviews", "custody:markers_expiring"],
        adviser_a: ["casework:overdue_actions", "custody:markers_expiring"],
        commissioner_manager: [
            "casework:overdue_actions",
            "casework:handoffs",
            "employers:interviews",
        ],
    }
    for user, names in refused.items():
        client = client_for(user)
        for name in names:
            assert client.get(reverse(name)).status_code in (403, 404), (user, name)
