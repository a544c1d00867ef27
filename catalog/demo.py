"""Demo catalog: the product index filled from Xentral, before orders resolve their SKUs."""

from catalog.index import products_sync

#: Demo steps run lowest first; orders and stock need the index (they keep the default).
ORDER = 10


def populate(*, channel, stdout) -> None:
    stored = products_sync(full=True)
    stdout.write(f"product index: {stored} products synced\n")
