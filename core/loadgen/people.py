"""People, cases, sentences, consents, involvements, gateways, access rows and access events.

Everything is computed in Python row by row (seeded, so the same seed gives the same data) and
written with COPY. PersonAccess is computed here with the rule of consent.policy.expected_access;
validate.py checks a sample against the policy itself.
"""

import bisect
import datetime
import itertools
import json
from types import SimpleNamespace

from consent.policy import FOREVER, OWNER_GRACE_DAYS, consent_keys, sort_key_for
from consent.sections import GATEWAY_SECTIONS, KEYS, PARTS, field_for
from core.loadgen.copy import DayCache, Table
from core.loadgen.names import FEMALE, MALE, surname

FOREVER_ORD = FOREVER.toordinal()
# PersonAccess's date columns, in the order the COPY writes them (consent.policy.Grant.columns)
ACCESS_DATE_COLUMNS = (
    *[field_for(key) for key in KEYS],
    "sensitive_until",
    "visible_until",
    "owner_until",
)
# What the generated consents cover (consent.sections): employment support, and for a quarter the
# sensitive health, drugs and alcohol parts too; a referral shares less than the consent covers.
CONSENT_CATEGORIES = ["identity", "case", "benefits", "assessment", "plan", "employment"]
SENSITIVE_CATEGORIES = ["health", "drugs", "alcohol"]
REFERRAL_CATEGORIES = ["identity", "case", "employment"]
NINO_FIRST = "ABCEGHJKLMNPRSTWXYZ"
NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"

GROUPS = [("community", 0.55), ("short_custody", 0.20), ("long_custody", 0.15), ("remand", 0.10)]
SUPPORT = [("high", 0.45), ("medium", 0.35), ("low", 0.20)]
OWNER_KINDS = [("probation", 0.50), ("provider", 0.25), ("prison", 0.15), ("jobcentre", 0.10)]
END_REASONS = [
    ("completed", 0.55),
    ("disengaged", 0.15),
    ("moved_away", 0.08),
    ("recalled", 0.17),
    ("other", 0.05),
]
ACTIONS = [("view", 0.8), ("change", 0.1), ("search", 0.05), ("share", 0.05)]


def weighted(pairs):
    values = [v for v, _ in pairs]
    cumulative = list(itertools.accumulate(w for _, w in pairs))
    total = cumulative[-1]

    def pick(rng):
        return values[bisect.bisect_left(cumulative, rng.random() * total)]

    return pick


pick_group = weighted(GROUPS)
pick_support = weighted(SUPPORT)
pick_owner_kind = weighted(OWNER_KINDS)
pick_end_reason = weighted(END_REASONS)
pick_action = weighted(ACTIONS)
pick_accommodation = weighted(
    [("settled", 0.5), ("temporary", 0.3), ("no_fixed_abode", 0.12), ("unknown", 0.08)]
)
pick_employment = weighted(
    [("employed", 0.30), ("unemployed", 0.60), ("in_training", 0.05), ("unknown", 0.05)]
)
pick_benefit = weighted([("claiming", 0.5), ("not_claiming", 0.3), ("unknown", 0.2)])


def _age(rng):
    r = rng.random()
    if r < 0.29:
        return rng.randint(18, 24)
    if r < 0.87:
        return rng.randint(25, 49)
    return rng.randint(50, 70)


