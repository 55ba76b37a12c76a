"""Print a one-time two-factor set-up code for a user (e.g. the first administrator)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from agencies.enrolment import two_factor_enrolment_issue


class Command(BaseCommand):
    help = "Issue a one-time code with which the user can add an authenticator app."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}")
        enrolment, code = two_factor_enrolment_issue(user=user)
        self.stdout.write(f"{code} (for {username}, until {enrolment.expires_at:%Y-%m-%d %H:%M})")
