"""Access events as a person would say them: "Priya Shah viewed the assessment of Sam Smith".

An AccessEvent records an action, the type of the thing (a model label such as
"custody.claimclosure"), the page it was done on (detail["page"]) and, for list and search pages,
the people shown (detail["people"]). `describe_events` puts a sentence on each event of a page
(event.description) with the user's full name, words for the thing (PAGES and OBJECTS below, else
the model's verbose name; never a model label or an id) and the person's name. The names are
fetched for the whole page at once: the users and people the page's queries did not already bring,
one query each, and which people the reader may see named (consent.policy), one query.
"""

import re

from django.apps import apps

from audit.models import AccessEvent, Action

# The verb for each action, as it reads after the user's name.
VERBS = {
    Action.VIEW: "viewed",
    Action.SEARCH: "searched",
    Action.CREATE: "created",
    Action.CHANGE: "changed",
    Action.EXPORT: "exported",
    Action.DOWNLOAD: "downloaded",
    Action.SHARE: "shared",
    Action.WITHDRAW: "withdrew",
    Action.GRANT: "granted access to",
    Action.REVOKE: "revoked access to",
    Action.ANONYMISE: "anonymised",
    Action.DISCLOSE: "disclosed",
}

# Page names (detail["page"]) -> words. A page of one person's record reads "<words> of <person>".
PAGES = {
    "person": "the record",
    "person_edit": "the form to change the personal details",
    "access_log": "the access log",
    "access_log_archive": "the archived access log",
    "subject_access": "everything held about",
    "case_summary": "the case summary",
    "case_create": "the form to open a case",
    "case_edit": "the form to change the case",
    "case_close": "the form to close the case",
    "assessment": "the assessment",
    "assessment form": "the assessment form",
    "plan": "the action plan",
    "notes": "the case notes",
    "custody": "the custody and release details",
    "timeline": "the timeline",
    "learning": "the qualifications and courses",
    "consent": "the consent records",
    "consent form": "the consent form",
    "consent withdrawal form": "the form to withdraw the consent",
    "share form": "the form to share the case",
    "involvement site form": "the form to change the site working on the case",
    "named access": "the named access list",
    "restricted records": "the restricted records page",
    "emergency accesses": "the emergency accesses page",
    "emergency_access": "the emergency access request",
    "emergency review": "the emergency access review",
    "caseload": "the caseload page",
    "person_search": "the person search",
    "my_work": "the my work page",
    "referrals_inbox": "the referrals inbox",
    "referral create form": "the form to make a referral",
    "referral edit form": "the form to change the referral",
    "referral check": "the referral check",
    "referral action form": "the form to act on the referral",
    "checks_due": "the retention checks due page",
    "post_exit_checks": "the post-exit checks page",
    "job_matching": "the job matching page",
    "vacancy_matching": "the vacancy matching page",
    "reoffences": "the reoffences",
    "preferences edit form": "the form to change the job preferences",
    "disclosure create form": "the form to record a disclosure to an employer",
    "application create form": "the form to record a job application",
    "application form": "the form to change the job application",
    "spell create form": "the form to record a job start",
    "job start form": "the form to change the job start",
    "retention check form": "the retention check form",
    "feedback create form": "the form to record employer feedback",
    "support given": "the support given",
    "closure create form": "the form to record a claim closure",
    "closure edit form": "the form to change the claim closure",
    "closure chase form": "the form to chase the claim closure",
    "closure chase edit form": "the form to change the claim closure chase",
    "marker set form": "the form to set an offender marker",
    "end marker form": "the form to end the offender marker",
    "advice create form": "the form to record pre-release advice",
    "freshstart book form": "the form to book a Freshstart appointment",
    "freshstart attendance form": "the Freshstart attendance form",
    "claim create form": "the form to record a benefit claim",
    "claim edit form": "the form to change the benefit claim",
    "custody:worklist": "the custody worklist",
    "custody:scan": "the custody scan",
    "custody:scan_items": "the unmatched scan rows",
    "custody:scan_item": "the unmatched scan row",
    "custody:scan_item_dismiss": "the form to dismiss the unmatched scan row",
    "custody:scan_item_add_person": "the form to add the unmatched scan row as a new person",
    "custody:freshstart_list": "the Freshstart appointments list",
}

