import json

from django.core.management.base import BaseCommand, CommandError

from core import jobs


class Command(BaseCommand):
    help = "Run one scheduled job once, in-process (safe to repeat)."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="job name; omit to list the jobs")

    def handle(self, *args, name=None, **options):
        registry = jobs.registry()
        if not name:
            for job_name, func in registry.items():
                self.stdout.write(
                    f"{job_name}: {(func.__doc__ or '').strip().splitlines()[0] if func.__doc__ else ''}"
                )
            return
        if name not in registry:
            raise CommandError(f"Unknown job '{name}'. Known jobs: {', '.join(registry) or 'none'}")
        result = jobs.run(name)
        self.stdout.write(f"{name}: {json.dumps(result, default=str, sort_keys=True)}")
