"""About 300 synthetic people with the distributions of DOMAIN.md §9. Deterministic (seeded)."""

import datetime
import random

from django.utils import timezone

from casework.models import (
    AccommodationStatus,
    ActionStatus,
    Appointment,
    AppointmentKind,
    Assessment,
    BenefitStatus,
    Case,
    CaseNote,
    EmploymentStatus,
    Goal,
    LeadAgencyPeriod,
    NeedArea,
    NoteType,
    OffenderGroup,
    Person,
    PlanAction,
    ReleasePlan,
    ReleaseType,
    SentenceEpisode,
    SentenceType,
    Sex,
    Stage,
    SupportLevel,
    WorkReadiness,
    YesNoUnknown,
)
from consent import policy
from consent.models import ConsentMethod, ConsentRecord

MALE = [
    "James",
    "Daniel",
    "Ryan",
    "Liam",
    "Connor",
    "Jordan",
    "Kyle",
    "Nathan",
    "Lewis",
    "Jamie",
    "Adam",
    "Callum",
    "Marcus",
    "Tyler",
    "Reece",
    "Dean",
    "Aaron",
    "Lee",
    "Craig",
    "Wayne",
    "Imran",
    "Tariq",
    "Kwame",
    "Tomasz",
    "Marek",
    "Darren",
    "Shane",
    "Mohammed",
    "Ashley",
    "Jason",
    "Gary",
    "Stuart",
    "Kieran",
    "Bradley",
    "Luke",
]
FEMALE = [
    "Sarah",
    "Chloe",
    "Jade",
    "Leanne",
    "Kerry",
    "Amy",
    "Stacey",
    "Hayley",
    "Danielle",
    "Aisha",
    "Gemma",
    "Kelly",
]
LAST = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Patel",
    "Khan",
    "Lewis",
    "James",
    "Phillips",
    "Mason",
    "Mitchell",
    "Rose",
    "Davis",
    "Rodriguez",
    "Cox",
    "Alexander",
    "Morgan",
    "Hughes",
    "Edwards",
    "Hill",
    "Moore",
    "Clark",
    "Harrison",
    "Scott",
    "Young",
    "Morris",
    "Hussain",
    "Begum",
    "Kowalski",
    "Nowak",
    "Mensah",
    "Okoro",
    "Murphy",
    "Kelly",
    "Doherty",
    "Ward",
    "Turner",
    "Baker",
    "Carter",
    "Price",
]
HOMES = {
    "Bedfordshire Probation": ("Luton", "Luton probation office"),
    "Essex Probation": ("Southend-on-Sea", "Southend probation office"),
    "Suffolk Probation": ("Bury St Edmunds", "Bury St Edmunds probation office"),
}
NINO_PREFIX = "ABCEGHJKLMNPRSTWXYZ"


def _age(rng):
    r = rng.random()
    if r < 0.29:
        return rng.randint(18, 24)
    if r < 0.87:
        return rng.randint(25, 49)
    return rng.randint(50, 66)


def _weighted(rng, pairs):
    r, acc = rng.random(), 0.0
    for value, weight in pairs:
        acc += weight
        if r < acc:
            return value
    return pairs[-1][0]


