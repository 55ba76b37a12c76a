"""Demo employers in Luton, Bury St Edmunds and Southend, vacancies, applications and job starts for
people path2work can see. Idempotent: employers and vacancies by name, person records only once."""

import datetime

from django.utils import timezone

from agencies import acting
from casework.models import Person
from consent import policy
from employers import services
from employers.models import Application, Employer, EmploymentSpell, JobPreferences, Vacancy

EMPLOYERS = [
    # name, sector, size, town, postcode, engagement, alliance, lep, guaranteed interviews, fidelity bonds, contact
    (
        "Hatters Logistics",
        "warehousing",
        "large",
        "Luton",
        "LU1 3AA",
        "committed",
        2,
        True,
        True,
        True,
        "Dev Patel",
    ),
    (
        "Airport Way Catering",
        "hospitality",
        "medium",
        "Luton",
        "LU2 9LY",
        "engaged",
        None,
        True,
        True,
        False,
        "Sue Marsh",
    ),
    (
        "Chiltern Bakery",
        "manufacturing",
        "medium",
        "Luton",
        "LU4 8EF",
        "committed",
        1,
        False,
        True,
        False,
        "Tom Reid",
    ),
    (
        "Lea Valley Builders",
        "construction",
        "small",
        "Luton",
        "LU3 1HS",
        "aware",
        None,
        False,
        False,
        False,
        "",
    ),
    (
        "Bright Clean Services",
        "cleaning",
        "medium",
        "Luton",
        "LU1 2PP",
        "engaged",
        None,
        True,
        False,
        True,
        "Ana Costa",
    ),
    (
        "Abbey Brewing Co",
        "manufacturing",
        "large",
        "Bury St Edmunds",
        "IP33 1QT",
        "committed",
        3,
        True,
        True,
        True,
        "Jo Hale",
    ),
    (
        "Suffolk Green Grounds",
        "horticulture",
        "small",
        "Bury St Edmunds",
        "IP32 7AB",
        "engaged",
        None,
        False,
        True,
        False,
        "Rob King",
    ),
    (
        "Market Hill Hotel",
        "hospitality",
        "small",
        "Bury St Edmunds",
        "IP33 1RT",
        "aware",
        None,
        False,
        False,
        False,
        "",
    ),
    (
        "West Suffolk Care",
        "care",
        "medium",
        "Bury St Edmunds",
        "IP33 3ND",
        "engaged",
        None,
        True,
        False,
        False,
        "Meg Ross",
    ),
    (
        "A14 Haulage",
        "transport",
        "medium",
        "Bury St Edmunds",
        "IP32 6NU",
        "committed",
        1,
        False,
        True,
        True,
        "Ian Bell",
    ),
    (
        "Pier Kitchen",
        "hospitality",
        "small",
        "Southend-on-Sea",
        "SS1 1EE",
        "engaged",
        None,
        False,
        True,
        False,
        "Lia Moss",
    ),
    (
        "Estuary Retail Group",
        "retail",
        "large",
        "Southend-on-Sea",
        "SS1 1LL",
        "committed",
        2,
        True,
        True,
        False,
        "Ben Ford",
    ),
    (
        "Thames Gateway Freight",
        "warehousing",
        "large",
        "Southend-on-Sea",
        "SS2 5QF",
        "engaged",
        None,
        True,
        False,
        True,
        "Kay Lowe",
    ),
    (
        "Shoebury Facilities",
        "cleaning",
        "small",
        "Southend-on-Sea",
        "SS3 9QY",
        "aware",
        None,
        False,
        False,
        False,
        "",
    ),
    (
        "Prittle Fabrication",
        "manufacturing",
        "small",
        "Southend-on-Sea",
        "SS9 5LE",
        "engaged",
        None,
        False,
        True,
        False,
        "Al Shah",
    ),
]
VACANCIES = [
    ("Hatters Logistics", "Warehouse operative", 37.5, "£12.60 an hour", "permanent", "basic", []),
    ("Hatters Logistics", "Forklift driver", 40, "£13.40 an hour", "permanent", "basic", []),
    ("Airport Way Catering", "Kitchen assistant", 30, "£12.21 an hour", "temporary", "none", []),
    (
        "Chiltern Bakery",
        "Production line operative",
        37.5,
        "£12.50 an hour",
        "permanent",
        "none",
        [],
    ),
    ("Bright Clean Services", "Office cleaner", 15, "£12.21 an hour", "permanent", "basic", []),
    (
        "Abbey Brewing Co",
        "Cellar technician",
        37.5,
        "£13.00 an hour",
        "apprenticeship",
        "basic",
        [],
    ),
    ("Suffolk Green Grounds", "Grounds maintenance", 35, "£12.40 an hour", "temporary", "none", []),
    (
        "West Suffolk Care",
        "Care assistant",
        30,
        "£12.80 an hour",
        "permanent",
        "enhanced",
        ["violence", "sexual offences"],
    ),
    ("A14 Haulage", "Driver's mate", 40, "£12.30 an hour", "permanent", "basic", ["theft"]),
    ("Pier Kitchen", "Line cook", 32, "£12.70 an hour", "permanent", "none", []),
    (
        "Estuary Retail Group",
        "Stock assistant",
        20,
        "£12.21 an hour",
        "temporary",
        "basic",
        ["theft", "fraud"],
    ),
    ("Thames Gateway Freight", "Picker packer", 37.5, "£12.45 an hour", "permanent", "none", []),
    ("Prittle Fabrication", "Trainee welder", 37.5, "£11.50 an hour", "apprenticeship", "none", []),
]


