"""Time a region outcome report over a synthetic region, on its own PostgreSQL database.

    python -m tests.perf.bench_report --people 10000 [--job-starts 25000] [--keep]

Creates the database `resettle_bench_report` (dropped first unless --keep finds it populated),
migrates it, bulk-loads agencies, sites, people, cases and post-exit checks (and, once the employers
app records them, 25,000 job starts), then builds last month's region report through the same
service the Celery task calls, and prints the time. Target: under 60 seconds on the 2-core machine.
"""

import argparse
import datetime
import os
import random
import sys
import time

DB_NAME = "resettle_bench_report"


def _setup_django():
    base = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
    os.environ["DATABASE_URL"] = f"{base}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    import psycopg2

    return psycopg2, base


def _recreate_db(psycopg2, base):
    conn = psycopg2.connect(f"{base}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        cur.execute(f'CREATE DATABASE "{DB_NAME}"')
    conn.close()


def _load(people: int, job_starts: int, rng: random.Random) -> dict:
    from agencies.models import Agency, AgencyKind, Region, Site
    from casework.models import Case, Person
    from consent import policy
    from reporting.measures import model_or_none
    from reporting.models import PostExitEmploymentCheck, ReoffendingCheck
    from reporting.periods import add_months

    today = policy.today()
    region = Region.objects.create(name="Bench region")
    agencies = [
        Agency.objects.create(name=f"Bench probation {i}", kind=AgencyKind.PROBATION, region=region)
        for i in range(6)
    ]
    agencies += [
        Agency.objects.create(name=f"Bench provider {i}", kind=AgencyKind.PROVIDER, region=region)
        for i in range(4)
    ]
    sites = {
        a.pk: [Site.objects.create(agency=a, name=f"{a.name} site {j}") for j in range(3)]
        for a in agencies
    }
    Person.objects.bulk_create(
        [
            Person(
                first_name=f"Bench{i}",
                last_name="Person",
                date_of_birth=datetime.date(1990, 1, 1) + datetime.timedelta(days=i % 9000),
                sex="male",
                employment_status=rng.choice(["unemployed", "employed", "unknown"]),
                benefit_status=rng.choice(["claiming", "not_claiming", "unknown"]),
                accommodation_status=rng.choice(["settled", "temporary", "unknown"]),
            )
            for i in range(people)
        ],
        batch_size=2000,
    )
    person_ids = list(Person.objects.values_list("pk", flat=True))
    cases = []
    for pid in person_ids:
        agency = rng.choice(agencies)
        start = today - datetime.timedelta(days=rng.randint(1, 900))
        planned = start + datetime.timedelta(days=rng.choice([180, 270, 365]))
        ended = planned if planned < today and rng.random() < 0.7 else None
        cases.append(
            Case(
                person_id=pid,
                owning_agency=agency,
                site=rng.choice(sites[agency.pk]),
                offender_group="community",
                support_level=rng.choice(["low", "medium", "high"]),
                stage="in_community",
                start_date=start,
                planned_end_date=planned,
                end_date=ended,
                end_reason="completed" if ended else "",
            )
        )
    Case.objects.bulk_create(cases, batch_size=2000)
    checks = []
    for case in Case.objects.filter(end_date__isnull=False).values("pk", "end_date"):
        for window, months in (("during_support", 0), ("six_months", 6), ("twelve_months", 12)):
            due = add_months(case["end_date"], months)
            if due <= today:
                recorded = rng.random() < 0.6
                checks.append(
                    ReoffendingCheck(
                        case_id=case["pk"],
                        window=window,
                        due_on=due,
                        status="recorded" if recorded else "open",
                        reoffended=(rng.random() < 0.3) if recorded else None,
                    )
                )
    ReoffendingCheck.objects.bulk_create(checks, batch_size=5000)
    employment = [
        PostExitEmploymentCheck(
            case_id=c["pk"],
            due_on=add_months(c["planned_end_date"], 6),
            status="recorded",
            in_work=rng.choice(["yes", "no", "unknown"]),
        )
        for c in Case.objects.values("pk", "planned_end_date")
        if add_months(c["planned_end_date"], 6) <= today
    ]
    PostExitEmploymentCheck.objects.bulk_create(employment, batch_size=5000)
    spells = 0
    if model_or_none("employers.EmploymentSpell") is not None:
        spells = _load_spells(job_starts, rng)
    return {
        "region": region,
        "cases": len(cases),
        "reoffending_checks": len(checks),
        "employment_checks": len(employment),
        "job_starts": spells,
    }


def _load_spells(job_starts: int, rng: random.Random) -> int:
    """Job starts (employers.EmploymentSpell), spread over the cases, some ending, some followed by another job."""
    from agencies.models import User
    from casework.models import Case
    from consent import policy
    from employers.models import Employer, EmploymentSpell

    today = policy.today()
    adviser = User.objects.create(username="bench.adviser")
    cases = list(Case.objects.values_list("pk", "person_id", "owning_agency_id", "start_date"))
    employers = [
        Employer.objects.create(
            name=f"Bench employer {i}",
            sector="construction",
            town="Bench",
            owning_agency_id=cases[0][2],
        )
        for i in range(50)
    ]
    spells = []
    for i in range(job_starts):
        case_id, person_id, agency_id, start = cases[i % len(cases)]
        begin = start + datetime.timedelta(days=rng.randint(0, max((today - start).days, 1)))
        end = begin + datetime.timedelta(days=rng.randint(5, 200)) if rng.random() < 0.5 else None
        spells.append(
            EmploymentSpell(
                person_id=person_id,
                case_id=case_id,
                employer=rng.choice(employers),
                job_title="Job",
                start_date=begin,
                end_date=end if end and end <= today else None,
                end_reason="resigned" if end and end <= today else "",
                adviser=adviser,
                agency_id=agency_id,
            )
        )
    EmploymentSpell.objects.bulk_create(spells, batch_size=5000)
    return len(spells)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--job-starts", type=int, default=25_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    psycopg2, base = _setup_django()
    _recreate_db(psycopg2, base)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.conf import settings

    settings.CELERY_TASK_ALWAYS_EAGER = True
    import logging

    logging.disable(logging.INFO)

    from consent import policy
    from reporting import services
    from reporting.periods import last_month

    loaded_at = time.perf_counter()
    facts = _load(args.people, args.job_starts, random.Random(args.seed))
    print(f"loaded {args.people} people: {facts} in {time.perf_counter() - loaded_at:.1f} s")

    from reporting.models import Report

    report = Report.objects.create(
        month=last_month(policy.today()),
        to_month=last_month(policy.today()),
        scope="region",
        region=facts["region"],
    )
    started = time.perf_counter()
    report = services.report_build(report_id=report.pk)
    elapsed = time.perf_counter() - started
    print(
        f"region report ({report.status}, {report.pdf.size // 1024} KB PDF, {report.csv.size // 1024} KB CSV) "
        f"built in {elapsed:.1f} s (target < 60 s)"
    )
    return 0 if report.status == "ready" and elapsed < 60 else 1


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    sys.exit(main())
