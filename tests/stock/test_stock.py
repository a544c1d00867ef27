"""Stock over real HTTP against the sandbox: snapshots, the poller and its budget, alerts,
the channel API, reservations of hub orders, and the managers' pages."""

import json
from decimal import Decimal

import pytest
import requests
from django.urls import reverse

from backoffice.models import Scope
from catalog.index import products_sync
from catalog.models import Product
from orders.models import OrderStatus
from orders.serializers import validated_payload
from orders.services import order_submit
from stock.models import (
    AlertKind,
    PollCycle,
    ProductStock,
    StockAlert,
    StockSnapshot,
    StorageLocation,
)
from stock.poller import stock_poll_cycle
from stock.snapshots import snapshot_take
from stock.warehouses import warehouses_sync
from tests.factories import channel_with_key
from tests.support import SANDBOX_TOKEN, start_sandbox

pytestmark = pytest.mark.django_db


def seed(sandbox, *products, **extra):
    sandbox.seed(warehouses=[{"designation": "Second"}], **extra)
    sandbox.seed(products=list(products))
    products_sync()


def totals(sandbox, product):
    return sandbox.api("GET", f"/api/v1/products/{product.xentral_id}/stocks").json()["data"]


def test_snapshot_matches_the_sandbox(sandbox):
    seed(sandbox, {"name": "Mug", "number": "MUG", "stock": {"1": 12, "2": 3}})
    product = Product.objects.get(number="MUG")
    snapshot = snapshot_take(product=product)
    expected = totals(sandbox, product)
    assert snapshot.physical == Decimal(expected["totals"]["physical"]) == 15
    assert snapshot.sellable == 15
    assert {(w.warehouse_id, w.physical) for w in snapshot.warehouses.all()} == {
        ("1", 12),
        ("2", 3),
    }


def test_unchanged_stock_writes_no_snapshot_but_moves_checked_at(sandbox):
    seed(sandbox, {"name": "Mug", "number": "MUG", "stock": {"1": 5}})
    product = Product.objects.get(number="MUG")
    assert snapshot_take(product=product) is not None
    checked = ProductStock.objects.get(product=product).checked_at
    assert snapshot_take(product=product) is None
    assert StockSnapshot.objects.count() == 1
    assert ProductStock.objects.get(product=product).checked_at > checked


def test_sandbox_stock_changes_show_up_at_the_next_poll(sandbox):
    seed(sandbox, {"name": "Mug", "number": "MUG", "stock": {"1": 5}})
    stock_poll_cycle(budget=20)
    sandbox.set_stock("MUG", "1", 40)
    cycle = stock_poll_cycle(budget=20)
    assert cycle.snapshots_written == 1
    assert ProductStock.objects.get(product__number="MUG").latest.physical == 40


def test_order_through_the_hub_shows_up_as_a_linked_reservation(sandbox, settings):
    fillers = [{"name": f"F{i}", "number": f"F-{i:03d}", "stock": {"1": 1}} for i in range(60)]
    seed(
        sandbox,
        {"name": "Mug", "number": "MUG", "stock": {"1": 10}},
        *fillers,
        customers=[{"firstname": "Erika", "lastname": "M", "email": "e@example.com"}],
        paymentMethods=[{"type": "paypal", "designation": "PayPal"}],
        shippingMethods=[{"type": "dhl", "designation": "DHL"}],
    )
    stock_poll_cycle(budget=100)
    channel, _ = channel_with_key()
    payload = validated_payload(
        {"reference": "SHOP-9", "customer": {"email": "e@example.com"},
         "items": [{"sku": "MUG", "quantity": 3}], "shipping": "dhl", "payment": "paypal"},
        allow_customer_creation=False,
    )  # fmt: skip
    order = order_submit(channel=channel, payload=payload).order
    assert order.status == OrderStatus.CREATED
    # The physical stock (and so the list's stockCount) did not move: only the hub's own order
    # puts MUG first, within a budget too small for anything else.
    sandbox.clear_requests()
    stock_poll_cycle(budget=3)
    mug = Product.objects.get(number="MUG")
    assert [e["path"] for e in sandbox.requests()] == [
        f"/api/v1/products/{mug.xentral_id}/stocks",
        f"/api/v1/products/{mug.xentral_id}/reservations",
    ]
    snapshot = ProductStock.objects.get(product__number="MUG").latest
    [reservation] = snapshot.reservations.all()
    assert reservation.amount == 3
    assert reservation.order == order
    assert reservation.reason == f"Sales order {order.xentral_order_number}"
    assert snapshot.open_sales_orders == 3