# API pages: "api:<last path segment>" -> what the list (or record) is.
API_PAGES = {
    "people": "the list of people",
    "cases": "the list of cases",
    "consents": "the list of consent records",
    "referrals": "the list of referrals",
    "assessments": "the assessments",
    "actions": "the actions",
    "offender_manager": "who manages the person",
    "risk": "the risk and licence details",
    "qualifications": "the qualifications",
    "courses": "the courses",
    "accommodation_outcomes": "the accommodation outcomes",
    "access-log": "the access log",
    "targets": "the targets",
    "reoffences": "the reoffences",
    "scan-items": "the unmatched scan rows",
    "claim-closures": "the list of claim closures",
    "closure-chases": "the list of claim closure chases",
    "freshstart-appointments": "the list of Freshstart appointments",
    "markers": "the list of offender markers",
    "applications": "the list of job applications",
    "spells": "the list of job starts",
    "employment-spells": "the list of job starts",
    "retention-checks": "the list of retention checks",
    "support": "the list of support given",
    "support-given": "the list of support given",
}

# Model labels -> words, where the model's verbose name would not say it as well.
OBJECTS = {
    "casework.person": "the record",
    "casework.case": "the case",
    "casework.assessment": "the assessment",
    "casework.casenote": "the case note",
    "casework.goal": "the action plan goal",
    "casework.planaction": "the action",
    "casework.risklicence": "the risk and licence details",
    "casework.releasehandoff": "the release hand-off",
    "custody.freshstartappointment": "the Freshstart appointment",
    "custody.marker": "the offender marker",
    "custody.prereleaseadvice": "the pre-release advice",
    "custody.postreleaseclaim": "the benefit claim after release",
    "custody.scanrow": "the unmatched scan row",
    "employers.application": "the job application",
    "reporting.postexitemploymentcheck": "the post-exit employment check",
    "custody.claimclosure": "the claim closure",
    "custody.closurechase": "the claim closure chase",
    "consent.consentrecord": "the consent record",
    "consent.emergencyaccess": "the emergency access",
    "employers.employmentspell": "the job start",
    "employers.retentioncheck": "the retention check",
    "referrals.referral": "the referral",
}

SYSTEM_JOBS = {
    "consent_expiry": "The consent expiry job",
    "offender_marker_expiry": "The offender marker expiry job",
    "referral_sla_sweep": "The referral deadline job",
    "retention_sweep": "The records retention job",
    "records_retention": "The records retention job",
}

API = " through the API"
_USER = AccessEvent._meta.get_field("user")
_PERSON = AccessEvent._meta.get_field("person")
_FORM_PAGE = re.compile(r"^(?P<section>[\w ]+) form: (?P<title>.+)$")


def _plain(name: str) -> str:
    """Words for an unknown name: "scan_item-rows" -> "scan item rows" (no dots, no ids)."""
    words = re.sub(r"[^A-Za-z0-9]+", " ", name).strip().lower()
    return re.sub(r"\d+", "", words).strip() or "a record"


def object_words(object_type: str) -> str:
    """Words for a model label: OBJECTS, else "the <verbose name>", never the label itself."""
    if object_type in OBJECTS:
        return OBJECTS[object_type]
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return f"the {_plain(object_type.rsplit('.', 1)[-1])}"
    return f"the {model._meta.verbose_name}"


def page_words(page: str) -> str:
    """Words for a page name (detail["page"]); unknown names are turned into plain words."""
    if page in PAGES:
        return PAGES[page]
    if page == "api":  # one record through the API (the event's object type says which)
        return f"the record{API}"
    form = _FORM_PAGE.match(page)
    if form:
        return f"the “{form['title']}” form"
    if page.startswith("api:"):
        name = page[4:]
        return f"{API_PAGES.get(name) or 'the ' + _plain(name)}{API}"
    return f"the {_plain(page)}"


