"""Stock operations against the sandbox: e-mail on alert opening, the other alert kinds,
pruning, the commands, items on demand, refresh now, the dashboard and trailing slashes."""

from datetime import timedelta
from io import StringIO

import pytest
import requests
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from backoffice.models import Scope
from catalog.index import products_sync
from catalog.models import Product
from orders.models import OrderStatus
from orders.serializers import validated_payload
from orders.services import order_submit
from stock import dashboard
from stock.demo import populate
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
from tests.factories import ProductFactory, StockSnapshotFactory, channel_with_key

pytestmark = pytest.mark.django_db


def seed(sandbox, *products):
    sandbox.seed(products=list(products))
    products_sync()


@pytest.fixture
def staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("mgr", "m@example.com", "pw"))
    return client


def test_opening_an_alert_mails_the_configured_addresses_once(sandbox, settings):
    settings.STOCK_MIN_SELLABLE_DEFAULT = 5
    settings.STOCK_ALERT_GRACE_H = 0
    settings.STOCK_ALERT_EMAILS = ["stock@example.com"]
    seed(sandbox, {"name": "Mug", "number": "MUG", "stock": {"1": 2}})
    product = Product.objects.get(number="MUG")
    snapshot_take(product=product)
    sandbox.set_stock("MUG", "1", 1)
    snapshot_take(product=product)  # still low: the open alert stays, no second mail
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["stock@example.com"]
    assert "MUG" in mail.outbox[0].subject


def test_no_mail_when_no_addresses_are_configured(sandbox, settings):
    settings.STOCK_MIN_SELLABLE_DEFAULT = 5
    settings.STOCK_ALERT_GRACE_H = 0
    settings.STOCK_ALERT_EMAILS = []
    seed(sandbox, {"name": "Mug", "number": "MUG", "stock": {"1": 2}})
    snapshot_take(product=Product.objects.get(number="MUG"))
    assert StockAlert.objects.filter(kind=AlertKind.LOW_STOCK).exists()
    assert mail.outbox == []


def test_per_product_minimum_overrides_the_default(sandbox, settings):
    settings.STOCK_MIN_SELLABLE_DEFAULT = 5
    settings.STOCK_ALERT_GRACE_H = 0
    seed(sandbox, {"name": "Mug", "number": "MUG", "stock": {"1": 20}})
    product = Product.objects.get(number="MUG")
    snapshot_take(product=product)
    assert not StockAlert.objects.exists()
    stock = ProductStock.objects.get(product=product)
    stock.min_sellable = 50
    stock.save()
    sandbox.set_stock("MUG", "1", 21)
    snapshot_take(product=product)
    assert StockAlert.objects.get(product=product, resolved_at=None).kind == AlertKind.LOW_STOCK


def test_orders_beyond_supply_open_reservation_and_demand_alerts_then_resolve(sandbox, settings):
    settings.STOCK_MIN_SELLABLE_DEFAULT = 0
    sandbox.seed(
        products=[{"name": "Mug", "number": "MUG", "stock": {"1": 10}}],
        customers=[{"firstname": "Erika", "lastname": "M", "email": "e@example.com"}],
        paymentMethods=[{"type": "paypal", "designation": "PayPal"}],
        shippingMethods=[{"type": "dhl", "designation": "DHL"}],
    )
    products_sync()
    product = Product.objects.get(number="MUG")
    snapshot_take(product=product)
    channel, _ = channel_with_key()
    payload = validated_payload(
        {"reference": "SHOP-15", "customer": {"email": "e@example.com"},
         "items": [{"sku": "MUG", "quantity": 15}], "shipping": "dhl", "payment": "paypal"},
        allow_customer_creation=False,
    )  # fmt: skip
    assert order_submit(channel=channel, payload=payload).order.status == OrderStatus.CREATED
    snapshot_take(product=product)
    snapshot = ProductStock.objects.get(product=product).latest
    assert (snapshot.physical, snapshot.reserved, snapshot.sellable) == (10, 10, 0)
    open_kinds = set(
        StockAlert.objects.filter(product=product, resolved_at=None).values_list("kind", flat=True)
    )
    assert open_kinds == {AlertKind.HIGH_RESERVATION, AlertKind.DEMAND_ABOVE_SUPPLY}
    sandbox.set_stock("MUG", "1", 500)  # goods arrive: 10 reserved of 500, 490 sellable
    snapshot_take(product=product)
    assert not StockAlert.objects.filter(product=product, resolved_at=None).exists()


