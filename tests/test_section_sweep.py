"""Sections, checked by brute force: every route that shows a part of a person's record answers 200
only where the agency's basis gives that section.

The demo world holds a person seen under each basis (ADR 0012): owner, consent without and with
sensitive parts, a referral that shared two sections, the claim-closure gateway, Freshstart, a
restricted record without a grant, and emergency access. Every demo login (each role of each demo
agency) requests every route of the site and the API that takes an id, with that person's objects
(the person, their case and each kind of row on it). The expected answer comes from the route's
section (ROUTE_SECTIONS: a new route must say which section it shows) and consent.policy.Access.
"""

import collections

import pytest
from django.test import Client
from django.urls import reverse

from agencies import acting
from agencies.models import User
from casework.models import Case, Person
from consent import policy
from consent.models import EmergencyAccess, PersonAccess
from tests.test_access_sweep import (
    SHARED_ROUTE_PREFIXES,
    _models_from_path,
    id_routes,
    personal_models,
)

ANY = "any"  # any part of the record (the person page)
OWNER = "owner"  # the owner basis (the agency holding the record)
CASE_TEAM = "case_team"  # the owner or the case section (who has viewed, the case team)
PARTY = "party"  # the two agencies of a referral or hand-off, or the referrals/case section
CONSENTS = "consents"  # the owner, or the recipient for its own consent
NOT_EMERGENCY = "not_emergency"  # any part, by a basis other than emergency access
REVIEWER = "reviewer"  # a manager of the requester's or the owner's agency

ROUTE_SECTIONS = {
    "casework:person_detail": ANY,
    "api:person-detail": ANY,
    "casework:person_edit": OWNER,
    "casework:case_create": OWNER,
    "audit:person_access_log": CASE_TEAM,
    "api:person-access-log": CASE_TEAM,
    "audit:subject_access": OWNER,
    "consent:restricted_access": OWNER,
    "consent:consent_list": NOT_EMERGENCY,
    "consent:consent_create": NOT_EMERGENCY,
    "consent:consent_form_pdf": NOT_EMERGENCY,
    "consent:consent_withdraw": CONSENTS,
    "api:consent-detail": CONSENTS,
    "api:consent-withdraw": CONSENTS,
    "consent:emergency_review": REVIEWER,
    "consent:case_share": "case",
    "consent:involvement_end": "case",
    "api:case-share": "case",
    "api:case-detail": "case",
    "casework:case_detail": "case",
    "casework:case_edit": "case",
    "casework:case_summary_pdf": OWNER,
    "casework:case_close": "case",
    "casework:case_reopen": "case",
    "casework:case_progress": "case",
    "casework:case_timeline": "case",
    "casework:handoff_detail": PARTY,
    "casework:case_assessment": "assessment",
    "casework:assessment_create": "assessment",
    "api:case_assessments": "assessment",
    "casework:case_plan": "plan",
    "casework:goal_create": "plan",
    "casework:action_create": "plan",
    "casework:action_edit": "plan",
    "casework:appointment_create": "plan",
    "casework:appointment_attendance": "plan",
    "casework:appointment_edit": "plan",
    "casework:appointment_cancel": "plan",
    "casework:goal_edit": "plan",
    "casework:goal_cancel": "plan",
    "api:case_actions": "plan",
    "api:case_action_detail": "plan",
    "casework:case_notes": "notes",
    "casework:note_create": "notes",
    "casework:case_custody": "custody",
    "casework:sentence_create": "custody",
    "casework:sentence_edit": "custody",
    "casework:transfer_create": "custody",
    "casework:release_plan_edit": "custody",
    "casework:handoff_create": "custody",
    "casework:offender_manager_edit": "case",
    "api:case_offender_manager": "case",
    "casework:risk_licence_edit": "offence",
    "api:case_risk": "offence",
    "casework:case_learning": "plan",
    "casework:qualification_create": "plan",
    "casework:qualification_edit": "plan",
    "casework:course_create": "plan",
    "casework:course_edit": "plan",
    "api:case_qualifications": "plan",
    "api:case_qualification_detail": "plan",
    "api:case_courses": "plan",
    "api:case_course_detail": "plan",
    "employers:support_list": "employment",
    "casework:accommodation_outcome_create": "custody",
    "casework:accommodation_outcome_edit": "custody",
    "api:case_accommodation_outcomes": "custody",
    "api:case_accommodation_outcome_detail": "custody",
    "employers:support_create": "employment",
    "employers:support_edit": "employment",
    "api:support-given-detail": "employment",
    "custody:freshstart_book": "custody",
    "custody:freshstart_attendance": "custody",
    "api:freshstart-appointment-detail": "custody",
    "custody:closure_create": "benefits",
    "custody:closure_detail": "benefits",
    "custody:closure_edit": "benefits",
    "api:claim-closure-detail": "benefits",
    "custody:chase_create": "benefits",
    "custody:chase_edit": "benefits",
    "api:closure-chase-detail": "benefits",
    "custody:marker_set": "benefits",
    "custody:marker_end": "benefits",
    "custody:advice_create": "benefits",
    "custody:claim_create": "benefits",
    "custody:claim_edit": "benefits",
    "employers:person_jobs": "employment",
    "employers:case_jobs": "employment",
    "employers:preferences_edit": "employment",
    "employers:disclosure_create": "employment",
    "employers:application_create": "employment",
    "employers:application_edit": "employment",
    "employers:spell_create": "employment",
    "employers:spell_detail": "employment",
    "employers:spell_edit": "employment",
    "employers:check_record": "employment",
    "employers:feedback_create": "employment",
    "api:application-detail": "employment",
    "api:employment-spell-detail": "employment",
    "api:retention-check-detail": "employment",
    "api:retention-check-record": "employment",
    "reporting:employment_check_record": "employment",
    "reporting:reoffending_check_record": "offence",
    "reporting:reoffence_list": "offence",
    "api:case-reoffences": "offence",
    "consent:involvement_site": ANY,  # the involved agency's own involvement, while it sees the person
    "api:involvement-site": ANY,
    "referrals:create": "case",
    "referrals:detail": PARTY,
    "referrals:check": PARTY,
    "referrals:edit": PARTY,
    "referrals:action": PARTY,
    "api:referral-detail": PARTY,
    "api:referral-accept": PARTY,
    "api:referral-complete": PARTY,
    "api:referral-decline": PARTY,
    "api:referral-send": PARTY,
    "api:referral-start": PARTY,
    "api:referral-withdraw": PARTY,
}
IDENTITY_FIELDS = {"date_of_birth", "national_insurance_number", "prison_number", "crn"}