TABLES = {
    "person": (
        "casework_person",
        (
            "id",
            "first_name",
            "last_name",
            "aliases",
            "date_of_birth",
            "sex",
            "national_insurance_number",
            "prison_number",
            "crn",
            "home_area",
            "release_area",
            "identity_verified_on",
            "identity_verified_by_id",
            "bank_account_held",
            "id_documents_held",
            "accommodation_status",
            "employment_status",
            "benefit_status",
            "restricted",
            "created_by_agency_id",
            "version",
            "created_at",
            "updated_at",
            "anonymised_at",
        ),
    ),
    "case": (
        "casework_case",
        (
            "id",
            "person_id",
            "owning_agency_id",
            "owner_id",
            "site_id",
            "offender_group",
            "support_level",
            "stage",
            "start_date",
            "planned_end_date",
            "end_date",
            "end_reason",
            "sort_key",
            "last_contact_on",
            "version",
            "created_at",
            "updated_at",
        ),
    ),
    "lead": ("casework_leadagencyperiod", ("id", "case_id", "agency_id", "started_on", "ended_on")),
    "sentence": (
        "casework_sentenceepisode",
        (
            "id",
            "person_id",
            "case_id",
            "sentence_type",
            "length_months",
            "sentence_date",
            "reception_date",
            "establishment_id",
            "expected_release_date",
            "actual_release_date",
            "release_type",
            "offence_summary",
        ),
    ),
    "consent": (
        "consent_consentrecord",
        (
            "id",
            "person_id",
            "recipient_agency_id",
            "employment_support",
            "offender_marker",
            "disclose_to_employer",
            "sensitive_categories",
            "data_categories",
            "method",
            "form_version",
            "witness_name",
            "given_on",
            "expires_on",
            "recorded_by_id",
            "recorded_by_agency_id",
            "recorded_at",
            "withdrawn_on",
            "withdrawn_by_id",
            "withdrawal_reason",
            "expiry_recorded_at",
        ),
    ),
    "involvement": (
        "consent_caseinvolvement",
        (
            "id",
            "case_id",
            "agency_id",
            "basis",
            "categories",
            "started_on",
            "ended_on",
            "created_by_id",
            "created_at",
        ),
    ),
    "gateway": (
        "consent_statutorygateway",
        ("id", "person_id", "agency_id", "reason", "started_on", "ends_on"),
    ),
    "access": (
        "consent_personaccess",
        (
            "id",
            "agency_id",
            "person_id",
            *ACCESS_DATE_COLUMNS,
            "bases",
            "restricted",
            "sort_key",
        ),
    ),
    "event": (
        "audit_accessevent",
        (
            "id",
            "at",
            "user_id",
            "agency_id",
            "person_id",
            "action",
            "object_type",
            "object_id",
            "detail",
        ),
    ),
}


class Person:
    """What later generators (referrals, jobs, assessments...) need to know about one person."""

    __slots__ = (
        "id",
        "region",
        "male",
        "group",
        "cases",
        "open_case",
        "involved",
        "sees",
        "custody",
        "reception",
        "release",
        "prison",
        "first_name",
        "last_name",
        "prison_number",
        "rows",
        "partners",
        "consents",
        "restricted",
    )

    def merge(self, agency, basis, keys, until, owner=False):
        """consent.policy.Grant.add: each key (section or sensitive part) and basis until the
        latest date any source gives; the owner basis until its own latest date."""
        grant = self.rows.setdefault(agency, [{}, {}, None])
        dates, bases = grant[0], grant[1]
        for key in keys:
            if dates.get(key, 0) < until:
                dates[key] = until
        if bases.get(basis, 0) < until:
            bases[basis] = until
        if owner and (grant[2] is None or grant[2] < until):
            grant[2] = until


class Case:
    __slots__ = (
        "id",
        "agency",
        "owner",
        "start",
        "planned_end",
        "end",
        "stage",
        "support",
        "group",
        "kind",
        "end_reason",
        "last_contact",
    )


