"""Extensions for the domain apps, each used only when its models are on the branch."""

import datetime
import hashlib

from consent.sections import GATEWAY_SECTIONS
from core.loadgen.extensions import Extension, register
from core.loadgen.names import surname
from core.loadgen.people import FOREVER_ORD, weighted

CUSTODY_GRACE_DAYS = 91  # custody.gateway.RELEASE_GRACE_DAYS
# matching-scan rows for somebody Resettle does not know, per person received (the EBSA's work items)
UNMATCHED_SCAN_SHARE = 0.04


@register
class Custody(Extension):
    """Benefit surgeries (the EBSA's statutory gateway) and claim closures for people received into custody."""

    name = "custody"
    models = (
        "custody.BenefitSurgery",
        "custody.ClaimClosure",
        "custody.ClosureChase",
        "custody.ScanImport",
        "custody.ScanRow",
    )
    specs = {
        "scan": (
            "custody_scanimport",
            (
                "id",
                "agency_id",
                "uploaded_by_id",
                "kind",
                "filename",
                "sha256",
                "upload",
                "upload_deleted_at",
                "preview",
                "encoding",
                "status",
                "total_rows",
                "processed_rows",
                "counts",
                "errors",
                "created_at",
                "confirmed_at",
                "finished_at",
            ),
        ),
        "scanrow": (
            "custody_scanrow",
            (
                "id",
                "scan_id",
                "agency_id",
                "row_key",
                "line",
                "person_id",
                "closure_id",
                "national_insurance_number",
                "prison_number",
                "last_name",
                "first_name",
                "reception_date",
                "benefit",
                "outcome",
                "match_basis",
                "date_of_birth",
                "sex",
                "benefit_delivery_centre",
                "item_state",
                "dismiss_reason",
                "dismiss_note",
                "resolved_by_id",
                "resolved_at",
                "version",
            ),
        ),
        "closure": (
            "custody_claimclosure",
            (
                "id",
                "person_id",
                "agency_id",
                "establishment_id",
                "reception_date",
                "benefits",
                "found_by",
                "identity_checked",
                "national_insurance_number",
                "bdc_id",
                "benefit_delivery_centre",
                "bdc_contact_method",
                "received_on",
                "identified_on",
                "sent_to_bdc_on",
                "closed_on",
                "claim_ended_on",
                "suspected_overpayment",
                "overpayment_amount",
                "overpayment_from",
                "overpayment_to",
                "fraud_referred_on",
                "fraud_reference",
                "home_centre_outside_region",
                "housing_benefit_kept",
                "notes",
                "created_by_id",
                "version",
                "created_at",
                "updated_at",
            ),
        ),
        "chase": (
            "custody_closurechase",
            (
                "id",
                "closure_id",
                "chased_on",
                "method",
                "outcome",
                "notes",
                "recorded_by_id",
                "version",
                "created_at",
            ),
        ),
    }

    def prepare(self, world, *, today, log):
        super().prepare(world, today=today, log=log)
        from agencies.models import Region, Site
        from custody.models import BenefitDeliveryCentre, BenefitSurgery

        # the directory: one Benefit Delivery Centre per region (synthetic contact details)
        self.centres = []
        for index, region in enumerate(Region.objects.order_by("id")):
            centre, _ = BenefitDeliveryCentre.objects.get_or_create(
                name=f"{region.name} Benefit Centre",
                defaults={
                    "secure_email": f"bdc{index + 1}@dwp.example",
                    "phone": f"01632 96{index % 10000:04d}",
                    "region": region,
                },
            )
            self.centres.append(centre.pk)

        self.scans = {}  # jobcentre agency id -> its matching scan's id
        self.surgery = {}  # prison site id -> jobcentre agency id
        for prison_agency, site_id, _region in world.prisons:
            jobcentre = world.prison_jobcentre[prison_agency]
            BenefitSurgery.objects.get_or_create(jobcentre_id=jobcentre, establishment_id=site_id)
        for jobcentre, site_id in BenefitSurgery.objects.filter(
            establishment_id__in=Site.objects.filter(agency_id__in=[p[0] for p in world.prisons])
        ).values_list("jobcentre_id", "establishment_id"):
            self.surgery.setdefault(site_id, []).append(jobcentre)

    def _scan(self, rng, jobcentre, ebsa) -> int:
        """The Jobcentre's imported matching scan (one per Jobcentre, made with its first row)."""
        if jobcentre not in self.scans:
            t = self.tables["scan"]
            self.scans[jobcentre] = scan_id = t.new_id()
            at = self.gen._ts(self.gen.today - 7, rng)
            t.add(
                scan_id,
                jobcentre,
                ebsa,
                "matching_scan",
                "matching-scan.csv",
                hashlib.sha256(f"loadgen scan {jobcentre}".encode()).hexdigest(),
                "",
                at,
                "[]",
                "utf-8",
                "done",
                0,
                0,
                "{}",
                "[]",
                at,
                at,
                at,
            )
        return self.scans[jobcentre]

    def _scan_row(self, rng, p, jobcentre, ebsa, *, closure_id=None, benefit="universal_credit"):
        """A scan row: the person's own, reconciled with their closure; or (closure_id None) one
        for somebody Resettle does not know, a work item open while recent, dismissed once old."""
        today = self.gen.today
        t = self.tables["scanrow"]
        row_id = t.new_id()
        matched = closure_id is not None
        recent = p.reception >= today - 28
        state = "" if matched else ("open" if recent or rng.random() < 0.2 else "dismissed")
        t.add(
            row_id,
            self._scan(rng, jobcentre, ebsa),
            jobcentre,
            hashlib.sha256(f"loadgen row {row_id}".encode()).hexdigest(),
            row_id % 5000 + 2,
            p.id if matched else None,
            closure_id,
            "",
            p.prison_number if matched else "",
            p.last_name if matched else surname(rng),
            "",
            self.day(p.reception),
            benefit,
            rng.choice(("new_work_item", "already_recorded")) if matched else "no_match",
            "prison number; surname agree" if matched else "",
            None,
            "",
            "",
            state,
            "not_held" if state == "dismissed" else "",
            "",
            ebsa if state == "dismissed" else None,
            self.gen._ts(min(p.reception + 10, today), rng) if state == "dismissed" else None,
            1,
        )

    def person(self, rng, p):
        if p.prison is None or p.reception is None:
            return
        today = self.gen.today
        site = p.prison[1]
        # custody.gateway.surgery_gateway: held now, or released less than 13 weeks ago
        if p.release is None or p.release >= today - CUSTODY_GRACE_DAYS:
            until = FOREVER_ORD if p.release is None else p.release + CUSTODY_GRACE_DAYS
            for jobcentre in self.surgery.get(site, []):
                p.merge(jobcentre, "claim_closure", GATEWAY_SECTIONS["claim_closure"], until)
        if rng.random() < 0.6:
            day = self.day
            jobcentre = self.world.prison_jobcentre[p.prison[0]]
            ebsa = self.gen._staff(rng, jobcentre)
            received = p.reception + rng.randint(0, 3)
            sent = received + rng.randint(0, 5) if rng.random() < 0.9 else None
            closed = sent + rng.randint(1, 20) if sent is not None and rng.random() < 0.85 else None
            if sent is not None and sent > today:
                sent = None
            if closed is not None and (sent is None or closed > today):
                closed = None
            # a suspected overpayment (one in ten): paid on after reception until the closure, most
            # referred to the fraud team
            suspected = rng.random() < 0.1
            stop = closed if closed is not None else sent
            overpaid = suspected and stop is not None and stop > p.reception
            referred = (
                min(stop + rng.randint(0, 7), today) if overpaid and rng.random() < 0.7 else None
            )
            t = self.tables["closure"]
            closure_id = t.new_id()
            found_by = rng.choice(("ebsa_casework", "matching_scan", "both"))
            benefits = rng.choice(
                (
                    '["universal_credit"]',
                    '["jsa"]',
                    '["esa"]',
                    '["universal_credit", "housing_benefit"]',
                )
            )
            t.add(
                closure_id,
                p.id,
                jobcentre,
                site,
                day(p.reception),
                benefits,
                found_by,
                rng.random() < 0.8,
                "",
                rng.choice(self.centres) if self.centres and sent is not None else None,
                "",
                "secure_email",
                day(min(received, today)),
                day(min(received, today)),
                day(sent),
                day(closed),
                day(p.reception) if closed is not None else None,
                suspected,
                f"{rng.randint(5, 90) * (stop - p.reception):.2f}" if overpaid else None,
                day(p.reception) if overpaid else None,
                day(stop) if overpaid else None,
                day(referred),
                f"FRD{closure_id:07d}" if referred is not None else "",
                rng.random() < 0.15,
                p.group == "remand",
                "",
                ebsa,
                1,
                self.gen._ts(min(received, today), rng),
                self.gen._ts(min(received, today), rng),
            )
            if ebsa is not None and found_by != "ebsa_casework" and p.prison_number:
                first_benefit = benefits.split('"')[1]
                self._scan_row(
                    rng, p, jobcentre, ebsa, closure_id=closure_id, benefit=first_benefit
                )
            # chases of the centre: most closures waiting over ten days are chased once or twice
            waited = ((closed or today) - sent) if sent is not None else 0
            if ebsa is not None and waited > 10 and rng.random() < 0.7:
                c = self.tables["chase"]
                last = closed if closed is not None else today
                for n in range(rng.choice((1, 1, 2))):
                    on = min(sent + 10 + 7 * n, last)
                    c.add(
                        c.new_id(),
                        closure_id,
                        day(on),
                        rng.choice(("phone", "secure_email")),
                        "in_hand" if closed is not None else rng.choice(("no_reply", "in_hand")),
                        "",
                        ebsa,
                        1,
                        self.gen._ts(on, rng),
                    )
        if rng.random() < UNMATCHED_SCAN_SHARE:
            jobcentre = self.world.prison_jobcentre[p.prison[0]]
            ebsa = self.gen._staff(rng, jobcentre)
            if ebsa is not None:
                self._scan_row(rng, p, jobcentre, ebsa)


