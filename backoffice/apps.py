"""App config of the shared core; it applies the staff groups after every migrate."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "Back office"

    def ready(self) -> None:
        # auth's models cannot be imported while apps.py loads, before the registry is ready.
        from backoffice.groups import staff_groups_ensure

        # No sender: each app's permissions are given to the groups right after auth made them.
        post_migrate.connect(staff_groups_ensure, dispatch_uid="hub-staff-groups")
