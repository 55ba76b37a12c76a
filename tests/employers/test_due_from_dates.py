"""Issue 18: a retention check whose date has come shows as due or overdue on the next request,
from its dates, whether or not the retention sweep has run. The sweep only tells the advisers and
records history; no test here runs it unless it says so."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse

from employers import services
from employers.models import CheckStatus, RetentionCheck, check_status_on
from tests.factories import person_with_case, share_with

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today
BASE = "/api/v1"
GRACE = settings.RETENTION_GRACE_DAYS


def _tags(html: str) -> list[str]:
    """The text of each GOV.UK tag on the page, with its colour: ["yellow:Due", ...]."""
    return [
        f"{colour}:{text.strip()}"
        for colour, text in re.findall(
            r'<strong class="govuk-tag govuk-tag--(\w+)"[^>]*>\s*([^<]*?)\s*</strong>', html
        )
    ]


def _stored(spell):
    return dict(spell.checks.values_list("milestone_weeks", "status"))


def test_status_on_follows_the_dates_and_the_sweeps_grace():
    due_on = datetime.date(2026, 9, 7)
    day = datetime.timedelta(days=1)
    assert check_status_on("scheduled", due_on, due_on - day) == "scheduled"
    assert check_status_on("scheduled", due_on, due_on) == "due"
    assert check_status_on("scheduled", due_on, due_on + GRACE * day) == "due"
    assert check_status_on("scheduled", due_on, due_on + (GRACE + 1) * day) == "overdue"
    # a stored status the sweep set does not matter: the dates decide
    assert check_status_on("overdue", due_on, due_on - day) == "scheduled"
    assert check_status_on("due", due_on, due_on + (GRACE + 1) * day) == "overdue"
    for final in ("recorded", "cancelled"):
        assert check_status_on(final, due_on, due_on + 100 * day) == final


def test_the_query_annotation_agrees_with_status_on(adviser_a, shared_person, make_spell):
    spell = make_spell(shared_person, weeks_ago=8)  # 4-week check 4 weeks ago, 8-week today
    checks = {c.milestone_weeks: c for c in spell.checks.all()}
    start = checks[4].due_on - datetime.timedelta(days=3)
    for offset in range(0, 9 * 7):
        day = start + datetime.timedelta(days=offset)
        annotated = dict(
            RetentionCheck.objects.filter(spell=spell)
            .with_current_status(day)
            .values_list("milestone_weeks", "current_status")
        )
        assert annotated == {w: c.status_on(day) for w, c in checks.items()}, day
        for status in OPEN_STATUSES:
            filtered = set(
                RetentionCheck.objects.filter(spell=spell)
                .current_status_is(status, day)
                .values_list("milestone_weeks", flat=True)
            )
            assert filtered == {w for w, s in annotated.items() if s == status}, (day, status)
        due_now = set(
            RetentionCheck.objects.filter(spell=spell)
            .due_now(day)
            .values_list("milestone_weeks", flat=True)
        )
        assert due_now == {w for w, s in annotated.items() if s in ("due", "overdue")}, day


OPEN_STATUSES = ["scheduled", "due", "overdue"]


def test_a_check_due_today_shows_due_on_the_pages_and_the_api_without_the_sweep(
    client_for, api_for, adviser_a, shared_person, make_spell
):
    spell = make_spell(shared_person, weeks_ago=4)
    assert _stored(spell) == {4: "scheduled", 8: "scheduled", 12: "scheduled"}
    four = spell.checks.get(milestone_weeks=4)
    assert four.due_on == TODAY() and four.current_status == "due"
    page = client_for(adviser_a)

    html = page.get(reverse("employers:spell_detail", args=[spell.pk])).content.decode()
    assert _tags(html) == ["yellow:Due", "blue:Scheduled", "blue:Scheduled"]
    assert reverse("employers:check_record", args=[four.pk]) in html

    html = page.get(reverse("employers:checks_due")).content.decode()
    assert "1 check due" in html and _tags(html) == ["yellow:Due"]
    assert reverse("employers:check_record", args=[four.pk]) in html

    html = page.get(reverse("casework:person_detail", args=[shared_person.pk])).content.decode()
    assert "Next retention check: 4 weeks" in html and "yellow:Due" in _tags(html)

    api = api_for(adviser_a)
    rows = api.get(f"{BASE}/retention-checks/").json()["results"]
    assert [(r["milestone_weeks"], r["status"]) for r in rows] == [
        (4, "due"),
        (8, "scheduled"),
        (12, "scheduled"),
    ]
    assert api.get(f"{BASE}/retention-checks/{four.pk}/").json()["status"] == "due"
    due = api.get(f"{BASE}/retention-checks/", {"status": "due"}).json()["results"]
    assert [r["id"] for r in due] == [four.pk]
    assert api.get(f"{BASE}/retention-checks/", {"status": "overdue"}).json()["results"] == []
    scheduled = api.get(f"{BASE}/retention-checks/", {"status": "scheduled"}).json()["results"]
    assert [r["milestone_weeks"] for r in scheduled] == [8, 12]
    assert _stored(spell)[4] == "scheduled"  # nothing was written: the status came from the date


def test_a_check_past_the_grace_shows_overdue_and_one_within_it_due(
    client_for, api_for, adviser_a, shared_person, make_spell
):
    # one job's 4-week check fell due GRACE + 1 days ago (overdue), another's exactly GRACE days ago
    # (still due, as the sweep counts it); their 8- and 12-week checks are still to come
    late = make_spell(shared_person, days_ago=28 + GRACE + 1, job_title="Forklift driver")
    edge = make_spell(shared_person, days_ago=28 + GRACE, job_title="Picker")
    page = client_for(adviser_a)

    html = page.get(reverse("employers:spell_detail", args=[late.pk])).content.decode()
    assert _tags(html) == ["red:Overdue", "blue:Scheduled", "blue:Scheduled"]
    html = page.get(reverse("employers:spell_detail", args=[edge.pk])).content.decode()
    assert _tags(html) == ["yellow:Due", "blue:Scheduled", "blue:Scheduled"]

    html = page.get(reverse("employers:checks_due")).content.decode()
    assert "2 checks due" in html
    assert _tags(html) == ["red:Overdue", "yellow:Due"]  # overdue first
    assert html.index("Forklift driver") < html.index("Picker")

    api = api_for(adviser_a)
    late_four = late.checks.get(milestone_weeks=4)
    assert api.get(f"{BASE}/retention-checks/{late_four.pk}/").json()["status"] == "overdue"
    overdue = api.get(f"{BASE}/retention-checks/", {"status": "overdue"}).json()["results"]
    assert [r["id"] for r in overdue] == [late_four.pk]
    due = api.get(f"{BASE}/retention-checks/", {"status": "due"}).json()["results"]
    assert [r["id"] for r in due] == [edge.checks.get(milestone_weeks=4).pk]
    assert _stored(late)[4] == "scheduled" and _stored(edge)[4] == "scheduled"


def test_recorded_and_cancelled_checks_keep_their_status(
    client_for, api_for, adviser_a, shared_person, make_spell
):
    spell = make_spell(shared_person, weeks_ago=13)  # 4w and 8w past the grace, 12w 7 days ago
    four = spell.checks.get(milestone_weeks=4)
    services.retention_check_record(
        user=adviser_a, check=four, outcome="in_work", evidence="payslip", checked_on=TODAY()
    )
    ended = make_spell(shared_person, weeks_ago=9, job_title="Picker")
    services.employment_spell_update(
        user=adviser_a,
        spell=ended,
        version=ended.version,
        end_date=TODAY() - datetime.timedelta(weeks=3),  # after the 4-week check, before the 8
        end_reason="dismissed",
    )
    assert _stored(ended) == {4: "scheduled", 8: "cancelled", 12: "cancelled"}
    page = client_for(adviser_a)

    html = page.get(reverse("employers:spell_detail", args=[spell.pk])).content.decode()
    assert _tags(html) == ["green:Recorded", "red:Overdue", "yellow:Due"]
    html = page.get(reverse("employers:spell_detail", args=[ended.pk])).content.decode()
    assert _tags(html) == ["red:Overdue", "grey:Cancelled", "grey:Cancelled"]

    html = page.get(reverse("employers:checks_due")).content.decode()
    assert "3 checks due" in html  # 8 and 12 weeks of the first, 4 weeks of the ended job
    assert reverse("employers:check_record", args=[four.pk]) not in html

    api = api_for(adviser_a)
    statuses = {
        (r["spell"], r["milestone_weeks"]): r["status"]
        for r in api.get(f"{BASE}/retention-checks/").json()["results"]
    }
    assert statuses[(spell.pk, 4)] == "recorded"
    assert statuses[(ended.pk, 8)] == statuses[(ended.pk, 12)] == "cancelled"
    recorded = api.get(f"{BASE}/retention-checks/", {"status": "recorded"}).json()["results"]
    assert [r["id"] for r in recorded] == [four.pk]


def test_my_checks_due_lists_checks_due_by_date_without_the_sweep(
    client_for, caseworker_a, provider_a, adviser_a, employer
):
    from tests.factories import staff

    colleague = staff("adviser_colleague", provider_a, "employment_adviser")
    for adviser, name, weeks in [(adviser_a, "Mine", 4), (colleague, "Theirs", 4)]:
        person, case = person_with_case(caseworker_a, last_name=name)
        share_with(caseworker_a, case, provider_a)
        services.employment_spell_create(
            user=adviser_a,
            person=person,
            adviser=adviser,
            employer=employer,
            job_title="Picker",
            start_date=TODAY() - datetime.timedelta(weeks=weeks),
        )
    person, case = person_with_case(caseworker_a, last_name="Notyet")
    share_with(caseworker_a, case, provider_a)
    services.employment_spell_create(
        user=adviser_a,
        person=person,
        employer=employer,
        job_title="Picker",
        start_date=TODAY() - datetime.timedelta(weeks=4) + datetime.timedelta(days=1),
    )
    assert not RetentionCheck.objects.exclude(status=CheckStatus.SCHEDULED).exists()
    page = client_for(adviser_a)
    mine = page.get(reverse("employers:checks_due"), {"mine": "1"}).content.decode()
    assert "1 check due" in mine and "MINE" in mine
    assert "THEIRS" not in mine and "NOTYET" not in mine
    team = page.get(reverse("employers:checks_due")).content.decode()
    assert "2 checks due" in team and team.index("MINE") < team.index("THEIRS")
    assert "NOTYET" not in team


def _checks_section(html):
    """My work's retention checks list, up to the next list (job starts to verify follows it)."""
    section = html[html.index('id="checks-due"') :]
    return section[: section.index("<h2")] if "<h2" in section else section


