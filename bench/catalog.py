"""Benchmark: import 2,000 products into the sandbox and count what each kind of row costs.

Runs the import service in-process against a temporary SQLite database and a sandbox process
(rate limit off, so the run takes seconds); figures are normalised to Xentral's 100 calls a
minute, of which catalog imports may use 60 %.

    python bench/catalog.py [--products 2000]
"""

import argparse
import io
import json
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CALLS_PER_MINUTE = 100
CATALOG_SHARE = 0.6


def catalog_csv(total: int) -> tuple[bytes, dict[str, str]]:
    """Simple products (price, purchase price, reference), matrix parents with 6 variants
    each, and kits of two simple products; returns the file and each number's kind."""
    lines = ["number;name;sales_price;purchase_price;supplier_id;external_references;"
             "variant_of;option_size;option_colour;bom;is_jit"]  # fmt: skip
    kinds: dict[str, str] = {}
    parents, kits = total // 40, total // 13
    simple = total - parents * 7 - kits
    for i in range(simple):
        number = f"S-{i:05d}"
        kinds[number] = "simple"
        lines.append(f"{number};Simple {i};{10 + i % 50}.90;4.10;7;1:SHOP-{number};;;;;")
    for p in range(parents):
        parent = f"M-{p:04d}"
        kinds[parent] = "matrix parent"
        lines.append(f"{parent};Matrix {p};29.90;;;;;;;;")
        for size in ("S", "M", "L"):
            for colour in ("Red", "Blue"):
                number = f"{parent}-{size}-{colour}"
                kinds[number] = "variant"
                lines.append(f"{number};Matrix {p} {size} {colour};29.90;;;1:SHOP-{number};"
                             f"{parent};{size};{colour};;")  # fmt: skip
    for k in range(kits):
        number = f"K-{k:04d}"
        kinds[number] = "bom kit"
        parts = f"S-{(2 * k) % simple:05d}*1|S-{(2 * k + 1) % simple:05d}*2"
        lines.append(f"{number};Kit {k};49.90;;;1:SHOP-{number};;;;{parts};1")
    return ("\n".join(lines) + "\n").encode(), kinds


def catalog_json(total: int) -> bytes:
    rows = [
        {"number": f"J-{i:05d}", "name": f"Product {i}", "sales_price": 10 + i % 50 + 0.9,
         "purchase_price": 4.1, "supplier_id": "7", "external_references": f"1:SHOP-J-{i:05d}"}
        for i in range(total)
    ]  # fmt: skip
    return json.dumps({"rows": rows}).encode()


def reading_memory(rows: int) -> None:
    """Peak memory (tracemalloc) of checking a file of `rows` rows as an upload does, beside
    the file's size and what parsing the JSON file as one document would take."""
    import tracemalloc

    from catalog.parsing import check_catalog

    content = catalog_json(rows)
    csv_content = ("number,name,sales_price,purchase_price,supplier_id,external_references\n"
                   + "".join(f"J-{i:05d},Product {i},{10 + i % 50}.9,4.1,7,1:SHOP-J-{i:05d}\n"
                             for i in range(rows))).encode()  # fmt: skip
    figures = []
    for name, read in (
        ("JSON, streamed", lambda: check_catalog(io.BytesIO(content), filename="c.json")),
        ("CSV, streamed", lambda: check_catalog(io.BytesIO(csv_content), filename="c.csv")),
        ("JSON as one document (json.loads)", lambda: json.loads(content)),
    ):
        tracemalloc.start()
        started = time.perf_counter()
        read()
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        figures.append((name, peak, elapsed))
    print(f"reading {rows} rows (JSON file {len(content) / 1e6:.1f} MB, "
          f"CSV file {len(csv_content) / 1e6:.1f} MB) as an upload is checked:")  # fmt: skip
    for name, peak, elapsed in figures:
        print(f"  {name:<34} peak {peak / 1e6:6.1f} MB  {elapsed:5.2f} s")


def documented_minimum(rows, contract) -> tuple[dict, dict, dict]:
    """The fewest calls Xentral's documents allow for what each row carries (by number), how
    they add up, and per matrix family (parent number) its size and product calls. A write
    whose documented body is one object costs a call per item, one whose body is an array one
    call for all; a family costs its parent's create (options and variants inline,
    product.createV2), the `variantOf` list (pages of MAX_PAGE_SIZE) and one bulk update of its
    variants (product.updateMultipleV2), the last two shared by the variants."""
    import math

    from backoffice.xentral.client import MAX_PAGE_SIZE
    from catalog.imports.bodies import PRODUCTS
    from catalog.prices import PURCHASE_PRICES, SALES_PRICES

    def takes_array(method: str, path: str) -> bool:
        operation = contract.operation(method, path)
        body, _ = operation.document.resolve(operation.spec.get("requestBody") or {})
        schema = (body.get("content") or {}).get("application/json", {}).get("schema", {})
        return operation.document.resolve(schema)[0].get("type") == "array"

    def calls(method: str, path: str, items: int) -> int:
        return 0 if not items else 1 if takes_array(method, path) else items

    family = Counter(row.data["variant_of"] for row in rows if row.data["variant_of"])
    needed, how, families = {}, {}, {}
    for row in rows:
        data = row.data
        if data["variant_of"]:
            size = family[data["variant_of"]]
            shared = math.ceil(size / MAX_PAGE_SIZE) + calls("PATCH", PRODUCTS, size)
            product, label = shared / size, f"{shared}/{size} family calls"
            families[data["variant_of"]] = (size, calls("POST", PRODUCTS, 1) + shared)
        else:
            product, label = calls("POST", PRODUCTS, 1), "create"
        parts = {
            label: product,
            "price": calls("POST", SALES_PRICES, data["sales_price"] is not None),
            "purchase price": calls("POST", PURCHASE_PRICES, data["purchase_price"] is not None),
            "references": calls(
                "POST", "/api/v1/products/1/externalReferences", len(data["external_references"])
            ),
            "parts": calls("POST", "/api/v2/products/1/parts", len(data["bom"] or [])),
        }
        needed[row.number] = sum(parts.values())
        how[row.number] = " + ".join(name for name, count in parts.items() if count)
    return needed, how, families


