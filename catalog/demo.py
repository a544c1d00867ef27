"""Demo catalog: the product index filled from Xentral, so the orders' demo resolves its SKUs
(demo hooks run in the apps' layer order: catalog before orders and stock)."""

from catalog.index import products_sync


def populate(*, channel, stdout) -> None:
    stored = products_sync(full=True)
    stdout.write(f"product index: {stored} products synced\n")