STATUSES = weighted(
    [
        ("draft", 0.04),
        ("sent", 0.12),
        ("accepted", 0.14),
        ("declined", 0.10),
        ("started", 0.22),
        ("completed", 0.28),
        ("withdrawn", 0.10),
    ]
)
NEEDS = ["education_training_employment"] * 5 + [
    "accommodation",
    "finance_benefit_debt",
    "literacy_numeracy",
    "drugs",
    "alcohol",
    "health",
    "id_bank_account",
]
PROVISIONS = {
    "jobcentre": [
        ("Freshstart claim", "jobcentre", "through_the_gate"),
        ("Job club", "jobcentre", "community"),
    ],
    "provider": [
        ("Employment support programme", "other_partner", "community"),
        ("Work placement", "other_partner", "community"),
    ],
    "prison": [("Learning and skills (OLASS)", "noms", "custody")],
    "probation": [("Unpaid work ETE hours", "noms", "community")],
}


@register
class Referrals(Extension):
    """Provision catalogue per agency and referrals with their transitions (about 0.9 per person)."""

    name = "referrals"
    models = ("referrals.Provision", "referrals.Referral", "referrals.ReferralEvent")
    specs = {
        "referral": (
            "referrals_referral",
            (
                "id",
                "person_id",
                "case_id",
                "from_agency_id",
                "from_user_id",
                "to_agency_id",
                "provision_id",
                "need",
                "reason",
                "share_categories",
                "consent_id",
                "status",
                "sent_at",
                "respond_by",
                "overdue_flagged_at",
                "answered_at",
                "answered_by_id",
                "decline_reason",
                "withdraw_reason",
                "outcome_text",
                "version",
                "created_at",
                "updated_at",
            ),
        ),
        "event": (
            "referrals_referralevent",
            (
                "id",
                "referral_id",
                "at",
                "user_id",
                "agency_id",
                "system",
                "from_status",
                "to_status",
                "reason_code",
                "reason",
            ),
        ),
    }

    def prepare(self, world, *, today, log):
        super().prepare(world, today=today, log=log)
        from referrals.models import Provision

        self.provisions = {}
        for agency, kind in world.kind_of.items():
            for name, delivery, setting in PROVISIONS.get(kind, []):
                provision, _ = Provision.objects.get_or_create(
                    agency_id=agency,
                    name=name,
                    defaults={
                        "agency_kind": delivery,
                        "setting": setting,
                        "response_working_days": 5,
                    },
                )
                self.provisions.setdefault(agency, []).append(provision.pk)

    def _event(self, rng, referral, at, user, agency, from_status, to_status, code=""):
        t = self.tables["event"]
        t.add(
            t.new_id(),
            referral,
            self.gen._ts(at, rng),
            user,
            agency,
            "",
            from_status,
            to_status,
            code,
            "",
        )

    def person(self, rng, p):
        gen, day, today = self.gen, self.day, self.gen.today
        count = 1 if rng.random() < 0.7 else (2 if rng.random() < 0.6 else 0)
        consents = {
            agency: cid for cid, agency, _g, _e, withdrawn in p.consents if withdrawn is None
        }
        for _ in range(count):
            case = p.cases[-1] if rng.random() < 0.8 else rng.choice(p.cases)
            partners = [a for c, a, _s, _e in p.partners if c is case]
            status = STATUSES(rng)
            if status in ("accepted", "started", "completed") and not partners:
                status = rng.choice(("sent", "declined", "withdrawn"))
            if case.end is None and status == "sent" and rng.random() < 0.5 and partners:
                pass
            if status in ("accepted", "started", "completed"):
                to_agency = rng.choice(partners)
            else:
                to_agency = gen._agency(rng, p.region, rng.choice(("provider", "jobcentre")))
            if to_agency == case.agency:
                continue
            from_user = case.owner or gen._staff(rng, case.agency)
            if from_user is None:
                continue
            to_user = gen._staff(rng, to_agency)
            created = min(today, case.start + rng.randint(0, 90))
            if case.end is not None:
                created = min(created, case.end)
            sent = None if status == "draft" else created
            respond_by = None if sent is None else sent + 7
            answered = None
            if status not in ("draft", "sent", "withdrawn"):
                answered = min(today, sent + rng.randint(0, 10))
            if status == "sent" and case.end is None:
                sent = max(case.start, today - rng.randint(0, 20))  # waiting now: some overdue
                respond_by = sent + 7
            provisions = self.provisions.get(to_agency)
            rid = self.tables["referral"].new_id()
            self.tables["referral"].add(
                rid,
                p.id,
                case.id,
                case.agency,
                from_user,
                to_agency,
                rng.choice(provisions) if provisions else None,
                rng.choice(NEEDS),
                "Needs help to find work after release",
                '["identity", "employment"]',
                consents.get(to_agency),
                status,
                gen._ts(sent, rng) if sent else None,
                day(respond_by),
                None,
                gen._ts(answered, rng) if answered else None,
                to_user if answered else None,
                "not_suitable" if status == "declined" else "",
                "person_withdrew" if status == "withdrawn" else "",
                "",
                1,
                gen._ts(created, rng),
                gen._ts(answered or sent or created, rng),
            )
            self._event(rng, rid, created, from_user, case.agency, "", "draft")
            if sent is not None:
                self._event(rng, rid, sent, from_user, case.agency, "draft", "sent")
            if answered is not None:
                first = "declined" if status == "declined" else "accepted"
                self._event(
                    rng,
                    rid,
                    answered,
                    to_user,
                    to_agency,
                    "sent",
                    first,
                    "not_suitable" if first == "declined" else "",
                )
                if status in ("started", "completed"):
                    self._event(
                        rng,
                        rid,
                        min(today, answered + 7),
                        to_user,
                        to_agency,
                        "accepted",
                        "started",
                    )
                if status == "completed":
                    self._event(
                        rng,
                        rid,
                        min(today, answered + 90),
                        to_user,
                        to_agency,
                        "started",
                        "completed",
                    )
            if status == "withdrawn":
                self._event(
                    rng,
                    rid,
                    min(today, created + 10),
                    from_user,
                    case.agency,
                    "sent",
                    "withdrawn",
                    "person_withdrew",
                )


