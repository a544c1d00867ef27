"""The product index: full and incremental sync, and SKU resolution that spends calls only on
SKUs the index does not know."""

import json
import threading
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from werkzeug.serving import make_server
from werkzeug.wrappers import Request

from backoffice.models import Purpose
from backoffice.xentral.client import XentralClient
from catalog.index import products_sync, resolve_skus
from catalog.models import Product, ProductKind

pytestmark = pytest.mark.django_db


def test_full_sync_indexes_every_product_with_its_kind(sandbox):
    sandbox.seed_demo()
    stored = products_sync(full=True)
    assert stored == len(sandbox.state()["products"])
    assert Product.objects.count() == stored
    assert Product.objects.get(number="SHIRT").kind == ProductKind.MATRIX_PARENT
    assert Product.objects.get(number="SHIRT-S-Red").kind == ProductKind.VARIANT
    assert Product.objects.get(number="KIT-001").kind == ProductKind.JIT
    art = Product.objects.get(number="ART-010")
    assert (art.sales_tax, art.kind, art.ean) == ("reduced", ProductKind.SIMPLE, "4000000000010")


def test_incremental_sync_reads_only_what_changed(sandbox, settings):
    settings.PRODUCT_SYNC_OVERLAP_S = 0
    sandbox.seed(products=[{"name": f"P{i}", "number": f"P-{i}"} for i in range(60)])
    products_sync()
    time.sleep(0.01)
    changed = Product.objects.get(number="P-7")
    sandbox.api("PATCH", f"/api/v2/products/{changed.xentral_id}", json={"name": "Renamed"})
    sandbox.clear_requests()

    client = XentralClient(purpose=Purpose.SYNC)
    assert products_sync(client=client) == 1
    assert client.calls_made == 1
    [entry] = sandbox.requests(path_prefix="/api/v2/products")
    assert entry["query"]["filter[0][key]"] == "updatedAt"
    assert entry["query"]["filter[0][op]"] == "greaterThan"
    assert Product.objects.get(number="P-7").name == "Renamed"


def test_full_sync_reads_everything_again(sandbox):
    sandbox.seed(products=[{"name": "A", "number": "A"}])
    products_sync()
    sandbox.clear_requests()
    products_sync(full=True)
    [entry] = sandbox.requests(path_prefix="/api/v2/products")
    assert "filter[0][key]" not in entry["query"]


def test_known_skus_cost_no_call(sandbox):
    sandbox.seed(products=[{"name": n, "number": n} for n in ("A", "B")])
    products_sync()
    sandbox.clear_requests()
    resolved = resolve_skus(["A", "B"])
    assert {sku: p.number for sku, p in resolved.items()} == {"A": "A", "B": "B"}
    assert sandbox.requests() == []


def test_unknown_skus_are_asked_for_50_at_a_time_and_stay_unknown(sandbox):
    sandbox.seed(products=[{"name": f"S{i}", "number": f"S-{i:03d}"} for i in range(100)])
    wanted = [f"S-{i:03d}" for i in range(100)] + [f"NOPE-{i}" for i in range(20)]
    resolved = resolve_skus([*wanted, "S-000"])
    assert list(resolved) == wanted
    assert all(resolved[f"S-{i:03d}"] is not None for i in range(100))
    assert all(resolved[f"NOPE-{i}"] is None for i in range(20))
    calls = sandbox.requests(path_prefix="/api/v2/products")
    assert len(calls) == 3
    assert all(len(c["query"]["filter[0][value][]"]) <= 50 for c in calls)
    assert Product.objects.count() == 100
    sandbox.clear_requests()
    resolve_skus(["S-001"])
    assert sandbox.requests() == []


def test_resolution_is_exact_never_a_guess(sandbox):
    [item] = sandbox.seed(products=[{"name": "A", "number": "ART-001"}])["products"]
    resolved = resolve_skus(["art-001", "ART-00", "ART-001"])
    assert {sku: p and p.xentral_id for sku, p in resolved.items()} == {
        "art-001": None,
        "ART-00": None,
        "ART-001": item["id"],
    }
    again = resolve_skus(["art-001", "ART-001"])
    assert (again["art-001"], again["ART-001"].number) == (None, "ART-001")


@pytest.fixture
def case_blind_xentral(settings):
    """A Xentral whose `number in [...]` filter ignores case, as a case-insensitive database
    collation does: asked for `art-001`, it answers with `ART-001`."""
    products = [{"id": 7, "number": "ART-001", "name": "A", "updatedAt": "2026-01-01T00:00:00Z"}]

    def app(environ, start_response):
        wanted = {v.lower() for v in Request(environ).args.getlist("filter[0][value][]")}
        data = [p for p in products if p["number"].lower() in wanted]
        body = json.dumps({"data": data, "extra": {"totalCount": len(data)}}).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.XENTRAL_URL = f"http://127.0.0.1:{server.port}"
    yield
    server.shutdown()


def test_a_near_match_from_xentral_is_not_taken_for_the_sku(case_blind_xentral):
    assert resolve_skus(["art-001"]) == {"art-001": None}
    assert not Product.objects.exists(), "the index learns nothing from a number it did not ask"


def test_sync_products_command_reports_pages_created_and_updated(sandbox):
    sandbox.seed(products=[{"name": f"P{i}", "number": f"P-{i}"} for i in range(60)])
    out = StringIO()
    call_command("sync_products", "--full", stdout=out)
    assert "full sync: 2 pages (Xentral calls), 60 products read, 60 created, 0 updated" in (
        out.getvalue()
    )
    out = StringIO()
    call_command("sync_products", "--full", stdout=out)
    assert "60 products read, 0 created, 60 updated" in out.getvalue()


def test_sync_products_command_fails_clearly_when_xentral_refuses_the_token(sandbox, settings):
    settings.XENTRAL_TOKEN = "wrong-token"
    with pytest.raises(CommandError, match="sync failed"):
        call_command("sync_products", stdout=StringIO())
