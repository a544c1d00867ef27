"""Stock over real HTTP against the sandbox: snapshots, the poller and its budget, alerts,
the channel API, reservations of hub orders, and the managers' pages."""

from decimal import Decimal

import pytest
import requests
from django.urls import reverse

from catalog.index import products_sync
from catalog.models import Product
from stock.models import AlertKind, PollCycle, ProductStock, StockAlert, StockSnapshot
from stock.poller import stock_poll_cycle
from stock.snapshots import snapshot_take
from stock.warehouses import warehouses_sync
from tests.factories import channel_with_key

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
    from orders.serializers import validated_payload
    from orders.services import order_submit

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
    assert order.status == "created"
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


def test_poller_stays_inside_its_budget(sandbox):
    seed(
        sandbox, *[{"name": f"P{i}", "number": f"P-{i:03d}", "stock": {"1": i}} for i in range(30)]
    )
    sandbox.clear_requests()
    cycle = stock_poll_cycle(budget=10)
    assert len(sandbox.requests()) == cycle.calls_spent <= 10
    assert PollCycle.objects.get().calls_spent == cycle.calls_spent


def test_default_budget_is_the_stock_share_of_the_limit(sandbox, settings):
    settings.XENTRAL_RATE_LIMIT = 100
    settings.XENTRAL_RATE_WINDOW_S = 60
    seed(
        sandbox, *[{"name": f"P{i}", "number": f"P-{i:03d}", "stock": {"1": 1}} for i in range(40)]
    )
    sandbox.clear_requests()
    cycle = stock_poll_cycle()
    assert cycle.budget <= 20
    assert len(sandbox.requests()) <= 20


def test_priority_ordered_then_changed_then_stalest(sandbox):
    seed(
        sandbox, *[{"name": f"P{i}", "number": f"P-{i:03d}", "stock": {"1": 5}} for i in range(120)]
    )
    stock_poll_cycle(budget=1000)  # every product has a snapshot now
    ordered = Product.objects.get(number="P-100")
    ProductStock.objects.filter(product=ordered).update(needs_refresh=True)
    sandbox.set_stock("P-050", "1", 9)
    sandbox.clear_requests()
    stock_poll_cycle(budget=6)
    paths = [e["path"] for e in sandbox.requests()]
    assert paths[0] == f"/api/v1/products/{ordered.xentral_id}/stocks"
    assert paths[1] == "/api/v2/products", "then one list call checks 50 products"
    changed = Product.objects.get(number="P-050")
    assert f"/api/v1/products/{changed.xentral_id}/stocks" in paths
    assert ProductStock.objects.get(product=changed).latest.physical == 9


def test_alerts_open_and_resolve_by_themselves(sandbox, settings):
    settings.STOCK_MIN_SELLABLE_DEFAULT = 5
    seed(sandbox, {"name": "Mug", "number": "MUG", "stock": {"1": 2}})
    product = Product.objects.get(number="MUG")
    snapshot_take(product=product)
    alert = StockAlert.objects.get(product=product, kind=AlertKind.LOW_STOCK)
    assert alert.resolved_at is None
    sandbox.set_stock("MUG", "1", 50)
    snapshot_take(product=product)
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_jit_kit_is_flagged_when_no_warehouse_holds_every_component(sandbox):
    seed(
        sandbox,
        {"name": "Cup", "number": "CUP", "stock": {"1": 10}},
        {"name": "Lid", "number": "LID", "stock": {"2": 10}},
        {"name": "Set", "number": "SET", "isAssembledJustInTime": True,
         "parts": [{"number": "CUP", "amount": 1}, {"number": "LID", "amount": 1}]},
    )  # fmt: skip
    for number in ("CUP", "LID", "SET"):
        snapshot_take(product=Product.objects.get(number=number))
    assert StockAlert.objects.filter(product__number="SET", kind=AlertKind.JIT_SPLIT).exists()


def test_api_applies_channel_pseudo_and_correction_without_calling_xentral(sandbox, live_server):
    seed(
        sandbox,
        {"name": "A", "number": "A", "stock": {"1": 10},
         "salesChannels": [{"id": "1", "pseudo": 99, "correction": None}]},
        {"name": "B", "number": "B", "stock": {"1": 10},
         "salesChannels": [{"id": "1", "pseudo": None, "correction": -4}]},
    )  # fmt: skip
    stock_poll_cycle(budget=50)
    _, key = channel_with_key(scopes=["stock:read"], sales_channel_id="1")
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
    no_scope = channel_with_key(scopes=["orders:read"])[1]
    denied = requests.get(
        f"{live_server.url}/api/v1/stock/A", headers={"Authorization": f"Bearer {no_scope}"}
    )
    assert denied.status_code == 403


def test_warehouses_and_locations_are_cached_with_flags(sandbox):
    sandbox.seed(warehouses=[{"designation": "Second"}])
    assert warehouses_sync() == (2, 2)
    from stock.models import StorageLocation

    assert StorageLocation.objects.filter(warehouse__xentral_id="2").count() == 1


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
