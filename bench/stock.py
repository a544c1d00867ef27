"""Benchmark: stock freshness for 10,000 products with 2 % changing between cycles.

A sandbox process holds the products (rate limit off); the poller runs in-process against a
temporary SQLite database. Each cycle changes 2 % of the products' stock in the sandbox, then
runs the poller until every product is confirmed current (one list call checks 50 products'
stockCount; changed ones are re-read). Figures are normalised to Xentral's 100 calls a minute.

    python bench/stock.py [--products 10000] [--cycles 100]
"""

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--change", type=float, default=0.02)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-stock-"))
    database = workdir / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["Q2_REDIS_URL"] = ""
    os.environ["XENTRAL_RATE_LIMIT"] = "100000000"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from catalog.index import products_sync
    from stock.models import ProductStock, StockSnapshot
    from stock.services import stock_poll_cycle
    from tests.support import Sandbox, start_sandbox

    call_command("migrate", verbosity=0)
    # Freshness here comes from stockCount checks alone; the age-based re-read is off.
    settings.STOCK_MAX_AGE_MIN = 10**9
    settings.STOCK_LOW_MAX_AGE_MIN = 10**9
    settings.STOCK_MIN_SELLABLE_DEFAULT = -1
    proc, url = start_sandbox("--rate-limit", "off")
    try:
        sandbox = Sandbox(url)
        settings.XENTRAL_URL = url
        numbers = [f"P-{i:05d}" for i in range(args.products)]
        for start in range(0, args.products, 2000):
            sandbox.seed(
                products=[
                    {"name": n, "number": n, "stock": {"1": 100}}
                    for n in numbers[start : start + 2000]
                ]
            )
        products_sync(full=True)
        started = time.perf_counter()
        first = stock_poll_cycle(budget=10**9)
        print(
            f"setup: {args.products} products, first full read {first.calls_spent} calls "
            f"in {time.perf_counter() - started:.0f} s"
        )

        calls, refreshed, elapsed = [], [], []
        rng = random.Random(7)
        for cycle in range(args.cycles):
            for number in rng.sample(numbers, int(args.products * args.change)):
                sandbox.set_stock(number, "1", rng.randint(0, 200))
            started = time.perf_counter()
            result = stock_poll_cycle(budget=10**9)
            elapsed.append(time.perf_counter() - started)
            calls.append(result.calls_spent)
            refreshed.append(result.products_refreshed)
            if cycle % 20 == 19:
                print(
                    f"  cycle {cycle + 1}: {result.calls_spent} calls, "
                    f"{result.products_refreshed} refreshed, {elapsed[-1]:.1f} s"
                )
        stale = ProductStock.objects.filter(latest__isnull=True).count()
        snapshots = StockSnapshot.objects.count()
        connection.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    per_cycle = sum(calls) / len(calls)
    share = 100 * settings.XENTRAL_BUDGET_SHARES["stock"]
    naive = args.products  # one stocks call per product
    size = sum(p.stat().st_size for p in workdir.glob("bench.sqlite3*"))
    print(
        f"stock poller: {args.products} products, {args.change:.0%} changing between cycles, "
        f"{args.cycles} cycles"
    )
    print(
        f"  calls per full freshness cycle: {per_cycle:.0f} "
        f"({args.products // 50} list checks + {sum(refreshed) / len(refreshed):.0f} re-reads)"
    )
    print(
        f"  minutes per full freshness cycle at 100 calls/min: {per_cycle / share:.1f} with the "
        f"{share:.0f} % share, {per_cycle / 100:.1f} with the full budget"
    )
    print(
        f"  naive one-call-per-product poller: {naive} calls per cycle -> {naive / share:.0f} min "
        f"with the {share:.0f} % share, {naive / 100:.0f} min with the full budget"
    )
    print(
        f"  database after {args.cycles} cycles: {size / 1e6:.1f} MB "
        f"({snapshots} snapshots; products never read: {stale})"
    )
    print(
        f"  poller CPU+IO per cycle against the local sandbox: {sum(elapsed) / len(elapsed):.1f} s"
    )


if __name__ == "__main__":
    main()
