"""django-q2 tasks of the stock app."""

from django.conf import settings

from stock.poller import stock_poll_cycle
from stock.snapshots import snapshots_prune
from stock.warehouses import warehouses_sync


def poll_stock() -> int:
    return stock_poll_cycle().calls_spent


def sync_warehouses() -> tuple[int, int]:
    return warehouses_sync()


def prune_history() -> int:
    return snapshots_prune(older_than_days=settings.STOCK_HISTORY_DAYS)