def seed(world):
    rng = random.Random(20261123)
    today = policy.today()
    agencies, sites, users = world["agencies"], world["sites"], world["users"]
    owners = {
        "Bedfordshire Probation": [users["probation.luton"], users["manager.luton"], None],
        "Essex Probation": [users["probation.southend"], None],
        "Suffolk Probation": [users["probation.bury"], None],
    }
    prisons = [sites["HMP Bedford"], sites["HMP Highpoint"], sites["HMP Chelmsford"]]
    people = []
    for i in range(world["people_count"]):
        crn = f"D{100000 + i:06d}"
        male = rng.random() < 0.89
        agency_name = _weighted(
            rng,
            [("Bedfordshire Probation", 0.5), ("Essex Probation", 0.3), ("Suffolk Probation", 0.2)],
        )
        area, office = HOMES[agency_name]
        dob = today - datetime.timedelta(days=_age(rng) * 365 + rng.randint(0, 364))
        group = _weighted(
            rng,
            [
                (OffenderGroup.COMMUNITY, 0.45),
                (OffenderGroup.SHORT_CUSTODY, 0.25),
                (OffenderGroup.LONG_CUSTODY, 0.2),
                (OffenderGroup.REMAND, 0.1),
            ],
        )
        in_custody = group != OffenderGroup.COMMUNITY and rng.random() < 0.5
        person = Person.objects.filter(crn=crn).first()
        if person is None:
            person = Person.objects.create(
                first_name=rng.choice(MALE if male else FEMALE),
                last_name=rng.choice(LAST),
                date_of_birth=dob,
                sex=Sex.MALE if male else Sex.FEMALE,
                crn=crn,
                prison_number=f"{rng.choice('AG')}{rng.randint(1000, 9999)}{rng.choice('BCDEFGHJ')}{rng.choice('ABCDEFGHJK')}"
                if group != OffenderGroup.COMMUNITY
                else "",
                national_insurance_number=(
                    f"{rng.choice(NINO_PREFIX)}{rng.choice(NINO_PREFIX)}{rng.randint(0, 999999):06d}{rng.choice('ABCD')}"
                    if rng.random() < 0.7
                    else ""
                ),
                home_area=area,
                release_area=area
                if rng.random() < 0.85
                else rng.choice([h[0] for h in HOMES.values()]),
                accommodation_status=AccommodationStatus.IN_CUSTODY
                if in_custody
                else _weighted(
                    rng,
                    [
                        (AccommodationStatus.SETTLED, 0.55),
                        (AccommodationStatus.TEMPORARY, 0.3),
                        (AccommodationStatus.NO_FIXED_ABODE, 0.15),
                    ],
                ),
                employment_status=EmploymentStatus.NOT_AVAILABLE
                if in_custody
                else _weighted(
                    rng,
                    [
                        (EmploymentStatus.EMPLOYED, 0.35),
                        (EmploymentStatus.UNEMPLOYED, 0.6),
                        (EmploymentStatus.IN_TRAINING, 0.05),
                    ],
                ),
                benefit_status=_weighted(
                    rng,
                    [
                        (BenefitStatus.CLAIMING, 0.5),
                        (BenefitStatus.NOT_CLAIMING, 0.3),
                        (BenefitStatus.UNKNOWN, 0.2),
                    ],
                ),
                bank_account_held=rng.random() < 0.6,
                id_documents_held=rng.random() < 0.55,
            )
            start = today - datetime.timedelta(days=rng.randint(10, 400))
            stage = (
                rng.choice([Stage.IN_CUSTODY, Stage.PRE_RELEASE, Stage.RECEPTION])
                if in_custody
                else _weighted(
                    rng, [(Stage.IN_COMMUNITY, 0.6), (Stage.RELEASED, 0.25), (Stage.IN_WORK, 0.15)]
                )
            )
            case = Case.objects.create(
                person=person,
                owning_agency=agencies[agency_name],
                owner=rng.choice(owners[agency_name]),
                site=sites[office],
                offender_group=group,
                support_level=_weighted(
                    rng,
                    [
                        (SupportLevel.HIGH, 0.45),
                        (SupportLevel.MEDIUM, 0.35),
                        (SupportLevel.LOW, 0.2),
                    ],
                ),
                stage=stage,
                start_date=start,
                planned_end_date=start + datetime.timedelta(days=rng.choice([180, 270, 365])),
            )
            LeadAgencyPeriod.objects.create(case=case, agency=case.owning_agency, started_on=start)
            if group != OffenderGroup.COMMUNITY:
                reception = start - datetime.timedelta(days=rng.randint(0, 120))
                expected = reception + datetime.timedelta(days=rng.randint(60, 700))
                released = None if in_custody else min(today, expected)
                SentenceEpisode.objects.create(
                    person=person,
                    case=case,
                    sentence_type=SentenceType.REMAND
                    if group == OffenderGroup.REMAND
                    else SentenceType.CUSTODIAL,
                    length_months=None
                    if group == OffenderGroup.REMAND
                    else (
                        rng.randint(2, 11)
                        if group == OffenderGroup.SHORT_CUSTODY
                        else rng.randint(12, 60)
                    ),
                    reception_date=reception,
                    sentence_date=reception,
                    establishment=rng.choice(prisons),
                    expected_release_date=max(
                        expected, today + datetime.timedelta(days=rng.randint(5, 120))
                    )
                    if in_custody
                    else expected,
                    actual_release_date=released,
                    release_type=""
                    if in_custody
                    else rng.choice([ReleaseType.LICENCE, ReleaseType.END_OF_SENTENCE]),
                )
            else:
                SentenceEpisode.objects.create(
                    person=person,
                    case=case,
                    sentence_type=rng.choice(
                        [
                            SentenceType.COMMUNITY_ORDER,
                            SentenceType.SUSPENDED,
                            SentenceType.UNPAID_WORK,
                        ]
                    ),
                    length_months=rng.choice([6, 12, 18, 24]),
                    sentence_date=start,
                )
            policy.refresh_person_access(person)
        people.append(person)
    people += _bedford_releases(world, rng, today)
    world["people"] = people
    _journeys(world, rng, today, people)
    _records(world, random.Random(20261203), today, people)