def _basis_people():
    """{basis: (person, the agency seeing them under that basis)} from the demo world."""
    found = {}
    rows = PersonAccess.objects.select_related("agency", "person").order_by(
        "person_id", "agency_id"
    )
    for row in rows:
        bases = set(row.bases)
        if row.restricted:
            # A restricted person is seen by named users only: not an example of any other basis.
            if "owner" in bases:
                found.setdefault("restricted without a grant", (row.person, row.agency))
        elif bases == {"owner"} and not row.restricted:
            found.setdefault("owner", (row.person, row.agency))
        elif bases == {"consent"} and row.sensitive_until is None and row.case_until:
            found.setdefault("consent without sensitive parts", (row.person, row.agency))
        elif bases == {"consent"} and row.sensitive_until is not None:
            found.setdefault("consent with sensitive parts", (row.person, row.agency))
        elif bases == {"consent"} and row.case_until is None and row.employment_until:
            found.setdefault("referral limited to two sections", (row.person, row.agency))
        elif bases == {"claim_closure"}:
            found.setdefault("claim-closure gateway", (row.person, row.agency))
        elif bases == {"freshstart"}:
            found.setdefault("Freshstart", (row.person, row.agency))
    emergency = EmergencyAccess.objects.select_related("person", "agency").first()
    if emergency is not None:
        found["emergency access"] = (emergency.person, emergency.agency)
    return found


