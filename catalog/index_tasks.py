"""django-q2 task of the product index."""

from catalog.index import products_sync


def sync_products_task() -> int:
    return products_sync()