# --- The casework journey: assessments, plans, notes; people at HMP Bedford due for Southend -------

BEDFORD_RELEASES = [
    ("Ryan", "Mensah"),
    ("Kyle", "Doherty"),
    ("Stacey", "Turner"),
    ("Marek", "Nowak"),
]
AREAS = [a for a, _ in NeedArea.choices]
ACTIONS = [
    "Attend CV workshop",
    "Open a bank account",
    "Apply for birth certificate",
    "Register with a GP",
    "Housing advice appointment",
    "Disclosure letter with adviser",
    "Job search session",
    "Book CSCS card course",
]
NOTES = [
    "Met to review the action plan; keen to find construction work.",
    "Phoned to remind about signing on.",
    "Spoke with the Jobcentre about the claim.",
    "Letter sent confirming the next appointment.",
]


def _bedford_releases(world, rng, today):
    """A few Bedfordshire cases in custody at HMP Bedford, due for release to Southend, with consent for Essex."""
    agencies, sites, users = world["agencies"], world["sites"], world["users"]
    luton, essex, recorder = (
        agencies["Bedfordshire Probation"],
        agencies["Essex Probation"],
        users["probation.luton"],
    )
    people = []
    for i, (first, last) in enumerate(BEDFORD_RELEASES):
        crn = f"D{900000 + i:06d}"
        person = Person.objects.filter(crn=crn).first()
        if person is None:
            person = Person.objects.create(
                first_name=first,
                last_name=last,
                crn=crn,
                date_of_birth=today - datetime.timedelta(days=(24 + 5 * i) * 365),
                sex=Sex.FEMALE if first == "Stacey" else Sex.MALE,
                prison_number=f"A{7200 + i}BE",
                home_area="Southend-on-Sea",
                release_area="Southend-on-Sea",
                accommodation_status=AccommodationStatus.IN_CUSTODY,
                employment_status=EmploymentStatus.NOT_AVAILABLE,
                benefit_status=BenefitStatus.CLOSED_AT_RECEPTION,
                created_by_agency=luton,
            )
            reception = today - datetime.timedelta(days=90 + 20 * i)
            case = Case.objects.create(
                person=person,
                owning_agency=luton,
                owner=recorder,
                site=sites["Luton probation office"],
                offender_group=OffenderGroup.SHORT_CUSTODY,
                support_level=SupportLevel.HIGH,
                stage=Stage.PRE_RELEASE,
                start_date=reception + datetime.timedelta(days=2),
                planned_end_date=reception + datetime.timedelta(days=367),
            )
            LeadAgencyPeriod.objects.create(case=case, agency=luton, started_on=case.start_date)
            SentenceEpisode.objects.create(
                person=person,
                case=case,
                sentence_type=SentenceType.CUSTODIAL,
                length_months=6 + i,
                sentence_date=reception,
                reception_date=reception,
                establishment=sites["HMP Bedford"],
                expected_release_date=today + datetime.timedelta(days=7 + 9 * i),
            )
            ReleasePlan.objects.create(
                case=case,
                release_address="Hostel place, Southend-on-Sea" if i % 2 == 0 else "",
                id_documents_ready=i % 2 == 1,
                bank_account_ready=i == 0,
                accommodation_screened_on=reception + datetime.timedelta(days=3 if i < 3 else 7),
                updated_by=recorder,
            )
            ConsentRecord.objects.create(
                person=person,
                recipient_agency=essex,
                employment_support=True,
                data_categories=["identity", "case", "custody", "plan", "employment"],
                method=ConsentMethod.SIGNED_FORM,
                form_version="v3",
                given_on=case.start_date,
                expires_on=case.start_date + datetime.timedelta(days=365),
                recorded_by=recorder,
                recorded_by_agency=luton,
            )
            policy.refresh_person_access(person)
        people.append(person)
    return people


