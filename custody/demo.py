"""Demo custody data (synthetic, idempotent): the EBSA surgery at HMP Bedford, twelve people received there
(Bedfordshire Probation cases), a few claim closures, a release to Luton with a Freshstart appointment at
Luton Jobcentre, and one due out soon. Writes a matching-scan file for these people to var/demo/ (the same
rows as tests/fixtures/matching_scan_sample.csv, with dates relative to today)."""

import csv
import datetime
import hashlib
import io
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from agencies.models import Region
from casework.models import (
    Case,
    LeadAgencyPeriod,
    OffenderGroup,
    Person,
    SentenceEpisode,
    SentenceType,
    Stage,
    SupportLevel,
)
from consent import policy
from consent.services import statutory_gateway_open
from custody import services as custody_services
from custody.models import (
    Benefit,
    BenefitDeliveryCentre,
    ChaseOutcome,
    ClaimClosure,
    ClaimState,
    ClosureChase,
    ContactMethod,
    FoundBy,
    FreshstartAppointment,
    PostReleaseClaim,
    ScanImport,
    ScanItemState,
    ScanKind,
    ScanOutcome,
    ScanRow,
    ScanStatus,
)
from custody.services import (
    CLAIM_CLOSURE_GATEWAY,
    FRESHSTART_GATEWAY,
    benefit_surgery_open,
)

# first, last, NI number, prison number, days since reception, remand, closure state
RECEIVED = [
    ("Reece", "Carter", "JK100001A", "A7000BD", 3, True, None),
    ("Dean", "Walker", "JK100002B", "A7001BD", 9, False, None),
    ("Kyle", "Mensah", "JK100003C", "A7002BD", 15, False, None),
    ("Lewis", "Hughes", "JK100004D", "A7003BD", 21, True, None),
    ("Tomasz", "Nowak", "JK100005A", "A7004BD", 27, False, None),
    ("Jamie", "Price", "JK100006B", "A7005BD", 33, False, None),
    ("Connor", "Reid", "JK100007C", "A7006BD", 39, False, "closed"),
    ("Aaron", "Shaw", "JK100008D", "A7007BD", 45, False, "closed"),
    ("Marcus", "Hale", "JK100009A", "A7008BD", 51, False, "sent"),
    ("Liam", "Foster", "JK100010B", "A7009BD", 57, False, "scan"),
]
# first, last, NI, prison number, released (True: 4 days ago; False: due in 21 days)
RELEASES = [
    ("Ryan", "Cole", "JK100011C", "A7100BD", True),
    ("Nathan", "Pike", "JK100012D", "A7101BD", False),
]

# The sample scan: (prison number of a RECEIVED person or None, overrides, benefit, date format)
SAMPLE_HEADER = [
    "ni_number",
    "prison_number",
    "last_name",
    "date_of_birth",
    "reception_date",
    "benefit",
    "benefit_delivery_centre",
]


def sample_rows(reception_of) -> list[list[str]]:
    """The sample scan rows; reception_of(prison_number) gives that person's reception date."""

    def d(prison_number, fmt, shift=0):
        return (reception_of(prison_number) + datetime.timedelta(days=shift)).strftime(fmt)

    return [
        [
            "JK100002B",
            "A7001BD",
            "Walker",
            "1991-04-02",
            d("A7001BD", "%Y-%m-%d"),
            "universal_credit",
            "Bedford Benefit Centre",
        ],
        [
            "JK 10 00 02 B",
            "A7001BD",
            "WALKER",
            "",
            d("A7001BD", "%d/%m/%Y"),
            "Housing Benefit",
            "Bedford Benefit Centre",
        ],
        ["", "A7002BD", "Mensah", "", d("A7002BD", "%d %b %Y"), "esa", "Luton Benefit Centre"],
        [
            "JK100007C",
            "A7006BD",
            "Reid",
            "1988-12-30",
            d("A7006BD", "%d-%m-%Y"),
            "universal_credit",
            "",
        ],
        ["JK100010B", "A7009BD", "Foster", "", d("A7009BD", "%Y-%m-%d"), "universal_credit", ""],
        ["PA100050A", "A7999ZZ", "Ghost", "1990-01-01", d("A7004BD", "%Y-%m-%d"), "jsa", ""],
        [
            "JK100005A",
            "A7004BD",
            "Nowak",
            "",
            d("A7004BD", "%d.%m.%Y"),
            "jsa",
            "Norwich Benefit Centre",
        ],
        [],
        ["JK100003C", "A7002BD", "Mensah", "", "31/02/2026", "esa", ""],
        [
            "JK100002B",
            "A7001BD",
            "Walker",
            "1991-04-02",
            d("A7001BD", "%Y-%m-%d"),
            "universal_credit",
            "Bedford Benefit Centre",
        ],
        [
            "JK100006B",
            "A7005BD",
            "Price",
            "",
            d("A7005BD", "%Y-%m-%d"),
            "jsa",
            "=cmd|' /C calc'!A0",
        ],
    ]


