from django.apps import AppConfig
from django.db.models.signals import post_migrate

STOCK_VIEWERS = "Stock viewers"
VIEWER_CODENAMES = [
    "view_productstock", "view_stocksnapshot", "view_warehouse", "view_storagelocation",
    "view_stockalert", "view_pollcycle",
]  # fmt: skip


def stock_viewers_ensure(**kwargs) -> None:
    # auth's models cannot be imported while apps.py loads, before the app registry is ready.
    from backoffice.groups import group_ensure

    group_ensure(STOCK_VIEWERS, "stock", VIEWER_CODENAMES)


class StockConfig(AppConfig):
    name = "stock"

    def ready(self) -> None:
        post_migrate.connect(stock_viewers_ensure, sender=self, dispatch_uid="stock-group")