def _journeys(world, rng, today, people):
    """Assessments (some reassessed), goals, actions (some overdue), appointments and notes for open cases."""
    users = world["users"]
    default_user = {
        "Bedfordshire Probation": users["probation.luton"],
        "Essex Probation": users["probation.southend"],
        "Suffolk Probation": users["probation.bury"],
    }
    cases = (
        Case.objects.filter(person__in=people, end_date__isnull=True)
        .select_related("owning_agency")
        .exclude(assessments__isnull=False)
        .order_by("id")
    )
    assessments, actions, notes, appointments = [], [], [], []
    for case in cases:
        user = case.owner or default_user.get(case.owning_agency.name)
        if user is None:
            continue
        span = max(1, (today - case.start_date).days)
        ratings = {area: rng.choice(["red", "red", "amber", "amber", "green"]) for area in AREAS}
        for n in range(rng.choice([1, 1, 2, 3])):
            on = case.start_date + datetime.timedelta(days=min(span, 5 + 40 * n))
            if n:
                ratings = {
                    area: ("amber" if rag == "red" else "green") if rng.random() < 0.4 else rag
                    for area, rag in ratings.items()
                }
            assessments.append(
                Assessment(
                    case=case,
                    assessed_on=min(on, today),
                    assessed_by=user,
                    agency=case.owning_agency,
                    ratings=dict(ratings),
                    work_readiness=rng.choice(WorkReadiness.values[:2]),
                    confident_writing_name=YesNoUnknown.YES,
                    confident_writing_address=rng.choice(YesNoUnknown.values),
                    self_reported_needs=rng.choice(
                        ["Help finding work", "Somewhere to live", "Qualifications", "Work skills"]
                    ),
                )
            )
        goal = Goal.objects.create(
            case=case,
            description="Into paid work that lasts",
            agency=case.owning_agency,
            created_by=user,
        )
        for seq, text in enumerate(rng.sample(ACTIONS, rng.randint(2, 4)), start=1):
            due = case.start_date + datetime.timedelta(days=rng.randint(7, 120))
            status = (
                ActionStatus.DONE
                if due < today and rng.random() < 0.6
                else rng.choice([ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS])
            )
            actions.append(
                PlanAction(
                    case=case,
                    goal=goal,
                    description=text,
                    owner_agency=case.owning_agency,
                    owner=case.owner,
                    sequence=seq,
                    due_date=due,
                    status=status,
                    status_changed_on=min(due, today) if status == ActionStatus.DONE else None,
                    created_by=user,
                    created_by_agency=case.owning_agency,
                )
            )
        for _ in range(rng.randint(0, 3)):
            on = today - datetime.timedelta(days=rng.randint(0, min(span, 90)))
            notes.append(
                CaseNote(
                    case=case,
                    note_type=rng.choice(NoteType.values),
                    contact_on=max(on, case.start_date),
                    body=rng.choice(NOTES),
                    sensitive=rng.random() < 0.1,
                    author=user,
                    agency=case.owning_agency,
                )
            )
        if case.stage in (Stage.IN_COMMUNITY, Stage.RELEASED):
            when = timezone.now() + datetime.timedelta(
                days=rng.randint(-20, 20), hours=rng.randint(-3, 3)
            )
            appointments.append(
                Appointment(
                    case=case,
                    kind=AppointmentKind.PROBATION,
                    at=when,
                    where="Probation office",
                    agency=case.owning_agency,
                    created_by=user,
                    attended=rng.choice([YesNoUnknown.YES, YesNoUnknown.NO])
                    if when < timezone.now()
                    else YesNoUnknown.UNKNOWN,
                )
            )
    Assessment.objects.bulk_create(assessments)
    PlanAction.objects.bulk_create(actions)
    CaseNote.objects.bulk_create(notes)
    Appointment.objects.bulk_create(appointments)
    from casework.services import refresh_last_contact

    refresh_last_contact({note.case_id for note in notes} | {a.case_id for a in appointments})