JOB_TITLES = {
    "construction": "Labourer",
    "hospitality": "Kitchen porter",
    "retail": "Shop assistant",
    "warehousing": "Warehouse operative",
    "manufacturing": "Production operative",
    "cleaning": "Cleaner",
    "care": "Care assistant",
    "transport": "Delivery driver",
    "horticulture": "Grounds maintenance",
    "office": "Administrator",
    "other": "General assistant",
}
OUTCOMES = weighted(
    [
        ("in_work", 0.72),
        ("in_work_new_job", 0.06),
        ("left_no_job", 0.12),
        ("unable_to_contact", 0.08),
        ("declined_to_say", 0.02),
    ]
)


@register
class Employers(Extension):
    """Employers per region; job starts for about a third of people with 4/8/12-week retention checks."""

    name = "employers"
    models = ("employers.Employer", "employers.EmploymentSpell", "employers.RetentionCheck")
    specs = {
        "spell": (
            "employers_employmentspell",
            (
                "id",
                "person_id",
                "case_id",
                "employer_id",
                "kind",
                "job_title",
                "start_date",
                "end_date",
                "end_reason",
                "hours_per_week",
                "hours_band",
                "contract_type",
                "pay",
                "verified_by_id",
                "verified_how",
                "adviser_id",
                "agency_id",
                "application_id",
                "version",
                "created_at",
            ),
        ),
        "check": (
            "employers_retentioncheck",
            (
                "id",
                "spell_id",
                "milestone_weeks",
                "due_on",
                "status",
                "outcome",
                "evidence",
                "checked_on",
                "notes",
                "recorded_by_id",
                "status_changed_at",
                "notified_at",
            ),
        ),
    }
    EMPLOYERS_PER_REGION = 40

    def prepare(self, world, *, today, log):
        super().prepare(world, today=today, log=log)
        from employers.models import Employer

        sectors = list(JOB_TITLES)
        self.employers = {}
        existing = {
            (e.name, e.owning_agency_id): e.pk
            for e in Employer.objects.filter(name__startswith="Synthetic ")
        }
        new = []
        for region, name, _share, towns in world.regions:
            providers = world.by_region[region]["provider"]
            for i in range(self.EMPLOYERS_PER_REGION):
                sector = sectors[i % len(sectors)]
                key = (f"Synthetic {sector} employer {i} ({name})", providers[i % len(providers)])
                if key not in existing:
                    new.append(
                        Employer(
                            name=key[0],
                            sector=sector,
                            town=towns[i % len(towns)],
                            owning_agency_id=key[1],
                            engagement_level="engaged" if i % 3 else "committed",
                            guaranteed_interviews=i % 4 == 0,
                        )
                    )
        Employer.objects.bulk_create(new)
        for employer_id, sector, owning in Employer.objects.filter(
            name__startswith="Synthetic "
        ).values_list("pk", "sector", "owning_agency_id"):
            region = next(
                r for r, kinds in world.by_region.items() if owning in kinds.get("provider", [])
            )
            self.employers.setdefault(region, []).append((employer_id, sector))

    def person(self, rng, p):
        gen, day, today = self.gen, self.day, self.gen.today
        if rng.random() > 0.35:
            return
        case = p.cases[-1]
        if case.stage in ("reception", "in_custody", "pre_release"):
            return
        latest = case.end if case.end is not None else today
        first = case.start + 14
        if first >= latest:
            return
        start = rng.randint(first, latest)
        employer, sector = rng.choice(self.employers[p.region])
        ended = None
        if rng.random() < 0.35:
            ended = start + rng.randint(7, 400)
            ended = ended if ended < today else None
        agency = case.agency if rng.random() < 0.6 or not p.involved else rng.choice(p.involved)
        adviser = gen._staff(rng, agency) or case.owner
        if adviser is None:
            return
        sid = self.tables["spell"].new_id()
        band = rng.choice(("under_16", "16_to_29", "30_plus", "30_plus"))
        self.tables["spell"].add(
            sid,
            p.id,
            case.id,
            employer,
            "job",
            JOB_TITLES[sector],
            day(start),
            day(ended),
            rng.choice(("resigned", "dismissed", "contract_ended")) if ended else "",
            None,
            band,
            rng.choice(("permanent", "permanent", "temporary", "apprenticeship")),
            "",
            adviser,
            rng.choice(("person", "employer", "payslip")),
            adviser,
            agency,
            None,
            1,
            gen._ts(start, rng),
        )
        for weeks in (4, 8, 12):
            due = start + 7 * weeks
            if ended is not None and ended < due:
                status, outcome, checked = "recorded", "left_no_job", min(today, due)
            elif due > today:
                status, outcome, checked = "scheduled", "", None
            elif due == today:
                status, outcome, checked = (
                    "scheduled",
                    "",
                    None,
                )  # the daily sweep opens today's checks
            elif due >= today - 7:
                status, outcome, checked = (
                    ("due", "", None) if rng.random() < 0.7 else ("recorded", OUTCOMES(rng), due)
                )
            else:
                status, outcome, checked = (
                    ("overdue", "", None)
                    if rng.random() < 0.08
                    else ("recorded", OUTCOMES(rng), due + rng.randint(0, 7))
                )
            if checked is not None and checked > today:
                checked = today
            changed = gen._ts(min(due, today), rng) if status != "scheduled" else None
            t = self.tables["check"]
            t.add(
                t.new_id(),
                sid,
                weeks,
                day(due),
                status,
                outcome,
                rng.choice(("person", "employer", "payslip")) if outcome else "",
                day(checked),
                "",
                adviser if outcome else None,
                changed,
                changed,
            )


