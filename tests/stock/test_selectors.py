"""What low stock and stale mean, defined once in the selectors, as the admin's overview
filters, the alerts and the poller see it; rows come from the factories, no Xentral involved."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from stock.models import ProductStock, WarehouseStock
from stock.selectors import is_low_stock, stocks_low, stocks_stale, warehouse_choices
from tests.factories import ProductFactory, StockSnapshotFactory

pytestmark = pytest.mark.django_db


def stock_row(
    number: str,
    *,
    sellable,
    reserved=0,
    min_sellable=None,
    checked_ago: timedelta | None = timedelta(0),
    warehouses: dict[str, int] | None = None,
) -> ProductStock:
    snapshot = StockSnapshotFactory(
        product=ProductFactory(number=number),
        physical=Decimal(sellable) + reserved,
        reserved=Decimal(reserved),
    )
    for warehouse_id, physical in (warehouses or {}).items():
        WarehouseStock.objects.create(
            snapshot=snapshot, warehouse_id=warehouse_id, physical=physical
        )
    return ProductStock.objects.create(
        product=snapshot.product,
        latest=snapshot,
        min_sellable=min_sellable,
        checked_at=None if checked_ago is None else timezone.now() - checked_ago,
    )


def numbers(rows) -> set[str]:
    return {row.product.number for row in rows}


@pytest.fixture
def staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("mgr", "m@example.com", "pw"))
    return client


def overview(staff, **params) -> set[str]:
    response = staff.get(reverse("admin:stock_productstock_changelist"), params)
    assert response.status_code == 200
    return numbers(response.context["cl"].result_list)


def test_low_stock_is_sellable_below_the_products_own_minimum_else_the_default(settings):
    settings.STOCK_MIN_SELLABLE_DEFAULT = 5
    stock_row("BELOW-DEFAULT", sellable=4)
    stock_row("AT-DEFAULT", sellable=5)
    stock_row("BELOW-OWN", sellable=20, min_sellable=50)
    stock_row("ABOVE-OWN", sellable=3, min_sellable=2)
    ProductStock.objects.create(product=ProductFactory(number="NEVER-READ"))
    rows = ProductStock.objects.select_related("product", "latest")
    assert numbers(stocks_low(rows)) == {"BELOW-DEFAULT", "BELOW-OWN"}
    # The Python rule (alerts, poller) and the filter (admin) agree row by row.
    assert numbers(row for row in rows if is_low_stock(row)) == {"BELOW-DEFAULT", "BELOW-OWN"}


def test_stale_uses_the_pollers_maximum_ages_low_stock_sooner(settings):
    settings.STOCK_MIN_SELLABLE_DEFAULT = 5
    settings.STOCK_MAX_AGE_MIN = 30
    settings.STOCK_LOW_MAX_AGE_MIN = 10
    stock_row("FULL-OLD", sellable=50, checked_ago=timedelta(minutes=45))
    stock_row("FULL-RECENT", sellable=50, checked_ago=timedelta(minutes=20))
    stock_row("LOW-OLD", sellable=1, checked_ago=timedelta(minutes=15))
    stock_row("LOW-RECENT", sellable=1, checked_ago=timedelta(minutes=5))
    stock_row("NEVER-CHECKED", sellable=50, checked_ago=None)
    assert numbers(stocks_stale(ProductStock.objects.all())) == {
        "FULL-OLD",
        "LOW-OLD",
        "NEVER-CHECKED",
    }


def test_overview_filters_use_the_same_rules(staff, settings):
    settings.STOCK_MIN_SELLABLE_DEFAULT = 5
    settings.STOCK_MAX_AGE_MIN = 30
    settings.STOCK_LOW_MAX_AGE_MIN = 10
    stock_row("LOW", sellable=1, warehouses={"1": 1})
    stock_row("FULL", sellable=100, warehouses={"2": 100}, checked_ago=timedelta(minutes=40))
    stock_row("HELD", sellable=10, reserved=4, warehouses={"1": 14}, min_sellable=0)
    assert overview(staff, level="low") == {"LOW"}
    assert overview(staff, level="reserved") == {"HELD"}
    assert overview(staff, level="stale") == {"FULL"}
    assert overview(staff, warehouse="2") == {"FULL"}
    assert overview(staff, warehouse="1") == {"LOW", "HELD"}
    assert overview(staff) == {"LOW", "FULL", "HELD"}
    by_sellable = staff.get(reverse("admin:stock_productstock_changelist"), {"o": "-5"})
    assert [row.product.number for row in by_sellable.context["cl"].result_list] == [
        "FULL",
        "HELD",
        "LOW",
    ]


def test_warehouse_choices_include_warehouses_only_seen_in_snapshots():
    stock_row("A", sellable=1, warehouses={"10": 1, "2": 3})
    assert warehouse_choices() == [("2", "#2"), ("10", "#10")]