def _thing(event) -> str:
    page = (event.detail or {}).get("page") or ""
    if page == "api":
        return f"{object_words(event.object_type or 'casework.person')}{API}"
    if page:
        return page_words(page)
    if event.object_type:
        return object_words(event.object_type)
    return "a record"


def _indefinite(thing: str) -> str:
    """ "the claim closure" -> "a claim closure" (what a create makes)."""
    if not thing.startswith("the "):
        return thing
    rest = thing[4:]
    return ("an " if rest[:1].lower() in "aeiou" else "a ") + rest


def _actor(event, users) -> str:
    user = users.get(event.user_id) if event.user_id else None
    if user is not None:
        return user.get_full_name() or user.username
    system = (event.detail or {}).get("system")
    if system:
        return SYSTEM_JOBS.get(system) or f"The {_plain(system)} job"
    return "The system"


def _people_phrase(count: int) -> str:
    return "nobody" if count == 0 else "1 person" if count == 1 else f"{count} people"


def sentence(event, *, users: dict, names: dict, person=None) -> str:
    """One event as a sentence. `users`: {id: User}; `names`: {person id: name the reader may see};
    `person`: the person whose log this is (list pages then say they showed them)."""
    actor = _actor(event, users)
    verb = VERBS.get(event.action, "accessed")
    detail = event.detail or {}
    thing = _thing(event)
    how = API if thing.endswith(API) else ""  # said last: "... of Sam Smith through the API"
    thing = thing.removesuffix(API)
    if "people" in detail and not event.person_id:
        shown = detail.get("people") or []
        if person is not None:
            return f"{actor} {verb} {thing}{how}, which showed {person.full_name}"
        return f"{actor} {verb} {thing}{how}, which showed {_people_phrase(len(shown))}"
    if event.person_id:
        whose = names.get(event.person_id, "a person whose record you cannot see")
        if event.object_type in ("", "casework.person") and not detail.get("page"):
            return f"{actor} {verb} the record of {whose}{how}"
        if event.action == Action.CREATE and not detail.get("page"):
            return f"{actor} {verb} {_indefinite(thing)} for {whose}{how}"
        joined = " " if thing.endswith(" about") else " of "
        return f"{actor} {verb} {thing}{joined}{whose}{how}"
    return f"{actor} {verb} {thing}{how}"


def describe_events(events, *, reader, person=None) -> list:
    """Put `description` on each event of a page (a list); returns the list.

    Names come in a fixed number of queries whatever the page holds: the users the events did not
    bring with them (select_related), in one query; on a person's own log the person is known; on
    the staff log the people come with the events and consent.policy says, in one query, which
    of them the reader may see named."""
    from agencies.models import User
    from casework.models import Person
    from consent import policy

    events = list(events)
    users = {}
    missing = set()
    for event in events:
        if not event.user_id:
            continue
        if _USER.is_cached(event):
            users[event.user_id] = event.user
        else:
            missing.add(event.user_id)
    missing -= set(users)
    if missing:
        users.update(
            (u.pk, u)
            for u in User.objects.filter(pk__in=missing).only(
                "id", "username", "first_name", "last_name"
            )
        )

    names = {}
    if person is not None:
        names[person.pk] = person.full_name
    else:
        ids = {e.person_id for e in events if e.person_id}
        if ids:
            nameable = policy.nameable_people(reader, ids)
            people = {}
            for event in events:
                if event.person_id and _PERSON.is_cached(event) and event.person is not None:
                    people[event.person_id] = event.person
            absent = (ids & nameable) - set(people)
            if absent:
                people.update(
                    (p.pk, p)
                    for p in Person.objects.filter(pk__in=absent).only(
                        "id", "first_name", "last_name"
                    )
                )
            names = {pk: people[pk].full_name for pk in nameable if pk in people}
    for event in events:
        event.description = sentence(event, users=users, names=names, person=person)
    return events