class PeopleGenerator:
    def __init__(
        self,
        world,
        *,
        today: datetime.date,
        first_ids: dict[str, int],
        events_per_person: float = 6.0,
    ):
        self.world = world
        self.today = today.toordinal()
        self.day = DayCache()
        self.events_per_person = events_per_person
        self.tables = {
            key: Table(name, cols, first_id=first_ids.get(key, 1))
            for key, (name, cols) in TABLES.items()
        }
        regions = world.regions
        self._pick_region = weighted([(r[0], r[2]) for r in regions])
        self.towns = {r[0]: r[3] for r in regions}
        self.now_text = f"{today.isoformat()} 09:00:00+00"

    @staticmethod
    def table_specs():
        return TABLES

    # --- helpers -----------------------------------------------------------------------------
    def _agency(self, rng, region, kind):
        options = (
            self.world.by_region[region].get(kind) or self.world.by_region[region]["probation"]
        )
        return rng.choice(options)

    def _staff(self, rng, agency):
        staff = self.world.staff.get(agency)
        return rng.choice(staff) if staff else None

    def _ts(self, ordinal, rng):
        return f"{self.day(ordinal)} {rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}+00"

    # --- one person --------------------------------------------------------------------------
    def person(self, rng) -> Person:
        t = self.tables
        day = self.day
        today = self.today
        p = Person()
        p.id = pid = t["person"].new_id()
        p.region = region = self._pick_region(rng)
        p.male = male = rng.random() < 0.89
        p.first_name = first = rng.choice(MALE if male else FEMALE)
        p.last_name = last = surname(rng)
        aliases = (
            f"{rng.choice(MALE if male else FEMALE)} {surname(rng)}" if rng.random() < 0.08 else ""
        )
        dob = today - _age(rng) * 365 - rng.randint(0, 364)
        towns = self.towns[region]
        home = rng.choice(towns)
        release_area = home if rng.random() < 0.85 else rng.choice(towns)
        p.group = group = pick_group(rng)
        p.custody = custody = group != "community"

        # cases: the current one (open for about a third of people) and sometimes an earlier closed one
        p.cases = []
        starts = []
        current_open = rng.random() < 0.35
        start = today - (rng.randint(5, 360) if current_open else rng.randint(200, 1400))
        if rng.random() < 0.2:
            starts.append((start - rng.randint(400, 900), False))
        starts.append((start, current_open))
        in_custody_now = custody and current_open and rng.random() < 0.45
        for case_start, is_open in starts:
            c = Case()
            c.id = t["case"].new_id()
            c.kind = kind = (
                "prison"
                if in_custody_now and is_open and rng.random() < 0.6
                else pick_owner_kind(rng)
            )
            if kind == "prison":
                c.agency = rng.choice(self.world.by_region[region]["prison"])
            else:
                c.agency = self._agency(rng, region, kind)
            c.owner = self._staff(rng, c.agency) if rng.random() < 0.92 else None
            c.start = case_start
            c.planned_end = case_start + rng.choice((180, 270, 365, 365, 540))
            c.support = pick_support(rng)
            c.group = group
            if is_open:
                c.end = None
                c.stage = (
                    rng.choice(("reception", "in_custody", "in_custody", "pre_release"))
                    if in_custody_now
                    else rng.choice(("in_community", "in_community", "released", "in_work"))
                )
                end_reason = ""
            else:
                c.end = min(today - 1, case_start + rng.randint(60, 600))
                c.stage = rng.choice(("in_community", "in_work", "released"))
                end_reason = pick_end_reason(rng)
            c.end_reason = end_reason
            c.last_contact = None  # the journey extension records notes and visits; the row is written in finish()
            p.cases.append(c)
            t["lead"].add(t["lead"].new_id(), c.id, c.agency, day(c.start), day(c.end))
        current = p.cases[-1]
        p.open_case = current if current.end is None else None

        # sentence for the current case (custody ones in a prison, mostly outside the home region)
        p.prison = p.reception = p.release = None
        if custody:
            prisons = self.world.prisons
            if rng.random() < 0.4:
                local = [x for x in prisons if x[2] == region]
                prison = rng.choice(local or prisons)
            else:
                prison = rng.choice(prisons)
            p.prison = prison
            reception = current.start - rng.randint(0, 120)
            expected = reception + rng.randint(30, 700)
            if in_custody_now:
                expected = max(expected, today + rng.randint(5, 200))
                released = None
            else:
                released = min(today - 1, expected) if expected >= reception else reception
                released = max(released, reception)
            p.reception, p.release = reception, released
            stype = "remand" if group == "remand" else "custodial"
            length = (
                None
                if group == "remand"
                else (rng.randint(2, 11) if group == "short_custody" else rng.randint(12, 60))
            )
            t["sentence"].add(
                t["sentence"].new_id(),
                pid,
                current.id,
                stype,
                length,
                day(reception),
                day(reception),
                prison[1],
                day(expected),
                day(released),
                ""
                if released is None
                else rng.choice(("licence", "end_of_sentence", "from_court")),
                "",
            )
        else:
            t["sentence"].add(
                t["sentence"].new_id(),
                pid,
                current.id,
                rng.choice(("community_order", "suspended_sentence", "unpaid_work")),
                rng.choice((6, 12, 18, 24)),
                day(current.start),
                None,
                None,
                None,
                None,
                "",
                "",
            )

        prison_number = (
            f"{rng.choice('AG')}{rng.randint(1000, 9999)}{rng.choice(LETTERS)}{rng.choice(LETTERS)}"
            if custody
            else ""
        )
        p.prison_number = prison_number
        nino = (
            f"{rng.choice(NINO_FIRST)}{rng.choice(NINO_SECOND)}{rng.randint(0, 999999):06d}{rng.choice('ABCD')}"
            if rng.random() < 0.7
            else ""
        )
        crn = f"{LETTERS[(pid // 1000000) % len(LETTERS)]}{pid % 1000000:06d}"
        verified = current.start + rng.randint(0, 30) if rng.random() < 0.6 else None
        p.restricted = (
            rng.random() < 0.002
        )  # copied into the person's PersonAccess rows in finish()
        t["person"].add(
            pid,
            first,
            last,
            aliases,
            day(dob),
            "male" if male else "female",
            nino,
            prison_number,
            crn,
            home,
            release_area,
            day(verified) if verified and verified <= today else None,
            None,
            rng.random() < 0.6,
            rng.random() < 0.55,
            "in_custody" if in_custody_now else pick_accommodation(rng),
            "not_available" if in_custody_now else pick_employment(rng),
            pick_benefit(rng),
            p.restricted,
            p.cases[0].agency,
            1,
            self._ts(p.cases[0].start, rng),
            self._ts(current.start, rng),
            None,
        )

        # sharing: involvements with consent; access computed with the policy's rule
        p.rows = {}  # agency -> [{key: until}, {basis: until}, owner_until]
        merge = p.merge
        p.partners = []  # (case, agency, started ordinal, ended ordinal or None)
        p.consents = []  # (consent id, agency, given, expires, withdrawn)

        for c in p.cases:
            until = FOREVER_ORD if c.end is None else c.end + OWNER_GRACE_DAYS
            merge(c.agency, "owner", KEYS, until, owner=True)
        consents, open_involved = [], {}  # open_involved: agency -> categories chosen for it
        for c in p.cases:
            partners = []
            r = rng.random()
            if r < 0.65:
                partners.append(
                    self._agency(rng, region, "jobcentre")
                    if c.agency not in self.world.by_region[region]["jobcentre"]
                    else self._agency(rng, region, "provider")
                )
            if rng.random() < 0.3:
                partners.append(self._agency(rng, region, "provider"))
            if custody and p.prison is not None and rng.random() < 0.3:
                partners.append(self.world.prison_jobcentre[p.prison[0]])
            seen = set()
            for agency in partners:
                if agency == c.agency or agency in seen:
                    continue
                seen.add(agency)
                began = min(today, c.start + rng.randint(0, 60))
                if c.end is not None:
                    began = min(began, c.end)
                ended = (
                    c.end
                    if c.end is not None
                    else (min(today, began + rng.randint(30, 200)) if rng.random() < 0.08 else None)
                )
                recorder = c.owner or self._staff(rng, c.agency)
                p.partners.append((c, agency, began, ended))
                basis = "share" if rng.random() < 0.7 else "referral"
                chosen = CONSENT_CATEGORIES if basis == "share" else REFERRAL_CATEGORIES
                sensitive = rng.random() < 0.25
                if sensitive and basis == "share":
                    chosen = CONSENT_CATEGORIES + SENSITIVE_CATEGORIES
                t["involvement"].add(
                    t["involvement"].new_id(),
                    c.id,
                    agency,
                    basis,
                    json.dumps(chosen),
                    day(began),
                    day(ended),
                    recorder,
                    self._ts(began, rng),
                )
                # consent to this recipient (most people agree; a few withdraw; some have expired)
                if rng.random() < 0.9:
                    given = began
                    expires = given + 365 if rng.random() < 0.9 else None
                    withdrawn = (
                        min(today, given + rng.randint(10, 300)) if rng.random() < 0.03 else None
                    )
                    jobcentre = self.world.kind_of[agency] == "jobcentre"
                    categories = CONSENT_CATEGORIES + (SENSITIVE_CATEGORIES if sensitive else [])
                    consent_id = t["consent"].new_id()
                    p.consents.append((consent_id, agency, given, expires, withdrawn))
                    t["consent"].add(
                        consent_id,
                        pid,
                        agency,
                        True,
                        jobcentre and rng.random() < 0.5,
                        rng.random() < 0.2,
                        sensitive,
                        json.dumps(categories),
                        "signed_form" if rng.random() < 0.85 else "verbal_witnessed",
                        "v3",
                        "",
                        day(given),
                        day(expires),
                        recorder,
                        c.agency,
                        self._ts(given, rng),
                        day(withdrawn),
                        recorder if withdrawn else None,
                        "Changed their mind" if withdrawn else "",
                        None,
                    )
                    if withdrawn is None:
                        consents.append((agency, expires or FOREVER_ORD, sensitive, categories))
                if ended is None and c.end is None:
                    open_involved.setdefault(agency, set()).update(chosen)
        # consent.policy: every employment-support consent (not withdrawn) to an agency involved in
        # an open case gives what it covers, narrowed to what was chosen for that agency
        for agency, until, sensitive, categories in consents:
            if agency in open_involved:
                consent = SimpleNamespace(
                    employment_support=True,
                    sensitive_categories=sensitive,
                    data_categories=categories,
                )
                merge(agency, "consent", consent_keys(consent, open_involved[agency]), until)
        p.involved = sorted(open_involved)
        # the EBSA claim-closure gateway (no consent needed) for some people received into custody
        if custody and p.reception is not None and rng.random() < 0.25:
            ebsa = self.world.prison_jobcentre[p.prison[0]]
            ends = p.reception + 90
            t["gateway"].add(
                t["gateway"].new_id(), pid, ebsa, "claim_closure", day(p.reception), day(ends)
            )
            merge(ebsa, "claim_closure", GATEWAY_SECTIONS["claim_closure"], ends)
        return p

    def finish(self, rng, p) -> None:
        """Write the person's PersonAccess rows (after extensions added gateways) and access events."""
        t = self.tables
        day = self.day
        today = self.today
        pid = p.id
        rows = p.rows
        sort_key = sort_key_for(p.last_name, p.first_name)
        for c in p.cases:
            t["case"].add(
                c.id,
                pid,
                c.agency,
                c.owner,
                self.world.site_of[c.agency][0],
                c.group,
                c.support,
                c.stage,
                day(c.start),
                day(c.planned_end),
                day(c.end),
                c.end_reason,
                sort_key,
                day(c.last_contact),
                1,
                self._ts(c.start, rng),
                self._ts(c.end or c.start, rng),
            )
        visible = {}
        for agency, (dates, bases, owner_until) in rows.items():
            if not dates:
                continue
            parts = [dates[part] for part in PARTS if part in dates]
            visible[agency] = max(dates.values())
            t["access"].add(
                t["access"].new_id(),
                agency,
                pid,
                *[day(dates.get(key)) for key in KEYS],
                day(max(parts)) if parts else None,
                day(visible[agency]),
                day(owner_until),
                json.dumps({basis: day(until) for basis, until in sorted(bases.items())}),
                p.restricted,
                sort_key,
            )
        p.sees = [a for a, until in visible.items() if until >= today]

        # access events: views and changes by staff of the agencies that see the person
        events = (
            int(rng.expovariate(1 / self.events_per_person)) + 1 if self.events_per_person else 0
        )
        agencies = list(rows)
        first_day = p.cases[0].start
        ev = t["event"]
        for _ in range(events):
            agency = rng.choice(agencies)
            user = self._staff(rng, agency)
            at = rng.randint(first_day, today)
            action = pick_action(rng)
            ev.add(
                ev.new_id(),
                self._ts(at, rng),
                user,
                agency,
                pid,
                action,
                "casework.person" if action != "search" else "",
                str(pid) if action != "search" else "",
                "{}" if action != "search" else '{"page": "caseload"}',
            )
