import os
from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# Apps contribute to the demo world in this order; each has demo.seed(world) -> None.
DEMO_APPS = ["agencies", "casework", "consent", "referrals", "employers", "custody", "reporting"]


class Command(BaseCommand):
    help = (
        "Create the East of England demo world (synthetic people and the demo logins). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="allow when DEBUG is off")
        parser.add_argument("--people", type=int, default=300)

    def handle(self, *args, force=False, people=300, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates demo logins with a known password: refused when DEBUG is off "
                "(use --force on a non-production site only)."
            )
        world = {"people_count": people, "password": settings.DEMO_PASSWORD, "stdout": self.stdout}
        with transaction.atomic():
            for app in DEMO_APPS:
                try:
                    module = import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                module.seed(world)
        self.stdout.write(self.style.SUCCESS("Demo world ready."))
        shown = (
            "as set in DEMO_PASSWORD" if "DEMO_PASSWORD" in os.environ else settings.DEMO_PASSWORD
        )
        self.stdout.write(f"Demo logins (password {shown}):")
        for username, agency, role in world.get("logins", []):
            self.stdout.write(f"  {username:<20} {agency:<45} {role}")