def stocks_paths(sandbox) -> list[str]:
    return [e["path"] for e in sandbox.requests()]


def stocks_path(number: str) -> str:
    return f"/api/v1/products/{Product.objects.get(number=number).xentral_id}/stocks"


def read_numbers() -> set[str]:
    """Products with a snapshot: the ones the poller read."""
    return set(ProductStock.objects.exclude(latest=None).values_list("product__number", flat=True))


def test_poller_stays_inside_its_budget(sandbox):
    seed(
        sandbox,
        *[{"name": f"P{i}", "number": f"P-{i:03d}", "stock": {"1": i + 1}} for i in range(30)],
    )
    sandbox.clear_requests()
    cycle = stock_poll_cycle(budget=10)
    # A product never read is planned at two calls (its reservations might be needed too); with
    # nothing reserved each costs one, so nine fit before less than two calls are left.
    read = read_numbers()
    assert len(read) == 9
    assert sorted(stocks_paths(sandbox)) == sorted(stocks_path(n) for n in read)
    assert (cycle.budget, cycle.calls_spent, cycle.products_refreshed) == (10, 9, 9)
    assert cycle.snapshots_written == 9
    assert PollCycle.objects.get().calls_spent == 9


def test_default_budget_is_the_stock_share_of_a_minute_less_what_stock_used(sandbox, settings):
    # 6000 calls an hour is 100 a minute; the stock share (20 %) is 20 calls a minute. An hour's
    # window keeps both cycles in one window, so the second sees what the first spent.
    settings.XENTRAL_RATE_LIMIT = 6000
    settings.XENTRAL_RATE_WINDOW_S = 3600
    settings.XENTRAL_BUDGET_SHARES = {**settings.XENTRAL_BUDGET_SHARES, "stock": 0.2}
    seed(
        sandbox, *[{"name": f"P{i}", "number": f"P-{i:03d}", "stock": {"1": 1}} for i in range(40)]
    )
    sandbox.clear_requests()
    first = stock_poll_cycle()
    assert (first.budget, first.calls_spent) == (20, 19)
    assert len(sandbox.requests()) == 19
    assert len(read_numbers()) == 19
    second = stock_poll_cycle()
    assert (second.budget, second.calls_spent) == (1, 0)
    assert len(sandbox.requests()) == 19


def test_priority_ordered_then_changed_then_stalest(sandbox):
    seed(
        sandbox, *[{"name": f"P{i}", "number": f"P-{i:03d}", "stock": {"1": 5}} for i in range(120)]
    )
    stock_poll_cycle(budget=1000)  # every product has a snapshot now
    ordered = Product.objects.get(number="P-100")
    ProductStock.objects.filter(product=ordered).update(needs_refresh=True)
    sandbox.set_stock("P-050", "1", 9)
    sandbox.clear_requests()
    cycle = stock_poll_cycle(budget=6)
    paths = stocks_paths(sandbox)
    assert paths[0] == stocks_path("P-100"), "the ordered product first"
    assert paths[1] == "/api/v2/products", "then one list call checks 50 products"
    # The other 119 take three list calls (50 + 50 + 19); only the one that moved is re-read.
    assert sorted(paths[1:]) == sorted(["/api/v2/products"] * 3 + [stocks_path("P-050")])
    assert (cycle.calls_spent, cycle.products_checked, cycle.products_refreshed) == (5, 120, 2)
    assert cycle.snapshots_written == 1
    assert ProductStock.objects.get(product__number="P-050").latest.physical == 9


