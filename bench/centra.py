"""Benchmark: Centra calls per stock change and per nightly resync of N sizes.

The Xentral sandbox and the Centra stand-in run as processes; the hub (poller, stock push)
runs in this process on a temporary SQLite database, with a Centra channel mapping Xentral
warehouses 1 and 2 to the stand-in's warehouses 1 and 2. N demo articles (ART-001..., the
SKUs and EANs both sides share; the stand-in seeds 200) are read once and pushed once, then:

1. one product's stock changes in one Xentral warehouse: poll, push;
2. a burst: `--burst` products change in warehouse 1 within one poll cycle: poll, push;
3. another channel's order reserves one product (both warehouses' figures move): poll, push;
4. the nightly resync of all N sizes, with `--batch` sizes per setStock.

Every figure is counted from the stand-in's request log (what reached Centra).

    python bench/centra.py [--sizes 200] [--burst 20] [--batch 100]
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, default=200)
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-centra-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["Q2_REDIS_URL"] = ""
    os.environ["XENTRAL_RATE_LIMIT"] = "100000000"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    import django

    django.setup()
    import requests
    from django.conf import settings
    from django.core.management import call_command

    from catalog.index import products_sync
    from connectors.centra.models import CentraStockSync
    from connectors.centra.services import centra_channel_create
    from connectors.centra.stock_out import centra_stock_push, centra_stock_resync_all
    from stock.models import ProductStock
    from stock.poller import stock_poll_cycle
    from tests.centra_sandbox.fixtures import CentraSandbox, start_centra_sandbox
    from tests.lifecycle import control
    from tests.support import Sandbox, start_sandbox

    call_command("migrate", verbosity=0)
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.CENTRA_STOCK_BATCH = args.batch
    xentral_proc, xentral_url = start_sandbox("--rate-limit", "off")
    centra_proc, centra_url = start_centra_sandbox("--token", "centra-token")
    try:
        sandbox, centra_sandbox = Sandbox(xentral_url), CentraSandbox(centra_url)
        settings.XENTRAL_URL = xentral_url
        sandbox.seed(warehouses=[{"designation": "Store"}])
        sandbox.seed(
            products=[
                {"name": f"Demo {i}", "number": f"ART-{i:03d}", "ean": f"400000{i:07d}",
                 "stock": {"1": 10 + i % 30, "2": i % 7}}
                for i in range(1, args.sizes + 1)
            ]
        )  # fmt: skip
        products_sync()
        centra = centra_channel_create(
            name="Centra bench",
            graphql_url=centra_sandbox.graphql_url,
            api_token=centra_sandbox.token,
            webhook_secret="whsec",
            warehouse_map={"1": "1", "2": "2"},
        )

        def clear() -> None:
            requests.delete(f"{centra_url}/_centra/requests", timeout=10)

        def calls() -> tuple[int, int, int]:
            """(calls, setStock mutations, sizes in them) since the last clear."""
            log = centra_sandbox.requests()
            sets = [e for e in log if e["operations"] == ["setStock"]]
            sizes = sum(len(e["variables"]["input"]["productSizes"]) for e in sets)
            return len(log), len(sets), sizes

        def poll_and_push() -> tuple[int, int, int, float]:
            stock_poll_cycle(budget=10_000)
            CentraStockSync.objects.update(push_queued_at=None)  # what the queued task does
            clear()
            started = time.perf_counter()
            centra_stock_push(centra=centra)
            return (*calls(), time.perf_counter() - started)

        rows = []
        rows.append(("first figures of all sizes", *poll_and_push()))

        sandbox.set_stock("ART-003", "1", 99)
        rows.append(("one size changes in one warehouse", *poll_and_push()))

        for i in range(1, args.burst + 1):
            sandbox.set_stock(f"ART-{i:03d}", "1", 50 + i)
        rows.append((f"{args.burst} sizes change in one poll cycle", *poll_and_push()))

        control(sandbox, "POST", "reservation", {"number": "ART-007", "amount": 2})
        # What Xentral's reservation.changed event does: the product is read next cycle.
        ProductStock.objects.filter(product__number="ART-007").update(needs_refresh=True)
        rows.append(("another channel reserves one size", *poll_and_push()))

        clear()
        started = time.perf_counter()
        centra_stock_resync_all()
        rows.append(
            (f"nightly resync of {args.sizes} sizes", *calls(), time.perf_counter() - started)
        )

        print(f"Centra stock out: {args.sizes} sizes, 2 mapped warehouses, batch {args.batch}")
        print(f"{'case':<42} {'calls':>6} {'setStock':>9} {'sizes sent':>11} {'seconds':>8}")
        for name, total, mutations, sizes, seconds in rows:
            print(f"{name:<42} {total:>6} {mutations:>9} {sizes:>11} {seconds:>8.2f}")
    finally:
        for proc in (xentral_proc, centra_proc):
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