def test_prune_drops_old_history_but_keeps_the_latest_and_the_recent():
    product = ProductFactory(number="MUG")
    long_ago = timezone.now() - timedelta(days=100)
    StockSnapshotFactory(product=product, taken_at=long_ago, physical=1)
    recent = StockSnapshotFactory(product=product, taken_at=timezone.now() - timedelta(days=5))
    quiet = ProductFactory(number="QUIET")  # unchanged for 100 days: its only snapshot stays
    StockSnapshotFactory(product=quiet, taken_at=long_ago, physical=2)
    quiet_latest = StockSnapshotFactory(product=quiet, taken_at=long_ago, physical=3)
    ProductStock.objects.create(product=product, latest=recent)
    ProductStock.objects.create(product=quiet, latest=quiet_latest)
    out = StringIO()
    call_command("prune_stock_history", "--days", "90", stdout=out)
    assert out.getvalue() == "2 rows deleted.\n"
    assert set(StockSnapshot.objects.values_list("pk", flat=True)) == {recent.pk, quiet_latest.pk}


def test_commands_sync_warehouses_and_poll_by_sku(sandbox):
    sandbox.seed(warehouses=[{"designation": "Second"}])
    seed(
        sandbox,
        {"name": "Mug", "number": "MUG", "stock": {"1": 4}},
        {"name": "Cup", "number": "CUP", "stock": {"2": 6}},
    )
    out = StringIO()
    call_command("sync_warehouses", stdout=out)
    assert out.getvalue() == "2 warehouses, 2 storage locations cached.\n"
    call_command("poll_stock", "--sku", "CUP", stdout=out)
    assert ProductStock.objects.get(product__number="CUP").latest.physical == 6
    assert not ProductStock.objects.filter(product__number="MUG", latest__isnull=False).exists()
    with pytest.raises(CommandError, match="NOPE"):
        call_command("poll_stock", "--sku", "NOPE", stdout=out)
    call_command("poll_stock", "--all", stdout=out)
    assert ProductStock.objects.get(product__number="MUG").latest.physical == 4
    call_command("poll_stock", stdout=out)
    assert PollCycle.objects.count() == 1