def seed(world):
    agencies, users = world["agencies"], world["users"]
    today = policy.today()
    path2work = agencies["path2work"]
    adviser = users["adviser.path2work"]
    acting.attach(adviser, path2work.pk)
    other = users["probation.luton"]
    acting.attach(other)

    employers = {}
    for i, (
        name,
        sector,
        size,
        town,
        postcode,
        level,
        alliance,
        lep,
        interviews,
        bonds,
        contact,
    ) in enumerate(EMPLOYERS):
        employer = Employer.objects.filter(name=name, town=town).first()
        if employer is None:
            employer = services.employer_create(
                user=adviser if i % 4 else other,
                name=name,
                sector=sector,
                size_band=size,
                town=town,
                postcode=postcode,
                engagement_level=level,
                alliance_level=alliance,
                lep_member=lep,
                guaranteed_interviews=interviews,
                fidelity_bonds=bonds,
                contact_name=contact,
            )
            services.employer_contact_record(
                user=adviser,
                employer=employer,
                method="visit",
                contacted_on=today - datetime.timedelta(days=10 + i * 3),
                notes="Introduced path2work and the guaranteed interview scheme",
            )
            if i % 3 == 0:
                services.employer_contact_record(
                    user=other,
                    employer=employer,
                    method="phone",
                    contacted_on=today - datetime.timedelta(days=i + 1),
                    notes="Asked about work placements",
                )
        employers[name] = employer

    vacancies = []
    for employer_name, title, hours, pay, contract, disclosure, exclusions in VACANCIES:
        employer = employers[employer_name]
        vacancy = Vacancy.objects.filter(employer=employer, title=title).first()
        if vacancy is None:
            vacancy = services.vacancy_create(
                user=adviser,
                employer=employer,
                title=title,
                hours_per_week=hours,
                pay=pay,
                contract_type=contract,
                disclosure_level=disclosure,
                exclusions=exclusions,
                closing_date=today + datetime.timedelta(days=14 + len(vacancies) * 3),
            )
        vacancies.append(vacancy)

    people = list(Person.objects.for_user(adviser).order_by("id")[:40])
    sectors = ["warehousing", "hospitality", "manufacturing", "cleaning", "construction", "retail"]
    by_town = {}
    for vacancy in vacancies:
        by_town.setdefault(vacancy.town, []).append(vacancy)
    for index, person in enumerate(people):
        if not JobPreferences.objects.filter(person=person).exists():
            services.job_preferences_set(
                user=adviser,
                person=person,
                sector_interests=[sectors[index % 6], sectors[(index + 2) % 6]],
                min_hours=16,
                max_hours=40,
                convictions_spent="spent" if index % 3 == 0 else "unspent",
            )
        if (
            EmploymentSpell.objects.filter(person=person).exists()
            or Application.objects.filter(person=person).exists()
        ):
            continue
        local = by_town.get(person.release_area or person.home_area) or vacancies
        vacancy = local[index % len(local)]
        if index % 4 == 3:
            continue  # some people have nothing yet: good candidates for the demo job start
        app = services.application_create(
            user=adviser, person=person, vacancy=vacancy, status="applied"
        )
        if index % 4 == 0:
            continue
        services.application_update(
            user=adviser,
            application=app,
            status="interview_arranged",
            interview_at=timezone.now() - datetime.timedelta(days=30 + index),
        )
        services.application_update(user=adviser, application=app, status="interviewed")
        if index % 4 == 1:
            services.application_update(
                user=adviser,
                application=app,
                status="unsuccessful",
                outcome="Not enough experience",
            )
            continue
        services.application_update(user=adviser, application=app, status="offered")
        weeks_ago = [15, 13, 9, 6, 3, 1][index % 6]
        services.employment_spell_create(
            user=adviser,
            person=person,
            employer=vacancy.employer,
            application=app,
            job_title=vacancy.title,
            hours_per_week=vacancy.hours_per_week,
            pay=vacancy.pay,
            contract_type=vacancy.contract_type,
            verified_how="employer",
            start_date=today - datetime.timedelta(weeks=weeks_ago, days=index % 5),
        )
    _support_given(adviser, people, today)
    world["employers"] = employers


def _support_given(adviser, people, today):
    """Support given by path2work: advice and better-off calculations for about half the people,
    pre-placement support to the employer and in-work support contacts on each job (issue 19)."""
    from core.errors import ApplicationError
    from employers.models import SupportGiven
    from employers.support import support_record

    for index, person in enumerate(people):
        if SupportGiven.objects.filter(person=person).exists():
            continue
        wanted = []
        if index % 2 == 0:
            wanted.append({"kind": "advice", "given_on": today - datetime.timedelta(days=20)})
        if index % 3 == 0:
            wanted.append(
                {"kind": "better_off_calculation", "given_on": today - datetime.timedelta(days=12)}
            )
        for spell in EmploymentSpell.objects.filter(person=person).select_related("employer"):
            wanted.append(
                {
                    "kind": "employer_pre_placement",
                    "employer": spell.employer,
                    "given_on": spell.start_date - datetime.timedelta(days=3),
                }
            )
            for days in (14, 42, 70):
                on = spell.start_date + datetime.timedelta(days=days)
                if on <= today:
                    wanted.append(
                        {
                            "kind": "in_work_support",
                            "spell": spell,
                            "given_on": on,
                            "note": "Phoned",
                        }
                    )
        for fields in wanted:
            try:
                support_record(user=adviser, person=person, **fields)
            except ApplicationError:
                continue  # e.g. before the case started: not every demo date fits