def sample_csv(reception_of) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(SAMPLE_HEADER)
    for row in sample_rows(reception_of):
        writer.writerow(row)
    return out.getvalue()


def _person(world, index, first, last, ni, prison_number, reception, group):
    person = Person.objects.filter(prison_number=prison_number).first()
    if person is not None:
        return person, False
    agency, users, sites = (
        world["agencies"]["Bedfordshire Probation"],
        world["users"],
        world["sites"],
    )
    person = Person.objects.create(
        first_name=first,
        last_name=last,
        date_of_birth=datetime.date(1985 + index, 3, 1 + index),
        sex="male",
        national_insurance_number=ni,
        prison_number=prison_number,
        crn=f"E{900000 + index:06d}",
        home_area="Luton",
        release_area="Luton",
        accommodation_status="in_custody",
        employment_status="not_available",
        benefit_status="closed_at_reception" if index % 3 else "claiming",
    )
    case = Case.objects.create(
        person=person,
        owning_agency=agency,
        owner=users["probation.luton"],
        site=sites["Luton probation office"],
        offender_group=group,
        support_level=SupportLevel.HIGH,
        stage=Stage.IN_CUSTODY,
        start_date=reception,
        planned_end_date=reception + datetime.timedelta(days=365),
    )
    LeadAgencyPeriod.objects.create(case=case, agency=agency, started_on=reception)
    return person, True


# The Benefit Delivery Centre directory (synthetic: .example addresses, Ofcom drama numbers)
CENTRES = [
    ("Bedford Benefit Centre", "bedford.bdc@dwp.example", "01632 960101", "East of England"),
    ("Luton Benefit Centre", "luton.bdc@dwp.example", "01632 960102", "East of England"),
    ("Norwich Benefit Centre", "norwich.bdc@dwp.example", "01632 960103", "East of England"),
    ("Wolverhampton Benefit Centre", "wolves.bdc@dwp.example", "01632 960104", "West Midlands"),
]


def _centres() -> dict:
    centres = {}
    for name, email, phone, region_name in CENTRES:
        region = Region.objects.filter(name=region_name).first()
        centres[name], _ = BenefitDeliveryCentre.objects.get_or_create(
            name=name, defaults={"secure_email": email, "phone": phone, "region": region}
        )
    return centres


