"""`manage.py setup_schedules`: install every app's django-q2 schedules (idempotent)."""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django_q.models import Schedule


def declared_schedules() -> list[dict]:
    """`SCHEDULES` of every installed app that has a `schedules` module."""
    found = []
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.schedules")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.schedules":
                raise
            continue
        found.extend(getattr(module, "SCHEDULES", []))
    return found


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules the apps declare (by name)."

    def handle(self, *args, **options):
        for entry in declared_schedules():
            fields = {k: v for k, v in entry.items() if k != "name"}
            _, created = Schedule.objects.update_or_create(name=entry["name"], defaults=fields)
            self.stdout.write(f"{'created' if created else 'updated'}: {entry['name']}")