def _objects_of(person, model_paths):
    """One object of each kind of personal record belonging to the person (where there is one)."""
    objects = {}
    for model, path in model_paths.items():
        field = "pk" if path == "pk" else path
        obj = model.objects.filter(**{field: person.pk}).order_by("pk").first()
        if obj is not None:
            objects[model] = obj
    return objects


def _party(user, obj) -> bool:
    agency_id = user.acting.agency_id if user.acting else None
    return agency_id in {getattr(obj, "from_agency_id", None), getattr(obj, "to_agency_id", None)}


def _allowed(rule, user, access, obj) -> bool:
    if rule == ANY:
        return access.visible
    if rule == OWNER:
        return access.owner
    if rule == CASE_TEAM:
        return access.owner or access.sees("case")
    if rule == NOT_EMERGENCY:
        return access.visible and access.emergency is None
    if rule == CONSENTS:
        own = user.acting and obj.recipient_agency_id == user.acting.agency_id
        return access.owner or (access.visible and own)
    if rule == REVIEWER:
        return policy.is_manager(user)
    if rule == PARTY:  # a referral (its section: referrals) or a hand-off (the case section)
        section = "referrals" if type(obj).__name__ == "Referral" else "case"
        return _party(user, obj) or access.sees(section)
    return access.sees(rule)


@pytest.mark.django_db
def test_every_route_answers_200_only_for_the_sections_the_basis_gives(
    demo_world, caplog, monkeypatch
):
    caplog.set_level("CRITICAL", logger="django.request")
    import core.pdf

    monkeypatch.setattr(core.pdf, "render_pdf", lambda html: b"%PDF-1.7 sweep")  # access, not PDFs
    people = _basis_people()
    assert set(people) == {
        "owner",
        "consent without sensitive parts",
        "consent with sensitive parts",
        "referral limited to two sections",
        "claim-closure gateway",
        "Freshstart",
        "restricted without a grant",
        "emergency access",
    }, sorted(people)
    model_paths = personal_models()
    routes = [r for r in id_routes() if not r[0].startswith(SHARED_ROUTE_PREFIXES)]
    unmapped = sorted({name for name, _k, _w in routes if name not in ROUTE_SECTIONS})
    assert not unmapped, f"routes without a section in ROUTE_SECTIONS: {unmapped}"
    users = list(User.objects.order_by("username"))
    clients = {}
    for user in users:
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients[user.pk] = client
    checked, wrong, served = 0, [], collections.Counter()
    for basis, (person, _agency) in sorted(people.items()):
        objects = _objects_of(person, model_paths)
        case = Case.objects.filter(person=person).order_by("pk").first()
        for user in users:
            acting.attach(user)
            policy.forget(user)
            access = policy.access_for(user, person) if user.acting else policy.NO_ACCESS
            for name, kwargs, words in routes:
                kinds = _models_from_path(name, kwargs, model_paths, dict(words))
                if not kinds:
                    continue
                url_kwargs, obj = {}, None
                for key, model in kinds.items():
                    target = (
                        case
                        if model is Case
                        else (person if model is Person else objects.get(model))
                    )
                    if target is None:
                        break
                    url_kwargs[key] = target.pk
                    obj = target if obj is None or model not in (Case, Person) else obj
                else:
                    url = reverse(name, kwargs=url_kwargs | dict(words))
                    response = clients[user.pk].get(url)
                    checked += 1
                    allowed = _allowed(ROUTE_SECTIONS[name], user, access, obj)
                    if response.status_code == 200:
                        served[basis] += 1
                        if not allowed:
                            wrong.append((basis, user.username, url, "200 without the section"))
                        elif name == "api:person-detail":
                            shown = IDENTITY_FIELDS & set(response.json())
                            if bool(shown) != access.sees("identity"):
                                wrong.append(
                                    (basis, user.username, url, f"identity fields {shown}")
                                )
                    elif not access.visible and response.status_code not in (302, 403, 404, 405):
                        wrong.append((basis, user.username, url, response.status_code))
    print(
        f"\nsection sweep: {len(people)} bases x {len(users)} users x {len(routes)} routes -> "
        f"{checked} requests; 200s by basis {dict(served)}; {len(wrong)} wrong"
    )
    assert not wrong, "\n".join(map(str, wrong[:40]))
    assert checked > 1000


