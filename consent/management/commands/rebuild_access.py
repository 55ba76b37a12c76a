"""Rebuild every person's PersonAccess rows from the access rule (consent.policy).

Run after a change to the rule itself (a new section, a new basis); everyday changes keep the rows
in step in their own transactions. Idempotent: rows that already equal the rule are left alone.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from consent.access_rebuild import rebuild_all


class Command(BaseCommand):
    help = "Rebuild every person's access rows from the access rule."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args, batch=2000, **options):
        with transaction.atomic():
            count = rebuild_all(batch=batch)
        self.stdout.write(f"Access rows rebuilt for {count} people.")
