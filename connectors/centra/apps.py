"""App config of the Centra connector."""

from django.apps import AppConfig


class CentraConfig(AppConfig):
    name = "connectors.centra"
    label = "centra"
    verbose_name = "Centra"