AREAS = [
    "accommodation",
    "education_training_employment",
    "literacy_numeracy",
    "health",
    "drugs",
    "alcohol",
    "finance_benefit_debt",
    "children_families",
    "attitudes_thinking_behaviour",
    "id_bank_account",
]
# share of people with a need in each area (DOMAIN.md §9: accommodation 45%, drugs 33%, alcohol 53%, ...)
NEED_SHARE = {
    "accommodation": 0.45,
    "education_training_employment": 0.75,
    "literacy_numeracy": 0.4,
    "health": 0.34,
    "drugs": 0.33,
    "alcohol": 0.53,
    "finance_benefit_debt": 0.5,
    "children_families": 0.25,
    "attitudes_thinking_behaviour": 0.4,
    "id_bank_account": 0.3,
}
# Help people say they need (003 I.A: finding work 48%, qualifications 42%, work skills 41%,
# accommodation 37%), coded by need area: finding work or work skills are ETE, qualifications
# literacy and numeracy (decision).
SELF_REPORTED_SHARE = {
    "accommodation": 0.37,
    "education_training_employment": 0.55,
    "literacy_numeracy": 0.42,
    "finance_benefit_debt": 0.3,
    "health": 0.15,
    "drugs": 0.12,
    "alcohol": 0.12,
}


