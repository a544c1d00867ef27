"""App config of the shared core; it applies the staff groups and installs every app's
schedules after every migrate."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "Back office"

    def ready(self) -> None:
        # auth's models cannot be imported while apps.py loads, before the registry is ready.
        from backoffice.groups import staff_groups_ensure
        from backoffice.scheduling import schedules_install_after_migrate

        # No sender: each app's permissions are given to the groups right after auth made them.
        post_migrate.connect(staff_groups_ensure, dispatch_uid="hub-staff-groups")
        # Sent once per migrate for this app, after every app's migrations have run.
        post_migrate.connect(
            schedules_install_after_migrate, sender=self, dispatch_uid="backoffice-schedules"
        )