def test_my_work_lists_retention_checks_due_by_date_without_the_sweep(
    client_for, caseworker_a, provider_a, adviser_a, work_coach_a, employer
):
    from tests.factories import staff

    colleague = staff("adviser_colleague", provider_a, "employment_adviser")
    for adviser, name, days_ago in [
        (adviser_a, "Mine", 28),
        (adviser_a, "Late", 28 + GRACE + 1),
        (colleague, "Theirs", 28),
        (adviser_a, "Notyet", 27),
    ]:
        person, case = person_with_case(caseworker_a, last_name=name)
        share_with(caseworker_a, case, provider_a)
        services.employment_spell_create(
            user=adviser_a,
            person=person,
            adviser=adviser,
            employer=employer,
            job_title="Picker",
            start_date=TODAY() - datetime.timedelta(days=days_ago),
        )
    assert not RetentionCheck.objects.exclude(status=CheckStatus.SCHEDULED).exists()
    page = client_for(adviser_a)

    html = page.get(reverse("casework:my_work")).content.decode()
    assert "Retention checks due (2)" in html
    section = _checks_section(html)
    assert section.index("Late") < section.index("Mine")  # overdue first
    assert "Theirs" not in section and "Notyet" not in section
    assert _tags(section) == ["red:Overdue", "yellow:Due"]
    late = RetentionCheck.objects.get(spell__person__last_name="Late", milestone_weeks=4)
    assert reverse("employers:check_record", args=[late.pk]) in section

    team = page.get(reverse("casework:my_work"), {"whose": "team"}).content.decode()
    section = _checks_section(team)
    assert "Retention checks due (3)" in team and "Theirs" in section and "Notyet" not in section
    assert section.index("Mine") < section.index("Theirs")  # yours first

    # a work coach does not work retention checks: My work has no such list for them
    assert (
        'id="checks-due"'
        not in client_for(work_coach_a).get(reverse("casework:my_work")).content.decode()
    )