def _self_reported(rng) -> str:
    codes = [area for area in AREAS if rng.random() < SELF_REPORTED_SHARE.get(area, 0.08)]
    return "[" + ", ".join(f'"{c}"' for c in (codes or ["none"])) + "]"


ACTIONS = [
    "Open a bank account",
    "Get a birth certificate",
    "Attend job club",
    "Apply for a CSCS card",
    "Register with a GP",
    "Book a housing advice appointment",
    "Write a CV",
    "Start a maths course",
]
NOTES = [
    "Met to review the action plan.",
    "Discussed job search and disclosure.",
    "Phoned to confirm appointment.",
    "Letter sent about the job club.",
    "Spoke to the work coach about the claim.",
]


@register
class Journey(Extension):
    """Assessments (ten RAG areas, reassessed for some), plan actions, appointments and case notes per case."""

    name = "journey"
    models = (
        "casework.Assessment",
        "casework.PlanAction",
        "casework.CaseNote",
        "casework.Appointment",
    )
    specs = {
        "assessment": (
            "casework_assessment",
            (
                "id",
                "case_id",
                "assessed_on",
                "assessed_by_id",
                "agency_id",
                "ratings",
                "area_notes",
                "confident_writing_name",
                "confident_writing_address",
                "confident_writing_phone",
                "work_readiness",
                "self_reported_needs",
                "convictions_spent",
                "disclosure_advice_given",
                "disclosure_notes",
                "created_at",
                "self_reported_need_codes",
            ),
        ),
        "action": (
            "casework_planaction",
            (
                "id",
                "case_id",
                "goal_id",
                "description",
                "owner_agency_id",
                "owner_id",
                "sequence",
                "due_date",
                "status",
                "status_changed_on",
                "created_by_id",
                "created_by_agency_id",
                "created_at",
                "updated_at",
                "version",
            ),
        ),
        "appointment": (
            "casework_appointment",
            (
                "id",
                "case_id",
                "kind",
                "at",
                "where",
                "agency_id",
                "attended",
                "created_by_id",
                "created_at",
                "version",
                "cancelled_at",
                "cancel_reason",
            ),
        ),
        "note": (
            "casework_casenote",
            (
                "id",
                "case_id",
                "note_type",
                "contact_on",
                "body",
                "sensitive",
                "author_id",
                "agency_id",
                "created_at",
            ),
        ),
    }

    def person(self, rng, p):
        gen, day, today = self.gen, self.day, self.gen.today
        needs = {area: rng.random() < share for area, share in NEED_SHARE.items()}
        for case in p.cases:
            author = case.owner or gen._staff(rng, case.agency)
            if author is None:
                continue
            last = case.end if case.end is not None else today
            assessed = min(last, case.start + rng.randint(0, 14))
            for round_ in range(1 if rng.random() < 0.6 else 2):
                ratings = ", ".join(
                    f'"{area}": "{("red" if rng.random() < 0.5 else "amber") if needs[area] and round_ == 0 or needs[area] and rng.random() < 0.5 else ("amber" if needs[area] else "green")}"'
                    for area in AREAS
                )
                t = self.tables["assessment"]
                t.add(
                    t.new_id(),
                    case.id,
                    day(assessed),
                    author,
                    case.agency,
                    "{" + ratings + "}",
                    "{}",
                    "yes" if rng.random() < 0.8 else "no",
                    "yes" if rng.random() < 0.75 else "no",
                    "yes" if rng.random() < 0.8 else "no",
                    rng.choice(
                        ("ready_to_work", "support_needed", "support_needed", "support_declined")
                    ),
                    "Wants help finding work" if rng.random() < 0.48 else "",
                    "unknown",
                    rng.random() < 0.5,
                    "",
                    gen._ts(assessed, rng),
                    _self_reported(rng),
                )
                assessed = min(last, assessed + rng.randint(60, 180))
            for seq in range(1, rng.randint(2, 5)):
                due = case.start + 14 * seq + rng.randint(0, 20)
                status = (
                    ("done" if rng.random() < 0.6 else rng.choice(("missed", "no_longer_needed")))
                    if due < today - 14
                    else rng.choice(("not_started", "in_progress"))
                )
                t = self.tables["action"]
                t.add(
                    t.new_id(),
                    case.id,
                    None,
                    rng.choice(ACTIONS),
                    case.agency,
                    author,
                    seq,
                    day(due),
                    status,
                    day(min(due, today)) if status not in ("not_started",) else None,
                    author,
                    case.agency,
                    gen._ts(case.start, rng),
                    gen._ts(min(due, today), rng),
                    1,
                )
            for _ in range(rng.randint(0, 2)):
                at = min(last + 30, case.start + rng.randint(7, 200))
                t = self.tables["appointment"]
                attended = "yes" if at < today and rng.random() < 0.8 else "unknown"
                t.add(
                    t.new_id(),
                    case.id,
                    rng.choice(("probation", "signing_on", "provider")),
                    gen._ts(at, rng),
                    "Office",
                    case.agency,
                    attended,
                    author,
                    gen._ts(case.start, rng),
                    1,
                    None,
                    "",
                )
                if attended == "yes":
                    case.last_contact = max(at, case.last_contact or at)
            for _ in range(rng.randint(2, 8)):
                on = rng.randint(case.start, last)
                t = self.tables["note"]
                t.add(
                    t.new_id(),
                    case.id,
                    rng.choice(("face_to_face", "phone", "letter", "other_agency")),
                    day(on),
                    rng.choice(NOTES),
                    rng.random() < 0.05,
                    author,
                    case.agency,
                    gen._ts(on, rng),
                )
                case.last_contact = max(on, case.last_contact or on)


