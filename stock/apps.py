"""App config of the stock app."""

from django.apps import AppConfig


class StockConfig(AppConfig):
    name = "stock"