def seed(world):
    agencies, sites, users = world["agencies"], world["sites"], world["users"]
    today = policy.today()
    world["bdcs"] = _centres()
    ebsa_agency, bedford, ebsa = (
        agencies["Jobcentre Plus at HMP Bedford"],
        sites["HMP Bedford"],
        users["ebsa.bedford"],
    )
    benefit_surgery_open(jobcentre=ebsa_agency, establishment=bedford)
    for index, (first, last, ni, prison_number, days_ago, remand, state) in enumerate(RECEIVED):
        reception = today - datetime.timedelta(days=days_ago)
        person, created = _person(
            world,
            index,
            first,
            last,
            ni,
            prison_number,
            reception,
            OffenderGroup.REMAND if remand else OffenderGroup.SHORT_CUSTODY,
        )
        if created:
            SentenceEpisode.objects.create(
                person=person,
                case=person.cases.first(),
                sentence_type=SentenceType.REMAND if remand else SentenceType.CUSTODIAL,
                length_months=None if remand else 4 + index,
                sentence_date=reception,
                reception_date=reception,
                establishment=bedford,
                expected_release_date=reception + datetime.timedelta(days=40 + index * 12),
            )
            policy.refresh_person_access(person)
        if state:
            _closure(person, state, ebsa_agency, bedford, ebsa, today, world["bdcs"])
    for index, (first, last, ni, prison_number, released) in enumerate(
        RELEASES, start=len(RECEIVED)
    ):
        _release(world, index, first, last, ni, prison_number, released, today)
    _earlier_scan(ebsa, ebsa_agency, today)
    path = _write_sample(today)
    if path and world.get("stdout"):
        world["stdout"].write(f"Matching scan for ebsa.bedford to upload: {path}")


def _overpayment(start):
    """The closure still waiting at the centre: ESA paid on after reception, referred to fraud."""
    return {
        "suspected_overpayment": True,
        "overpayment_amount": "486.40",
        "overpayment_from": start,
        "overpayment_to": start + datetime.timedelta(days=2),
        "fraud_referred_on": start + datetime.timedelta(days=3),
        "fraud_reference": "FRD-DEMO-0001",
    }


def _closure(person, state, agency, site, ebsa, today, centres):
    episode = person.sentences.filter(establishment=site).first()
    if (
        episode is None
        or ClaimClosure.objects.filter(
            person=person, reception_date=episode.reception_date
        ).exists()
    ):
        return
    start = episode.reception_date
    sent = start + datetime.timedelta(days=2) if state in ("closed", "sent") else None
    closure = ClaimClosure.objects.create(
        person=person,
        agency=agency,
        establishment=site,
        reception_date=start,
        benefits=[Benefit.UNIVERSAL_CREDIT]
        if state != "sent"
        else [Benefit.ESA, Benefit.HOUSING_BENEFIT],
        found_by=FoundBy.MATCHING_SCAN
        if state == "scan"
        else (FoundBy.PERSON_TOLD if person.pk % 4 == 1 else FoundBy.EBSA_CASEWORK),
        identity_checked=state != "scan",
        national_insurance_number=person.national_insurance_number,
        bdc=centres["Bedford Benefit Centre"],
        bdc_contact_method=ContactMethod.SECURE_EMAIL if sent else "",
        received_on=start,
        identified_on=start,
        sent_to_bdc_on=sent,
        closed_on=start + datetime.timedelta(days=6) if state == "closed" else None,
        **(_overpayment(start) if state == "sent" else {}),
        claim_ended_on=start if state == "closed" else None,
        created_by=ebsa,
    )
    if sent:  # one chase on each closure sent: confirmed ones in hand, the open one unanswered
        ClosureChase.objects.create(
            closure=closure,
            chased_on=sent + datetime.timedelta(days=3),
            method=ContactMethod.PHONE,
            outcome=ChaseOutcome.IN_HAND if state == "closed" else ChaseOutcome.NO_REPLY,
            recorded_by=ebsa,
        )
    statutory_gateway_open(
        person=person,
        agency=agency,
        reason=CLAIM_CLOSURE_GATEWAY,
        started_on=start,
        ends_on=start + datetime.timedelta(days=365),
    )