def test_location_items_are_read_on_demand_with_one_call(sandbox, staff):
    seed(sandbox, {"name": "Mug", "number": "MUG", "stock": {"1": 12}})
    warehouses_sync()
    location = StorageLocation.objects.get(warehouse__xentral_id="1")
    listing = staff.get(reverse("admin:stock_storagelocation_changelist")).content.decode()
    assert reverse("admin:stock_location_items", args=[location.pk]) in listing
    sandbox.clear_requests()
    page = staff.get(reverse("admin:stock_location_items", args=[location.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "MUG" in body
    assert "12" in body
    [call] = sandbox.requests()
    assert call["path"] == f"/api/v2/warehouses/1/storageLocations/{location.xentral_id}/items"


def test_location_items_page_shows_xentral_failure(sandbox, staff):
    sandbox.seed(products=[])
    warehouses_sync()
    location = StorageLocation.objects.get(warehouse__xentral_id="1")
    location.xentral_id = "999999"
    location.save()
    page = staff.get(reverse("admin:stock_location_items", args=[location.pk]))
    assert page.status_code == 200
    assert "errornote" in page.content.decode()


def test_refresh_now_action_reads_the_selected_products(sandbox, staff):
    seed(sandbox, {"name": "Mug", "number": "MUG", "stock": {"1": 3}})
    product = Product.objects.get(number="MUG")
    snapshot_take(product=product)
    sandbox.set_stock("MUG", "1", 8)
    row = ProductStock.objects.get(product=product)
    response = staff.post(
        reverse("admin:stock_productstock_changelist"),
        {"action": "refresh_now", "_selected_action": [row.pk]},
        follow=True,
    )
    assert "1 new snapshots" in response.content.decode()
    row.refresh_from_db()
    assert row.latest.physical == 8


def test_dashboard_counts_open_alerts(sandbox, settings):
    settings.STOCK_MIN_SELLABLE_DEFAULT = 5
    settings.STOCK_ALERT_GRACE_H = 0
    assert dashboard.attention() == []
    seed(sandbox, {"name": "Mug", "number": "MUG", "stock": {"1": 1}})
    snapshot_take(product=Product.objects.get(number="MUG"))
    [item] = dashboard.attention()
    assert item["count"] == 1
    assert item["url"].startswith(reverse("admin:stock_stockalert_changelist"))


def test_api_answers_with_and_without_trailing_slash_and_requires_a_key(sandbox, live_server):
    seed(sandbox, {"name": "Mug", "number": "MUG", "stock": {"1": 7}})
    snapshot_take(product=Product.objects.get(number="MUG"))
    _, key = channel_with_key(scopes=[Scope.STOCK_READ])
    headers = {"Authorization": f"Bearer {key}"}
    for path in ("/api/v1/stock/MUG", "/api/v1/stock/MUG/"):
        body = requests.get(f"{live_server.url}{path}", headers=headers).json()
        assert body["available"] == "7"  # no sales channel: product-level figures
    for path in ("/api/v1/stock", "/api/v1/stock/"):
        listed = requests.get(f"{live_server.url}{path}", params={"sku": "MUG"}, headers=headers)
        assert [row["sku"] for row in listed.json()["data"]] == ["MUG"]
    missing = requests.get(f"{live_server.url}/api/v1/stock", headers=headers)
    assert missing.status_code == 400
    assert missing.headers["Content-Type"].startswith("application/problem+json")
    assert requests.get(f"{live_server.url}/api/v1/stock/MUG").status_code == 401


def test_low_stock_products_are_re_read_sooner_than_the_rest(sandbox, settings):
    settings.STOCK_MIN_SELLABLE_DEFAULT = 5
    settings.STOCK_MAX_AGE_MIN = 60
    settings.STOCK_LOW_MAX_AGE_MIN = 10
    seed(
        sandbox,
        {"name": "Low", "number": "LOW", "stock": {"1": 2}},
        {"name": "Full", "number": "FULL", "stock": {"1": 50}},
    )
    stock_poll_cycle(budget=50)
    ProductStock.objects.update(checked_at=timezone.now() - timedelta(minutes=20))
    sandbox.clear_requests()
    stock_poll_cycle(budget=50)
    low, full = Product.objects.get(number="LOW"), Product.objects.get(number="FULL")
    paths = [e["path"] for e in sandbox.requests()]
    assert f"/api/v1/products/{low.xentral_id}/stocks" in paths
    assert f"/api/v1/products/{full.xentral_id}/stocks" not in paths
    ProductStock.objects.update(checked_at=timezone.now() - timedelta(minutes=61))
    sandbox.clear_requests()
    cycle = stock_poll_cycle(budget=50)
    paths = [e["path"] for e in sandbox.requests()]
    assert f"/api/v1/products/{full.xentral_id}/stocks" in paths
    assert cycle.oldest_unchecked_age_s < 60


def test_xentral_down_ends_the_cycle_early_recorded_without_retries(sandbox):
    seed(sandbox, *[{"name": f"P{i}", "number": f"P-{i}", "stock": {"1": 1}} for i in range(5)])
    stock_poll_cycle(budget=50)
    sandbox.faults(errorRate=1.0, errorStatus=503)
    sandbox.clear_requests()
    cycle = stock_poll_cycle(budget=50)
    assert cycle.finished_at is not None
    assert cycle.calls_spent == len(sandbox.requests()) == 1


def test_one_product_gone_in_xentral_does_not_stop_the_others(sandbox):
    seed(sandbox, {"name": "A", "number": "A", "stock": {"1": 1}})
    seed(sandbox, {"name": "B", "number": "B", "stock": {"1": 2}})
    a = Product.objects.get(number="A")
    sandbox.faults(
        failNext=[
            {"method": "GET", "path": f"/api/v1/products/{a.xentral_id}/stocks", "status": 404}
        ]
    )
    cycle = stock_poll_cycle(budget=50)
    assert ProductStock.objects.get(product__number="B").latest.physical == 2
    assert ProductStock.objects.get(product=a).latest is None
    assert cycle.finished_at is not None


def test_stock_page_of_a_product_never_read_renders(sandbox, staff):
    seed(sandbox, {"name": "Mug", "number": "MUG", "stock": {"1": 1}})
    stock_poll_cycle(budget=0)  # creates the row, spends nothing
    row = ProductStock.objects.get(product__number="MUG")
    page = staff.get(reverse("admin:stock_productstock_change", args=[row.pk]))
    assert page.status_code == 200
    assert "No snapshot yet." in page.content.decode()


def test_demo_populate_caches_warehouses_and_shows_stock(sandbox, settings):
    sandbox.seed_demo()
    products_sync(full=True)
    channel, _ = channel_with_key()
    out = StringIO()
    populate(channel=channel, stdout=out)
    assert out.getvalue().startswith("stock: 3 warehouses, 3 locations; ")
    assert StorageLocation.objects.count() == 3
    art = ProductStock.objects.get(product__number="ART-001")
    # The demo seeds ART-001 with 21 in warehouse 1 and 1 in warehouse 2.
    assert art.latest.physical == 22
    assert {(w.warehouse_id, w.physical) for w in art.latest.warehouses.all()} == {
        ("1", 21),
        ("2", 1),
        ("3", 0),
    }