@register
class Reporting(Extension):
    """Post-exit checks: re-offending (during support, +6 and +12 months) and employment at planned end + 6 months."""

    name = "reporting"
    models = ("reporting.ReoffendingCheck", "reporting.PostExitEmploymentCheck")
    specs = {
        "reoffending": (
            "reporting_reoffendingcheck",
            (
                "id",
                "case_id",
                "window",
                "due_on",
                "status",
                "reoffended",
                "recorded_on",
                "recorded_by_id",
            ),
        ),
        "employment": (
            "reporting_postexitemploymentcheck",
            ("id", "case_id", "due_on", "status", "in_work", "recorded_on", "recorded_by_id"),
        ),
    }
    WINDOWS = (("during_support", 0), ("six_months", 6), ("twelve_months", 12))

    def prepare(self, world, *, today, log):
        super().prepare(world, today=today, log=log)
        from reporting.periods import add_months

        self.add_months = add_months

    def _plus(self, ordinal: int, months: int) -> int:
        import datetime

        return self.add_months(datetime.date.fromordinal(ordinal), months).toordinal()

    def person(self, rng, p):
        gen, day, today = self.gen, self.day, self.gen.today
        for case in p.cases:
            recorder = case.owner or gen._staff(rng, case.agency)
            if case.end is not None:
                for window, months in self.WINDOWS:
                    due = self._plus(case.end, months)
                    if due > today:
                        break
                    recorded = recorder is not None and rng.random() < 0.8
                    t = self.tables["reoffending"]
                    t.add(
                        t.new_id(),
                        case.id,
                        window,
                        day(due),
                        "recorded" if recorded else "open",
                        (rng.random() < 0.25) if recorded else None,
                        day(min(today, due + rng.randint(0, 30))) if recorded else None,
                        recorder if recorded else None,
                    )
            due = self._plus(case.planned_end, 6)
            if due <= today:
                recorded = recorder is not None and rng.random() < 0.7
                t = self.tables["employment"]
                t.add(
                    t.new_id(),
                    case.id,
                    day(due),
                    "recorded" if recorded else "open",
                    rng.choice(("yes", "no", "no", "unknown")) if recorded else "",
                    day(min(today, due + rng.randint(0, 30))) if recorded else None,
                    recorder if recorded else None,
                )


