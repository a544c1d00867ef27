"""App config of the orders app."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        from orders.permissions import operators_group_ensure

        # Runs after the permissions are made, so a flushed or fresh database has the group.
        post_migrate.connect(operators_group_ensure, sender=self, dispatch_uid="orders-operators")