def test_alerts_open_and_resolve_by_themselves(sandbox, settings):
    settings.STOCK_MIN_SELLABLE_DEFAULT = 5
    settings.STOCK_ALERT_GRACE_H = 0
    seed(sandbox, {"name": "Mug", "number": "MUG", "stock": {"1": 2}})
    product = Product.objects.get(number="MUG")
    snapshot_take(product=product)
    alert = StockAlert.objects.get(product=product, kind=AlertKind.LOW_STOCK)
    assert alert.resolved_at is None
    sandbox.set_stock("MUG", "1", 50)
    snapshot_take(product=product)
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_jit_kit_is_flagged_only_when_no_warehouse_holds_every_component(sandbox):
    seed(
        sandbox,
        {"name": "Cup", "number": "CUP", "stock": {"1": 10}},
        {"name": "Lid", "number": "LID", "stock": {"2": 10}},
        {"name": "Saucer", "number": "SAUCER", "stock": {"1": 2, "2": 10}},
        {"name": "Set", "number": "SET", "isAssembledJustInTime": True,
         "parts": [{"number": "CUP", "amount": 1}, {"number": "LID", "amount": 1}]},
        {"name": "Duo", "number": "DUO", "isAssembledJustInTime": True,
         "parts": [{"number": "CUP", "amount": 1}, {"number": "SAUCER", "amount": 2}]},
    )  # fmt: skip
    for number in ("CUP", "LID", "SAUCER", "SET", "DUO"):
        snapshot_take(product=Product.objects.get(number=number))
    flagged = StockAlert.objects.filter(kind=AlertKind.JIT_SPLIT, resolved_at=None)
    # Warehouse 1 holds a cup and two saucers: DUO can be built there; SET nowhere.
    assert list(flagged.values_list("product__number", flat=True)) == ["SET"]


def test_api_applies_channel_pseudo_and_correction_without_calling_xentral(sandbox, live_server):
    seed(
        sandbox,
        {"name": "A", "number": "A", "stock": {"1": 10},
         "salesChannels": [{"id": "1", "pseudo": 99, "correction": None}]},
        {"name": "B", "number": "B", "stock": {"1": 10},
         "salesChannels": [{"id": "1", "pseudo": None, "correction": -4}]},
    )  # fmt: skip
    stock_poll_cycle(budget=50)
    _, key = channel_with_key(scopes=[Scope.STOCK_READ], sales_channel_id="1")
    headers = {"Authorization": f"Bearer {key}"}
    sandbox.clear_requests()
    one = requests.get(f"{live_server.url}/api/v1/stock/A", headers=headers).json()
    assert one["available"] == "99"
    assert one["sellable"] == "10"
    assert one["warehouses"] == [{"id": "1", "physical": "10"}]
    many = requests.get(
        f"{live_server.url}/api/v1/stock", params={"sku": "A,B,NOPE"}, headers=headers
    )
    body = many.json()
    assert {row["sku"]: row["available"] for row in body["data"]} == {"A": "99", "B": "6"}
    assert body["unknown"] == ["NOPE"]
    assert requests.get(f"{live_server.url}/api/v1/stock/NOPE", headers=headers).status_code == 404
    too_many = ",".join(f"S{i}" for i in range(101))
    assert requests.get(f"{live_server.url}/api/v1/stock", params={"sku": too_many},
                        headers=headers).status_code == 400  # fmt: skip
    assert sandbox.requests() == []
    no_scope = channel_with_key(scopes=[Scope.ORDERS_READ])[1]
    denied = requests.get(
        f"{live_server.url}/api/v1/stock/A", headers={"Authorization": f"Bearer {no_scope}"}
    )
    assert denied.status_code == 403