def _release(world, index, first, last, ni, prison_number, released, today):
    bedford, luton_office = world["sites"]["HMP Bedford"], world["sites"]["Luton Jobcentre"]
    reception = today - datetime.timedelta(days=70)
    person, created = _person(
        world, index, first, last, ni, prison_number, reception, OffenderGroup.SHORT_CUSTODY
    )
    if not created:
        return
    out = today - datetime.timedelta(days=4) if released else today + datetime.timedelta(days=21)
    SentenceEpisode.objects.create(
        person=person,
        case=person.cases.first(),
        sentence_type=SentenceType.CUSTODIAL,
        length_months=6,
        sentence_date=reception,
        reception_date=reception,
        establishment=bedford,
        expected_release_date=out,
        actual_release_date=out if released else None,
        release_type="licence" if released else "",
    )
    if released:
        Case.objects.filter(person=person).update(stage=Stage.RELEASED)
        at = timezone.make_aware(
            datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(10, 0))
        )
        FreshstartAppointment.objects.create(
            person=person,
            jobcentre=luton_office.agency,
            office=luton_office,
            appointment_at=at,
            booked_by=world["users"]["ebsa.bedford"],
            booked_by_agency=world["agencies"]["Jobcentre Plus at HMP Bedford"],
        )
        statutory_gateway_open(
            person=person,
            agency=luton_office.agency,
            reason=FRESHSTART_GATEWAY,
            started_on=reception,
            ends_on=at.date() + datetime.timedelta(days=settings.FRESHSTART_ACCESS_DAYS),
        )
        # the claim made at Freshstart: a rapid reclaim (the last claim ended at reception, 70 days
        # ago), decided with the first payday still to come, so a payment on account meets the tests
        claim = PostReleaseClaim(
            person=person,
            agency=luton_office.agency,
            released_on=out,
            claim_made_on=at.date(),
            benefit=Benefit.UNIVERSAL_CREDIT,
            last_claim_ended_on=reception,
            circumstances_unchanged=True,
            claim_state=ClaimState.AWAITING_PAYDAY,
            advance_requested=True,
            likely_entitled=True,
            in_financial_need=True,
            recorded_by=world["users"]["workcoach.luton"],
        )
        custody_services._validate_claim(claim)
        claim.save()
    policy.refresh_person_access(person)


# Rows of last week's scan that matched nobody (synthetic people Resettle does not know): the
# EBSA's "scan rows that matched nobody" on a fresh demo. (surname, NI, prison number, date of
# birth, sex, days since reception, benefit)
UNMATCHED = [
    ("Okafor", "JK100090A", "A7190BD", datetime.date(1993, 7, 14), "male", 9, "universal_credit"),
    ("Brennan", "", "A7191BD", datetime.date(1987, 1, 22), "female", 12, "housing_benefit"),
    ("Haddad", "JK100092C", "", None, "", 15, "esa"),
]


def _earlier_scan(ebsa, agency, today):
    scan, created = ScanImport.objects.get_or_create(
        agency=agency,
        sha256=hashlib.sha256(b"resettle demo: last week's matching scan").hexdigest(),
        defaults={
            "uploaded_by": ebsa,
            "filename": "matching-scan-last-week.csv",
            "kind": ScanKind.MATCHING_SCAN,
            "status": ScanStatus.DONE,
            "total_rows": len(UNMATCHED),
            "processed_rows": len(UNMATCHED),
            "counts": {"no_match": len(UNMATCHED)},
            "confirmed_at": timezone.now(),
            "finished_at": timezone.now(),
        },
    )
    if not created:
        return
    ScanRow.objects.bulk_create(
        ScanRow(
            scan=scan,
            agency=agency,
            row_key=hashlib.sha256(f"demo|{last}|{prison_number}".encode()).hexdigest(),
            line=line,
            last_name=last,
            national_insurance_number=ni,
            prison_number=prison_number,
            date_of_birth=born,
            sex=sex,
            reception_date=today - datetime.timedelta(days=days_ago),
            benefit=benefit,
            outcome=ScanOutcome.NO_MATCH,
            item_state=ScanItemState.OPEN,
        )
        for line, (last, ni, prison_number, born, sex, days_ago, benefit) in enumerate(
            UNMATCHED, start=2
        )
    )


def _write_sample(today):
    """The demo scan file for ebsa.bedford to upload (var/demo/matching_scan_demo.csv, git-ignored)."""
    days = {prison_number: days_ago for _f, _l, _n, prison_number, days_ago, _r, _s in RECEIVED}
    path = Path(settings.BASE_DIR) / "var" / "demo" / "matching_scan_demo.csv"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            sample_csv(lambda pn: today - datetime.timedelta(days=days[pn])), encoding="utf-8"
        )
    except OSError:
        return None
    return path