def family_product_call(entry: dict) -> bool:
    """A call for a matrix family's products: the parent's create, the variant list, the
    bulk update, and options, values or createVariants."""
    path, method, body = entry["path"], entry["method"], entry.get("body")
    query = entry.get("query") or {}
    if path == "/api/v2/products":
        return (
            (method == "POST" and isinstance(body, dict) and bool(body.get("isMatrixProduct")))
            or (method == "GET" and "variantOf" in query.values())
            or method == "PATCH"
        )
    return "/options" in path or path.endswith("/actions/createVariants")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-catalog-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["Q2_REDIS_URL"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    os.environ["XENTRAL_RATE_LIMIT"] = "1000000"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from catalog.imports.apply import import_apply
    from catalog.imports.dry_run import import_create
    from catalog.models import ImportRow
    from tests.contract import get_contract
    from tests.support import Sandbox, start_sandbox

    call_command("migrate", verbosity=0)
    reading_memory(50_000)
    proc, url = start_sandbox("--rate-limit", "off")
    try:
        sandbox = Sandbox(url)
        sandbox.seed(externalReferenceTargets=[{"name": "Bench shop"}])
        settings.XENTRAL_URL = url
        content, kinds = catalog_csv(args.products)

        sandbox.clear_requests()
        started = time.perf_counter()
        first = import_create(run_now=True, content=content, filename="bench.csv")
        dry_run_calls = len(sandbox.requests())
        import_apply(product_import=first, run_now=True)
        elapsed = time.perf_counter() - started
        requests_log = sandbox.requests()

        calls_by_kind: dict[str, int] = Counter()
        rows_by_kind: dict[str, int] = Counter()
        statuses = Counter()
        for row in ImportRow.objects.filter(product_import=first):
            calls_by_kind[kinds[row.number]] += row.calls
            rows_by_kind[kinds[row.number]] += 1
            statuses[row.status] += 1
        minimum, how, families = documented_minimum(
            list(ImportRow.objects.filter(product_import=first)), get_contract()
        )
        needed: dict[str, float] = Counter()
        made_of: dict[str, str] = {}
        for number, calls in minimum.items():
            needed[kinds[number]] += calls / rows_by_kind[kinds[number]]
            made_of[kinds[number]] = how[number]

        sandbox.clear_requests()
        second = import_create(run_now=True, content=content, filename="bench.csv")
        import_apply(product_import=second, run_now=True)
        second_log = sandbox.requests()
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    total_rows = sum(rows_by_kind.values())
    total_calls = sum(calls_by_kind.values()) + dry_run_calls
    print(
        f"catalog import: {total_rows} products, rows {dict(statuses)}, "
        f"{len(requests_log)} Xentral calls, {elapsed:.1f} s against the sandbox"
    )
    print("Xentral calls per product by row kind (apply):")
    for kind in ("simple", "matrix parent", "variant", "bom kit"):
        per = calls_by_kind[kind] / rows_by_kind[kind]
        print(f"  {kind:<14} {rows_by_kind[kind]:>5} rows  {per:5.2f} calls/product  "
              f"(needed at least {needed[kind]:.2f}: {made_of[kind]})")  # fmt: skip
    print(
        f"  dry run        {dry_run_calls} calls in all ({dry_run_calls / total_rows:.3f}/product:"
        " one `number in [...]` lookup per 50 unknown numbers)"
    )
    family_calls = sum(1 for entry in requests_log if family_product_call(entry))
    count = max(1, len(families))
    sizes = sorted({size for size, _ in families.values()})
    print(
        f"  matrix family  {len(families):>5} families (parent + {'/'.join(map(str, sizes))} "
        f"variants)  {family_calls / count:5.2f} product calls/family  (needed at least "
        f"{sum(m for _, m in families.values()) / count:.2f}: create with options and variants "
        "inline + variantOf list + bulk PATCH)"
    )
    per_product = total_calls / total_rows
    budget = CALLS_PER_MINUTE * CATALOG_SHARE
    achieved = budget / per_product
    minimum = sum(needed[k] * rows_by_kind[k] for k in needed) / total_rows
    ceiling = budget / minimum
    print(f"overall: {per_product:.2f} calls/product -> {achieved:.1f} products/minute at the "
          f"60 % share of {CALLS_PER_MINUTE} calls/min")  # fmt: skip
    print(f"ceiling for the calls needed ({minimum:.2f}/product): {ceiling:.1f} products/minute; "
          f"achieved {100 * achieved / ceiling:.0f} % of it")  # fmt: skip
    print(f"{total_rows:,} products at the 60 % share: {total_rows / achieved:.0f} minutes")
    creates = [e for e in second_log if e["method"] == "POST" and e["path"] == "/api/v2/products"]
    by_method = defaultdict(int)
    for entry in second_log:
        by_method[entry["method"]] += 1
    print(
        f"second run of the same file: {len(creates)} create calls, "
        f"{len(second_log)} calls in all {dict(by_method)}"
    )


if __name__ == "__main__":
    main()
