"""App config of the orders app."""

from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