# --- Offender managers, risk and licence, qualifications and courses (issue 19) ----------------

OFFENDER_MANAGERS = ["Priya Shah", "Tom Okafor", "Helen Price", "Gary Walsh", "Aisha Rahman"]
# Share of cases with a named offender manager, by group (most short sentences have none, 001 §3.1).
OM_SHARE = {"community": 0.9, "long_custody": 0.95, "short_custody": 0.15, "remand": 0.0}
HELD = [
    ("GCSE English", "2", "AQA"),
    ("GCSE Maths", "2", "Edexcel"),
    ("Functional Skills English", "1", "City & Guilds"),
    ("Forklift truck operation", "not_known", "RTITB"),
]
GAINED = [
    ("Health and safety in construction (CSCS)", "1", "CITB"),
    ("Food safety in catering", "2", "Highfield"),
    ("Functional Skills Maths", "entry", "City & Guilds"),
    ("Warehousing and storage", "2", "NCFE"),
]
COURSES = ["CSCS card course", "Barista skills", "Forklift licence", "Employability workshop"]


def _records(world, rng, today, people):
    """Offender managers (by group), risk and licence for most probation cases, qualifications
    held (about 60%: 40% have none, 002) and gained, and courses started and completed."""
    from casework.models import (
        Course,
        CourseOutcome,
        Qualification,
        QualificationStatus,
        RiskLicence,
    )

    users = world["users"]
    default_user = {
        "Bedfordshire Probation": users["probation.luton"],
        "Essex Probation": users["probation.southend"],
        "Suffolk Probation": users["probation.bury"],
    }
    if RiskLicence.objects.filter(case__person__in=people).exists():
        return  # seeded already (seed_demo may run twice)
    cases = (
        Case.objects.filter(person__in=people)
        .select_related("owning_agency", "person")
        .prefetch_related("goals")
        .order_by("id")
    )
    risks, qualifications, courses = [], [], []
    for case in cases:
        user = case.owner or default_user.get(case.owning_agency.name)
        if user is None:
            continue
        if rng.random() < OM_SHARE.get(case.offender_group, 0):
            Case.objects.filter(pk=case.pk).update(
                offender_manager_name=rng.choice(OFFENDER_MANAGERS),
                offender_manager_agency=case.owning_agency.name,
                offender_manager_contact=f"01{rng.randint(100, 999)} {rng.randint(100000, 999999)}",
            )
        if case.offender_group != OffenderGroup.REMAND and rng.random() < 0.7:
            mappa = rng.random() < 0.1
            licence = case.offender_group == OffenderGroup.LONG_CUSTODY
            risks.append(
                RiskLicence(
                    case=case,
                    rosh_level=_weighted(
                        rng, [("low", 0.35), ("medium", 0.45), ("high", 0.17), ("very_high", 0.03)]
                    ),
                    mappa_category=rng.choice(["1", "1", "2"]) if mappa else "",
                    mappa_level="1" if mappa else "",
                    exclusion_zones=[rng.choice(["Luton", "Bedford", "Southend-on-Sea"])]
                    if licence and rng.random() < 0.2
                    else [],
                    curfew_from=datetime.time(19) if licence and rng.random() < 0.15 else None,
                    curfew_until=None,
                    no_work_with_children=rng.random() < 0.05,
                    no_work_with_vulnerable_adults=rng.random() < 0.03,
                    disclosure_required=licence and rng.random() < 0.1,
                    agency=case.owning_agency,
                    updated_by=user,
                )
            )
            if risks[-1].curfew_from is not None:
                risks[-1].curfew_until = datetime.time(7)
        goal = next(iter(case.goals.all()), None)
        if rng.random() < 0.6:
            subject, level, body = rng.choice(HELD)
            qualifications.append(
                Qualification(
                    case=case,
                    status=QualificationStatus.HELD,
                    subject=subject,
                    level=level,
                    awarding_body=body,
                    accredited=True,
                    agency=case.owning_agency,
                    recorded_by=user,
                )
            )
        span = (today - case.start_date).days
        if span > 30 and rng.random() < 0.35:
            started = case.start_date + datetime.timedelta(days=rng.randint(5, min(span, 120)))
            done = (today - started).days > 14 and rng.random() < 0.6
            ended = min(today, started + datetime.timedelta(days=rng.randint(3, 14)))
            courses.append(
                Course(
                    case=case,
                    goal=goal,
                    title=rng.choice(COURSES),
                    provider="OLASS" if case.offender_group != "community" else "path2work",
                    accredited=rng.random() < 0.5,
                    started_on=started,
                    outcome=CourseOutcome.COMPLETED
                    if done
                    else rng.choice([CourseOutcome.IN_PROGRESS, CourseOutcome.WITHDRAWN]),
                    ended_on=ended if done else None,
                    agency=case.owning_agency,
                    recorded_by=user,
                )
            )
            if courses[-1].outcome == CourseOutcome.WITHDRAWN:
                courses[-1].ended_on = ended
            if done and rng.random() < 0.7:
                subject, level, body = rng.choice(GAINED)
                qualifications.append(
                    Qualification(
                        case=case,
                        goal=goal,
                        status=QualificationStatus.GAINED,
                        subject=subject,
                        level=level,
                        awarding_body=body,
                        achieved_on=ended,
                        accredited=True,
                        agency=case.owning_agency,
                        recorded_by=user,
                    )
                )
    RiskLicence.objects.bulk_create(risks)
    Qualification.objects.bulk_create(qualifications)
    Course.objects.bulk_create(courses)
    _accommodation_outcomes(rng, today, people, default_user)