@pytest.mark.django_db
def test_the_basis_people_see_what_the_demo_promises(demo_world):
    """The README's table: each login and what it sees of its person."""
    people = _basis_people()
    expect = {
        "claim-closure gateway": ["identity", "custody", "benefits"],
        "Freshstart": ["identity", "custody", "benefits"],
        "referral limited to two sections": ["identity", "employment"],
    }
    for basis, sections in expect.items():
        person, agency = people[basis]
        user = User.objects.filter(memberships__agency=agency).order_by("username").first()
        acting.attach(user, agency.pk)
        assert policy.access_for(user, person).sections == sections, basis
    person, agency = people["emergency access"]
    emergency = EmergencyAccess.objects.get(person=person)
    acting.attach(emergency.user, agency.pk)
    access = policy.access_for(emergency.user, person)
    assert access.emergency is not None and access.sections == ["identity"]


def _names_person(event, person_id) -> bool:
    return event.person_id == person_id or person_id in (event.detail or {}).get("people", [])


def _list_routes():
    """Routes without ids that show lists of people (GET), with the query that makes them show."""
    from tests.test_access_sweep import _routes

    for name, pattern in _routes():
        if not pattern.pattern.regex.groupindex and "<" not in str(pattern.pattern):
            yield name


@pytest.mark.django_db
def test_every_response_that_shows_a_person_wrote_an_event_naming_them(demo_world, monkeypatch):
    """As the owner and as each partner, every page and endpoint that shows the person's name
    (or, in JSON, their id as a person) wrote an access event naming them."""
    import core.pdf
    from audit.models import AccessEvent

    monkeypatch.setattr(core.pdf, "render_pdf", lambda html: b"%PDF-1.7 sweep")
    people = _basis_people()
    model_paths = personal_models()
    routes = [r for r in id_routes() if not r[0].startswith(SHARED_ROUTE_PREFIXES)]
    lists = [name for name in _list_routes() if not name.startswith(("admin:", "api:api-root"))]
    silent, checked = [], 0
    for basis in ("owner", "consent with sensitive parts", "claim-closure gateway"):
        person, agency = people[basis]
        objects = _objects_of(person, model_paths)
        case = Case.objects.filter(person=person).order_by("pk").first()
        user = User.objects.filter(memberships__agency=agency).order_by("username").first()
        client = Client(raise_request_exception=False)
        client.force_login(user)
        urls = []
        for name, kwargs, words in routes:
            kinds = _models_from_path(name, kwargs, model_paths, dict(words))
            if not kinds:
                continue
            url_kwargs = {}
            for key, model in kinds.items():
                target = (
                    case if model is Case else (person if model is Person else objects.get(model))
                )
                if target is None:
                    break
                url_kwargs[key] = target.pk
            else:
                urls.append(reverse(name, kwargs=url_kwargs | dict(words)))
        for name in lists:
            url = reverse(name)
            urls.append(url)
            urls.append(f"{url}?q={person.last_name}")
        for url in urls:
            before = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
            response = client.get(url)
            if response.status_code != 200 or response.get("Content-Type", "").startswith(
                ("image/", "text/css", "application/javascript")
            ):
                continue
            body = response.content.decode(errors="ignore")
            shows = (
                person.full_name in body
                or (
                    response.get("Content-Type", "").startswith("application/json")
                    and (
                        f'"person": {person.pk}' in body
                        or f'"person":{person.pk}' in body
                        or f'"id":{person.pk},' in body
                        or f'"id": {person.pk},' in body
                    )
                )
                or (response.get("Content-Type") == "application/pdf" and url.count(str(person.pk)))
            )
            if not shows:
                continue
            checked += 1
            events = AccessEvent.objects.filter(id__gt=before)
            if not any(_names_person(e, person.pk) for e in events):
                silent.append((basis, user.username, url))
    print(f"\naudit sweep: {checked} responses showing the person; {len(silent)} without an event")
    assert not silent, "\n".join(map(str, silent))
    assert checked > 30
