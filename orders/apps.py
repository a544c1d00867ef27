"""App config of the orders app."""

from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        from backoffice.xentral.budget import priority_demand_register
        from orders.selectors import orders_want_budget

        # Orders come before bulk work: while they wait, catalog and stock shrink to a floor.
        priority_demand_register(orders_want_budget)
