"""`manage.py setup_schedules`: install every app's django-q2 schedules again (a repair command;
`migrate` installs them on every deploy)."""

from django.core.management.base import BaseCommand

from backoffice.scheduling import schedules_install


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules the apps declare (by name)."

    def handle(self, *args, **options):
        for name, created in schedules_install():
            self.stdout.write(f"{'created' if created else 'updated'}: {name}")
