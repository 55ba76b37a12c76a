"""Build a national-scale synthetic world for benchmarks (COPY into PostgreSQL). Never real data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/resettle_bench_100k \\
        .venv/bin/python manage.py generate_load_data --people 100000 --seed 1

Deterministic for a given seed and an empty database. Adds to whatever is there (ids continue after
the largest existing ones). Checks a sample of 200 people's PersonAccess rows against the policy.
"""

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Generate synthetic people, cases, consents, access rows and events in bulk (PostgreSQL)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--chunk", type=int, default=20000, help="people per transaction")
        parser.add_argument(
            "--events-per-person",
            type=float,
            default=6.0,
            help="mean access events per person (exponential)",
        )
        parser.add_argument(
            "--database-url", default="", help="load into this database instead of DATABASE_URL"
        )
        parser.add_argument("--migrate", action="store_true", help="run migrations first")
        parser.add_argument(
            "--no-fast",
            action="store_true",
            help="keep foreign-key triggers and indexes during the load (slower; for tests)",
        )
        parser.add_argument(
            "--validate", type=int, default=200, help="people to check against the policy (0: skip)"
        )

    def handle(self, *args, **options):
        if options["database_url"]:
            import dj_database_url
            from django.db import connections

            connections["default"].close()
            settings.DATABASES["default"].update(dj_database_url.parse(options["database_url"]))
        from django.db import connection

        if connection.vendor != "postgresql":
            raise CommandError("generate_load_data loads with COPY and needs PostgreSQL")
        if options["people"] < 0:
            raise CommandError("--people must be 0 or more")
        if options["migrate"]:
            call_command("migrate", verbosity=0)
        from casework.models import Person
        from core.loadgen.build import build
        from core.loadgen.validate import check_last_contact, check_sample

        before = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        started = time.perf_counter()
        result = build(
            people=options["people"],
            seed=options["seed"],
            chunk=options["chunk"],
            events_per_person=options["events_per_person"],
            log=self.stdout.write,
            fast=not options["no_fast"],
        )
        for table, count in result["counts"].items():
            self.stdout.write(f"  {table:<40} {count:>12,}")
        if options["validate"] and options["people"]:
            ids = list(Person.objects.filter(pk__gt=before).values_list("pk", flat=True))
            problems = check_sample(ids, sample=options["validate"], seed=options["seed"])
            if problems:
                for line in problems[:10]:
                    self.stderr.write(line)
                raise CommandError(
                    f"{len(problems)} of {min(options['validate'], len(ids))} people have PersonAccess "
                    "rows that differ from consent.policy.expected_access"
                )
            self.stdout.write(
                f"PersonAccess matches the policy for {min(options['validate'], len(ids))} sampled people"
            )
            problems = check_last_contact(ids, sample=options["validate"], seed=options["seed"])
            if problems:
                for line in problems[:10]:
                    self.stderr.write(line)
                raise CommandError(
                    f"{len(problems)} cases have a last contact that differs from their notes and visits"
                )
            self.stdout.write("Cases' last contact matches their notes and attended appointments")
        self.stdout.write(
            self.style.SUCCESS(
                f"generated {options['people']:,} people in {time.perf_counter() - started:.1f} s"
            )
        )
