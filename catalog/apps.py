from django.apps import AppConfig
from django.db.models.signals import post_migrate

CATALOG_MANAGERS = "Catalog managers"
MANAGER_CODENAMES = [
    "view_product", "add_productimport", "change_productimport", "view_productimport",
    "view_importrow", "add_externalreference", "change_externalreference",
    "view_externalreference",
]  # fmt: skip


def catalog_managers_ensure(**kwargs) -> None:
    from backoffice.groups import group_ensure

    group_ensure(CATALOG_MANAGERS, "catalog", MANAGER_CODENAMES)


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self) -> None:
        post_migrate.connect(catalog_managers_ensure, sender=self, dispatch_uid="catalog-group")