def _accommodation_outcomes(rng, today, people, default_user):
    """Outcomes for released people: on release about 55% settled, 30% temporary, 5% rough
    sleeping, 10% not known; three months after (where due) a little more settled."""
    from casework.models import AccommodationOutcome
    from casework.records import _three_months

    released = (
        SentenceEpisode.objects.filter(case__person__in=people, actual_release_date__isnull=False)
        .select_related("case", "case__owning_agency")
        .order_by("case_id", "-actual_release_date")
    )
    rows, seen = [], set()
    for sentence in released:
        case = sentence.case
        if case is None or case.pk in seen:
            continue
        user = case.owner or default_user.get(case.owning_agency.name)
        if user is None or rng.random() < 0.2:
            continue
        seen.add(case.pk)
        points = [("at_release", sentence.actual_release_date, 0.55)]
        three = _three_months(sentence.actual_release_date)
        if three <= today:
            points.append(("three_months", three, 0.65))
        for point, as_at, settled in points:
            status = _weighted(
                rng,
                [
                    ("settled", settled),
                    ("temporary", 0.9 - settled - 0.05),
                    ("rough_sleeping", 0.05),
                    ("unknown", 0.1),
                ],
            )
            rows.append(
                AccommodationOutcome(
                    case=case,
                    point=point,
                    status=status,
                    as_at=as_at,
                    agency=case.owning_agency,
                    recorded_by=user,
                )
            )
    AccommodationOutcome.objects.bulk_create(rows)
