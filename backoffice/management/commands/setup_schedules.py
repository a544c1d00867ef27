"""`manage.py setup_schedules`: install every app's django-q2 schedules (idempotent)."""

from django.core.management.base import BaseCommand
from django_q.models import Schedule

from backoffice.app_hooks import app_modules


def declared_schedules() -> list[dict]:
    """`SCHEDULES` of every installed app that has a `schedules` module."""
    return [entry for _, module in app_modules("schedules") for entry in module.SCHEDULES]


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules the apps declare (by name)."

    def handle(self, *args, **options):
        for entry in declared_schedules():
            fields = {k: v for k, v in entry.items() if k != "name"}
            _, created = Schedule.objects.update_or_create(name=entry["name"], defaults=fields)
            self.stdout.write(f"{'created' if created else 'updated'}: {entry['name']}")