def location(designation: str, **fields) -> dict:
    flags = ("isReplenishmentLocation", "isConsumptionLocation", "isRestrictedLocation",
             "productionAccess", "isPosLocation")  # fmt: skip
    return {"designation": designation, "warehouse": {"id": "1"}, "sort": 0,
            **dict.fromkeys(flags, False), **fields, "items": {}}  # fmt: skip


@pytest.fixture
def flagged_sandbox(tmp_path, settings):
    """A sandbox of its own, started from a state file holding storage locations with flags
    set (the control API only seeds locations without flags)."""
    state = tmp_path / "sandbox.json"
    locations = {
        "1": {"id": "1", **location("Goods in", isReplenishmentLocation=True, sort=3)},
        "2": {"id": "2", **location("Quarantine", isRestrictedLocation=True)},
        "3": {"id": "3", **location("Shop floor", isConsumptionLocation=True,
                                    productionAccess=True, isPosLocation=True, sort=1)},
    }  # fmt: skip
    warehouse = {"id": "1", "designation": "Main", "project": {"id": "7"}}
    state.write_text(
        json.dumps(
            {
                "data": {"warehouses": {"1": warehouse}, "storageLocations": locations},
                "sequences": {"warehouses": 1, "storageLocations": 3},
            }
        )
    )
    proc, url = start_sandbox(
        "--rate-limit", "off", "--token", SANDBOX_TOKEN, "--state", str(state)
    )
    settings.XENTRAL_URL = url
    settings.XENTRAL_TOKEN = SANDBOX_TOKEN
    yield
    proc.terminate()
    proc.wait(timeout=10)


def test_warehouses_and_locations_are_cached_with_flags(flagged_sandbox):
    assert warehouses_sync() == (1, 3)
    flags = (
        "designation", "is_replenishment", "is_consumption", "is_restricted",
        "production_access", "is_pos", "sort",
    )  # fmt: skip
    cached = StorageLocation.objects.filter(warehouse__xentral_id="1", warehouse__project_id="7")
    assert set(cached.values_list("xentral_id", *flags)) == {
        ("1", "Goods in", True, False, False, False, False, 3),
        ("2", "Quarantine", False, False, True, False, False, 0),
        ("3", "Shop floor", False, True, False, True, True, 1),
    }


def test_warehouse_sync_with_the_default_sandbox_caches_its_second_warehouse(sandbox):
    sandbox.seed(warehouses=[{"designation": "Second"}])
    assert warehouses_sync() == (2, 2)
    [location] = StorageLocation.objects.filter(warehouse__xentral_id="2")
    assert location.designation == "Second default"
    assert location.warehouse.designation == "Second"


@pytest.fixture
def staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("mgr", "m@example.com", "pw"))
    return client


def test_admin_pages_render_breakdowns_and_chart(sandbox, staff):
    seed(sandbox, {"name": "Mug", "number": "MUG", "stock": {"1": 12, "2": 3}})
    product = Product.objects.get(number="MUG")
    snapshot_take(product=product)
    sandbox.set_stock("MUG", "1", 20)
    snapshot_take(product=product)
    overview = staff.get(reverse("admin:stock_productstock_changelist"), {"q": "MUG"})
    assert overview.status_code == 200
    assert "MUG" in overview.content.decode()
    row = ProductStock.objects.get(product=product)
    page = staff.get(reverse("admin:stock_productstock_change", args=[row.pk])).content.decode()
    assert 'id="totals"' in page
    assert 'id="warehouses"' in page
    assert 'id="channels"' in page
    assert "<td>20</td>" in page  # warehouse 1's new figure in the breakdown
    assert 'id="reservations"' in page
    assert "<polyline" in page
    for name in ("warehouse", "storagelocation", "stockalert", "pollcycle"):
        assert staff.get(reverse(f"admin:stock_{name}_changelist")).status_code == 200