def _people_with_checks_due_today(caseworker_a, provider_a, adviser_a, employer, n, offset):
    """n people, each with a job that started 4 weeks ago: its 4-week check is due today."""
    for i in range(n):
        person, case = person_with_case(caseworker_a, last_name=f"Load{offset + i}")
        share_with(caseworker_a, case, provider_a)
        services.employment_spell_create(
            user=adviser_a,
            person=person,
            employer=employer,
            job_title="Picker",
            start_date=TODAY() - datetime.timedelta(weeks=4),
        )


def test_checks_due_page_my_work_and_api_run_the_same_queries_for_1_and_10_checks(
    client_for,
    api_for,
    caseworker_a,
    provider_a,
    adviser_a,
    employer,
    django_assert_max_num_queries,
):
    page, api = client_for(adviser_a), api_for(adviser_a)
    _people_with_checks_due_today(caseworker_a, provider_a, adviser_a, employer, 1, 0)
    with django_assert_max_num_queries(15) as small_page:  # +1 notifications
        html = page.get(reverse("employers:checks_due")).content.decode()
    assert html.count("Picker") == 1 and _tags(html) == ["yellow:Due"]
    with django_assert_max_num_queries(30) as small_work:
        html = page.get(reverse("casework:my_work")).content.decode()
    assert "Retention checks due (1)" in html
    with django_assert_max_num_queries(20) as small_api:
        rows = api.get(f"{BASE}/retention-checks/", {"status": "due"}).json()["results"]
    assert len(rows) == 1

    _people_with_checks_due_today(caseworker_a, provider_a, adviser_a, employer, 9, 10)
    with django_assert_max_num_queries(len(small_page.captured_queries)) as large_page:
        html = page.get(reverse("employers:checks_due")).content.decode()
    assert html.count("Picker") == 10 and _tags(html) == ["yellow:Due"] * 10
    assert len(large_page.captured_queries) == len(small_page.captured_queries)
    with django_assert_max_num_queries(len(small_work.captured_queries)) as large_work:
        html = page.get(reverse("casework:my_work")).content.decode()
    assert "Retention checks due (10)" in html and _checks_section(html).count("Picker") == 10
    assert len(large_work.captured_queries) == len(small_work.captured_queries)
    with django_assert_max_num_queries(len(small_api.captured_queries)) as large_api:
        rows = api.get(f"{BASE}/retention-checks/", {"status": "due"}).json()["results"]
    assert len(rows) == 10 and {r["status"] for r in rows} == {"due"}
    assert len(large_api.captured_queries) == len(small_api.captured_queries)


def test_the_sweep_still_tells_the_adviser_and_records_history(
    adviser_a, shared_person, make_spell, mailoutbox, django_capture_on_commit_callbacks
):
    from audit.models import AccessEvent

    spell = make_spell(shared_person, weeks_ago=4)
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.retention_sweep()
    assert counts["due"] == 1 and counts["notified"] == 1
    assert len(mailoutbox) == 1 and "now due" in mailoutbox[0].body
    assert AccessEvent.objects.filter(detail__system="retention_sweep").count() == 1
    assert _stored(spell)[4] == "due"
    # and the pages said the same before it ran
    assert spell.checks.with_current_status().get(milestone_weeks=4).current_status == "due"
