"""Create or update the application's PostgreSQL role and its grants (run as the owner after migrate)."""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from audit import db_roles


class Command(BaseCommand):
    help = (
        "Create or update the application's database role: every table read and written, the audit "
        "table SELECT and INSERT only. Password from DATABASE_APP_PASSWORD. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", nargs="?", default=os.environ.get("DATABASE_APP_ROLE", ""))
        parser.add_argument(
            "--check", action="store_true", help="only report the role's audit-table rights"
        )

    def handle(self, *args, role="", check=False, **options):
        if not role:
            raise CommandError("name the role (argument or DATABASE_APP_ROLE)")
        if connection.vendor != "postgresql":
            raise CommandError("database roles exist only on PostgreSQL (the SQLite demo has none)")
        try:
            if not check:
                db_roles.app_role_ensure(role, password=os.environ.get("DATABASE_APP_PASSWORD"))
            rights = db_roles.app_role_privileges(role)
        except db_roles.RoleError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{role} on {db_roles.AUDIT_TABLE}: "
            + ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in rights.items())
        )
        allowed = {k for k, v in rights.items() if v}
        if allowed != {"SELECT", "INSERT"}:
            raise CommandError(f"{role} may do more than SELECT and INSERT on the audit table")