def _three_months(ordinal: int) -> int:
    from casework.records import _three_months as add3

    return add3(datetime.date.fromordinal(ordinal)).toordinal()


@register
class Records(Extension):
    """Issue 19's records per case: risk and licence (70% of cases other than remand; MAPPA 10%),
    qualifications held (60%; 40% have none, 002) and gained, courses (35%, 60% completed), and
    accommodation outcomes for released people (on release 55% settled, 30% temporary, 5% rough
    sleeping, 10% not known; three months later where due)."""

    name = "records"
    models = (
        "casework.RiskLicence",
        "casework.Qualification",
        "casework.Course",
        "casework.AccommodationOutcome",
    )
    specs = {
        "risk": (
            "casework_risklicence",
            (
                "id",
                "case_id",
                "rosh_level",
                "mappa_category",
                "mappa_level",
                "licence_ends_on",
                "exclusion_zones",
                "curfew_from",
                "curfew_until",
                "no_work_with_children",
                "no_work_with_vulnerable_adults",
                "disclosure_required",
                "notes",
                "agency_id",
                "updated_by_id",
                "updated_at",
                "version",
            ),
        ),
        "qualification": (
            "casework_qualification",
            (
                "id",
                "case_id",
                "goal_id",
                "status",
                "subject",
                "level",
                "awarding_body",
                "achieved_on",
                "accredited",
                "agency_id",
                "recorded_by_id",
                "created_at",
                "version",
            ),
        ),
        "course": (
            "casework_course",
            (
                "id",
                "case_id",
                "goal_id",
                "title",
                "provider",
                "accredited",
                "started_on",
                "outcome",
                "ended_on",
                "agency_id",
                "recorded_by_id",
                "created_at",
                "version",
            ),
        ),
        "accommodation": (
            "casework_accommodationoutcome",
            (
                "id",
                "case_id",
                "point",
                "status",
                "as_at",
                "note",
                "agency_id",
                "recorded_by_id",
                "created_at",
                "version",
            ),
        ),
    }
    ROSH = (("low", 0.35), ("medium", 0.45), ("high", 0.17), ("very_high", 0.03))

    def _pick(self, rng, pairs):
        r, acc = rng.random(), 0.0
        for value, weight in pairs:
            acc += weight
            if r < acc:
                return value
        return pairs[-1][0]

    def person(self, rng, p):
        gen, day, today = self.gen, self.day, self.gen.today
        for case in p.cases:
            user = case.owner or gen._staff(rng, case.agency)
            if user is None:
                continue
            last = case.end if case.end is not None else today
            if case.group != "remand" and rng.random() < 0.7:
                mappa = rng.random() < 0.1
                t = self.tables["risk"]
                t.add(
                    t.new_id(),
                    case.id,
                    self._pick(rng, self.ROSH),
                    "1" if mappa else "",
                    "1" if mappa else "",
                    None,
                    '["Luton"]' if case.group == "long_custody" and rng.random() < 0.2 else "[]",
                    None,
                    None,
                    rng.random() < 0.05,
                    rng.random() < 0.03,
                    case.group == "long_custody" and rng.random() < 0.1,
                    "",
                    case.agency,
                    user,
                    gen._ts(case.start, rng),
                    1,
                )
            if rng.random() < 0.6:
                t = self.tables["qualification"]
                t.add(
                    t.new_id(),
                    case.id,
                    None,
                    "held",
                    "GCSE English",
                    "2",
                    "AQA",
                    None,
                    True,
                    case.agency,
                    user,
                    gen._ts(case.start, rng),
                    1,
                )
            if last - case.start > 30 and rng.random() < 0.35:
                started = case.start + rng.randint(5, min(last - case.start, 120))
                done = last - started > 14 and rng.random() < 0.6
                ended = min(last, started + rng.randint(3, 14)) if done else None
                t = self.tables["course"]
                t.add(
                    t.new_id(),
                    case.id,
                    None,
                    "CSCS card course",
                    "OLASS",
                    True,
                    day(started),
                    "completed" if done else "in_progress",
                    day(ended) if done else None,
                    case.agency,
                    user,
                    gen._ts(started, rng),
                    1,
                )
                if done and rng.random() < 0.7:
                    q = self.tables["qualification"]
                    q.add(
                        q.new_id(),
                        case.id,
                        None,
                        "gained",
                        "Health and safety in construction",
                        "1",
                        "CITB",
                        day(ended),
                        True,
                        case.agency,
                        user,
                        gen._ts(ended, rng),
                        1,
                    )
        case = p.cases[-1] if p.cases else None
        if case is None or p.release is None or rng.random() < 0.2:
            return
        user = case.owner or gen._staff(rng, case.agency)
        if user is None:
            return
        points = [("at_release", p.release, 0.55)]
        if _three_months(p.release) <= today:
            points.append(("three_months", _three_months(p.release), 0.65))
        for point, as_at, settled in points:
            status = self._pick(
                rng,
                (
                    ("settled", settled),
                    ("temporary", 0.85 - settled),
                    ("rough_sleeping", 0.05),
                    ("unknown", 0.1),
                ),
            )
            t = self.tables["accommodation"]
            t.add(
                t.new_id(),
                case.id,
                point,
                status,
                day(as_at),
                "",
                case.agency,
                user,
                gen._ts(as_at, rng),
                1,
            )
