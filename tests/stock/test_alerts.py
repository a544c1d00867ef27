"""Alerts without floods: a grace period after a product's first snapshot, kits judged by what
can be built, and the dashboard grouping open alerts by kind. Rows come from the factories."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from catalog.index import products_sync
from catalog.models import Product, ProductKind
from stock import dashboard
from stock.alerts import alerts_evaluate
from stock.models import AlertKind, ProductStock, StockAlert, StockSnapshot
from stock.selectors import stocks_low
from stock.snapshots import snapshot_take
from tests.factories import ProductFactory, StockSnapshotFactory
from tests.staff import action_offered

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _thresholds(settings):
    settings.STOCK_MIN_SELLABLE_DEFAULT = 5
    settings.STOCK_ALERT_GRACE_H = 24


def stock_of(number: str, *, physical, first_ago: timedelta, kind=ProductKind.SIMPLE, **figures):
    """A product first read `first_ago`, whose latest snapshot (now) has these figures."""
    product = ProductFactory(number=number, kind=kind)
    StockSnapshotFactory(product=product, taken_at=timezone.now() - first_ago, physical=0)
    latest = StockSnapshotFactory(product=product, physical=Decimal(physical), **figures)
    return ProductStock.objects.create(product=product, latest=latest, parts=[])


def open_kinds() -> dict[str, list[str]]:
    alerts = StockAlert.objects.filter(resolved_at=None).order_by("product__number")
    return {a.product.number: a.kind for a in alerts}


def test_no_low_stock_alert_within_the_grace_period_of_the_first_snapshot():
    new = stock_of("NEW", physical=0, first_ago=timedelta(hours=23))
    old = stock_of("OLD", physical=0, first_ago=timedelta(hours=25))
    alerts_evaluate(stock=new)
    alerts_evaluate(stock=old)
    assert open_kinds() == {"OLD": AlertKind.LOW_STOCK}


def test_the_grace_period_is_a_setting(settings):
    settings.STOCK_ALERT_GRACE_H = 1
    stock = stock_of("NEW", physical=0, first_ago=timedelta(hours=2))
    alerts_evaluate(stock=stock)
    assert open_kinds() == {"NEW": AlertKind.LOW_STOCK}


def test_unchanged_low_stock_opens_its_alert_when_the_grace_period_ends(sandbox, settings):
    sandbox.seed(products=[{"name": "Mug", "number": "MUG", "stock": {"1": 2}}])
    products_sync()
    product = Product.objects.get(number="MUG")
    snapshot_take(product=product)
    assert open_kinds() == {}
    StockSnapshot.objects.filter(product=product).update(
        taken_at=timezone.now() - timedelta(hours=25)
    )
    assert snapshot_take(product=product) is None, "the figures did not change"
    assert open_kinds() == {"MUG": AlertKind.LOW_STOCK}


@pytest.mark.parametrize("kind", [ProductKind.BOM, ProductKind.JIT])
def test_a_kit_that_can_be_built_is_not_low_stock(kind):
    buildable = stock_of(
        "KIT-11", kind=kind, physical=0, producible=Decimal(11), first_ago=timedelta(days=2)
    )
    short = stock_of(
        "KIT-2", kind=kind, physical=40, producible=Decimal(2), first_ago=timedelta(days=2)
    )
    alerts_evaluate(stock=buildable)
    alerts_evaluate(stock=short)
    assert open_kinds() == {"KIT-2": AlertKind.LOW_STOCK}
    alert = StockAlert.objects.get(product__number="KIT-2")
    assert alert.details == "producible 2 below the minimum 5"


def test_the_overview_filter_judges_kits_by_producible_too():
    stock_of("KIT-11", kind=ProductKind.JIT, physical=0, producible=11, first_ago=timedelta(0))
    stock_of("KIT-2", kind=ProductKind.JIT, physical=40, producible=2, first_ago=timedelta(0))
    stock_of("PLAIN-0", physical=0, first_ago=timedelta(0))
    low = stocks_low(ProductStock.objects.all())
    assert sorted(low.values_list("product__number", flat=True)) == ["KIT-2", "PLAIN-0"]


def test_dashboard_groups_open_alerts_by_kind():
    for n in range(3):
        alerts_evaluate(stock=stock_of(f"LOW-{n}", physical=0, first_ago=timedelta(days=2)))
    busy = stock_of("BUSY", physical=20, reserved=Decimal(19), first_ago=timedelta(days=2))
    alerts_evaluate(stock=busy)
    changelist = reverse("admin:stock_stockalert_changelist")
    assert dashboard.attention() == [
        {
            "label": "Stock alerts: Sellable below minimum",
            "count": 4,
            "url": f"{changelist}?resolved_at__isempty=1&acknowledged_at__isempty=1"
            "&kind__exact=low_stock",
        },
        {
            "label": "Stock alerts: Most of the stock is reserved",
            "count": 1,
            "url": f"{changelist}?resolved_at__isempty=1&acknowledged_at__isempty=1"
            "&kind__exact=high_reservation_ratio",
        },
    ]


def test_staff_acknowledge_alerts_in_bulk_and_they_leave_the_dashboard(client, django_user_model):
    for n in range(3):
        alerts_evaluate(stock=stock_of(f"LOW-{n}", physical=0, first_ago=timedelta(days=2)))
    user = django_user_model.objects.create_superuser("mgr", "m@example.com", "pw")
    client.force_login(user)
    chosen = StockAlert.objects.filter(product__number__in=["LOW-0", "LOW-1"])
    response = client.post(
        reverse("admin:stock_stockalert_changelist"),
        {"action": "acknowledge", "_selected_action": [a.pk for a in chosen]},
    )
    assert response.status_code == 302
    acknowledged = StockAlert.objects.exclude(acknowledged_at=None)
    assert sorted(a.product.number for a in acknowledged) == ["LOW-0", "LOW-1"]
    assert {a.acknowledged_by for a in acknowledged} == {user}
    assert [item["count"] for item in dashboard.attention()] == [1]
    assert StockAlert.objects.filter(resolved_at=None).count() == 3, "still open until resolved"


def test_a_stock_viewer_cannot_acknowledge(client, django_user_model):
    alerts_evaluate(stock=stock_of("LOW-0", physical=0, first_ago=timedelta(days=2)))
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.groups.add(Group.objects.get(name="Stock viewers"))
    client.force_login(viewer)
    alert = StockAlert.objects.get()
    client.post(
        reverse("admin:stock_stockalert_changelist"),
        {"action": "acknowledge", "_selected_action": [alert.pk]},
    )
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_a_stock_manager_acknowledges_through_the_group(client, django_user_model):
    alerts_evaluate(stock=stock_of("LOW-0", physical=0, first_ago=timedelta(days=2)))
    manager = django_user_model.objects.create_user("manager", password="pw", is_staff=True)
    manager.groups.add(Group.objects.get(name="Stock managers"))
    client.force_login(manager)
    alert = StockAlert.objects.get()

    listing = client.get(reverse("admin:stock_stockalert_changelist"))
    client.post(
        reverse("admin:stock_stockalert_changelist"),
        {"action": "acknowledge", "_selected_action": [alert.pk]},
    )

    alert.refresh_from_db()
    assert action_offered(listing, "acknowledge")
    assert alert.acknowledged_by == manager
    assert alert.acknowledged_at is not None
