"""About 300 synthetic people with the distributions of DOMAIN.md §9. Deterministic (seeded)."""

import datetime
import random

from casework.models import (
    AccommodationStatus,
    BenefitStatus,
    Case,
    EmploymentStatus,
    LeadAgencyPeriod,
    OffenderGroup,
    Person,
    ReleaseType,
    SentenceEpisode,
    SentenceType,
    Sex,
    Stage,
    SupportLevel,
)
from consent import policy

MALE = ["James", "Daniel", "Ryan", "Liam", "Connor", "Jordan", "Kyle", "Nathan", "Lewis", "Jamie", "Adam", "Callum",
        "Marcus", "Tyler", "Reece", "Dean", "Aaron", "Lee", "Craig", "Wayne", "Imran", "Tariq", "Kwame", "Tomasz",
        "Marek", "Darren", "Shane", "Mohammed", "Ashley", "Jason", "Gary", "Stuart", "Kieran", "Bradley", "Luke"]
FEMALE = ["Sarah", "Chloe", "Jade", "Leanne", "Kerry", "Amy", "Stacey", "Hayley", "Danielle", "Aisha", "Gemma", "Kelly"]
LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright", "Thompson",
        "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Patel", "Khan", "Lewis",
        "James", "Phillips", "Mason", "Mitchell", "Rose", "Davis", "Rodriguez", "Cox", "Alexander", "Morgan", "Hughes",
        "Edwards", "Hill", "Moore", "Clark", "Harrison", "Scott", "Young", "Morris", "Hussain", "Begum", "Kowalski",
        "Nowak", "Mensah", "Okoro", "Murphy", "Kelly", "Doherty", "Ward", "Turner", "Baker", "Carter", "Price"]
HOMES = {"Bedfordshire Probation": ("Luton", "Luton probation office"),
         "Essex Probation": ("Southend-on-Sea", "Southend probation office"),
         "Suffolk Probation": ("Bury St Edmunds", "Bury St Edmunds probation office")}
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
    owners = {"Bedfordshire Probation": [users["probation.luton"], users["manager.luton"], None],
              "Essex Probation": [users["probation.southend"], None], "Suffolk Probation": [users["probation.bury"], None]}
    prisons = [sites["HMP Bedford"], sites["HMP Highpoint"], sites["HMP Chelmsford"]]
    people = []
    for i in range(world["people_count"]):
        crn = f"D{100000 + i:06d}"
        male = rng.random() < 0.89
        agency_name = _weighted(rng, [("Bedfordshire Probation", 0.5), ("Essex Probation", 0.3), ("Suffolk Probation", 0.2)])
        area, office = HOMES[agency_name]
        dob = today - datetime.timedelta(days=_age(rng) * 365 + rng.randint(0, 364))
        group = _weighted(rng, [(OffenderGroup.COMMUNITY, 0.45), (OffenderGroup.SHORT_CUSTODY, 0.25),
                                (OffenderGroup.LONG_CUSTODY, 0.2), (OffenderGroup.REMAND, 0.1)])
        in_custody = group != OffenderGroup.COMMUNITY and rng.random() < 0.5
        person = Person.objects.filter(crn=crn).first()
        if person is None:
            person = Person.objects.create(
                first_name=rng.choice(MALE if male else FEMALE), last_name=rng.choice(LAST), date_of_birth=dob,
                sex=Sex.MALE if male else Sex.FEMALE, crn=crn,
                prison_number=f"{rng.choice('AG')}{rng.randint(1000, 9999)}{rng.choice('BCDEFGHJ')}{rng.choice('ABCDEFGHJK')}" if group != OffenderGroup.COMMUNITY else "",
                national_insurance_number=(f"{rng.choice(NINO_PREFIX)}{rng.choice(NINO_PREFIX)}{rng.randint(0, 999999):06d}{rng.choice('ABCD')}"
                                           if rng.random() < 0.7 else ""),
                home_area=area, release_area=area if rng.random() < 0.85 else rng.choice([h[0] for h in HOMES.values()]),
                accommodation_status=AccommodationStatus.IN_CUSTODY if in_custody else _weighted(rng, [
                    (AccommodationStatus.SETTLED, 0.55), (AccommodationStatus.TEMPORARY, 0.3), (AccommodationStatus.NO_FIXED_ABODE, 0.15)]),
                employment_status=EmploymentStatus.NOT_AVAILABLE if in_custody else _weighted(rng, [
                    (EmploymentStatus.EMPLOYED, 0.35), (EmploymentStatus.UNEMPLOYED, 0.6), (EmploymentStatus.IN_TRAINING, 0.05)]),
                benefit_status=_weighted(rng, [(BenefitStatus.CLAIMING, 0.5), (BenefitStatus.NOT_CLAIMING, 0.3), (BenefitStatus.UNKNOWN, 0.2)]),
                bank_account_held=rng.random() < 0.6, id_documents_held=rng.random() < 0.55,
            )
            start = today - datetime.timedelta(days=rng.randint(10, 400))
            stage = (rng.choice([Stage.IN_CUSTODY, Stage.PRE_RELEASE, Stage.RECEPTION]) if in_custody
                     else _weighted(rng, [(Stage.IN_COMMUNITY, 0.6), (Stage.RELEASED, 0.25), (Stage.IN_WORK, 0.15)]))
            case = Case.objects.create(
                person=person, owning_agency=agencies[agency_name], owner=rng.choice(owners[agency_name]), site=sites[office],
                offender_group=group, support_level=_weighted(rng, [(SupportLevel.HIGH, 0.45), (SupportLevel.MEDIUM, 0.35), (SupportLevel.LOW, 0.2)]),
                stage=stage, start_date=start, planned_end_date=start + datetime.timedelta(days=rng.choice([180, 270, 365])))
            LeadAgencyPeriod.objects.create(case=case, agency=case.owning_agency, started_on=start)
            if group != OffenderGroup.COMMUNITY:
                reception = start - datetime.timedelta(days=rng.randint(0, 120))
                expected = reception + datetime.timedelta(days=rng.randint(60, 700))
                released = None if in_custody else min(today, expected)
                SentenceEpisode.objects.create(
                    person=person, case=case,
                    sentence_type=SentenceType.REMAND if group == OffenderGroup.REMAND else SentenceType.CUSTODIAL,
                    length_months=None if group == OffenderGroup.REMAND else (rng.randint(2, 11) if group == OffenderGroup.SHORT_CUSTODY else rng.randint(12, 60)),
                    reception_date=reception, sentence_date=reception, establishment=rng.choice(prisons),
                    expected_release_date=max(expected, today + datetime.timedelta(days=rng.randint(5, 120))) if in_custody else expected,
                    actual_release_date=released, release_type="" if in_custody else rng.choice([ReleaseType.LICENCE, ReleaseType.END_OF_SENTENCE]))
            else:
                SentenceEpisode.objects.create(person=person, case=case, sentence_type=rng.choice(
                    [SentenceType.COMMUNITY_ORDER, SentenceType.SUSPENDED, SentenceType.UNPAID_WORK]),
                    length_months=rng.choice([6, 12, 18, 24]), sentence_date=start)
            policy.refresh_person_access(person)
        people.append(person)
    world["people"] = people
