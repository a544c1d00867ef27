"""Who may do what on the stock admin pages: stock viewers read, refreshing from Xentral needs
its own permission, and the custom pages answer 403 to staff without the view permission."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.index import products_sync
from catalog.models import Product
from stock.models import ProductStock, StockSnapshot, StorageLocation
from stock.snapshots import snapshot_take
from stock.warehouses import warehouses_sync
from tests.factories import ProductFactory, StockSnapshotFactory
from tests.staff import action_offered, staff_user

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("admin:stock_productstock_changelist")


def _stock_row() -> ProductStock:
    snapshot = StockSnapshotFactory(product=ProductFactory(number="MUG"), physical=Decimal(3))
    return ProductStock.objects.create(product=snapshot.product, latest=snapshot)


@pytest.fixture
def mug(sandbox) -> ProductStock:
    """MUG in the sandbox with 3 in stock, read once; the sandbox then holds 8."""
    sandbox.seed(products=[{"name": "Mug", "number": "MUG", "stock": {"1": 3}}])
    products_sync()
    snapshot_take(product=Product.objects.get(number="MUG"))
    sandbox.set_stock("MUG", "1", 8)
    sandbox.clear_requests()
    return ProductStock.objects.get(product__number="MUG")


def test_a_stock_viewer_cannot_refresh_from_xentral(client, mug, sandbox):
    client.force_login(staff_user(groups=("Stock viewers",)))

    listing = client.get(OVERVIEW)
    client.post(OVERVIEW, {"action": "refresh_now", "_selected_action": [mug.pk]})

    mug.refresh_from_db()
    assert listing.status_code == 200
    assert not action_offered(listing, "refresh_now")
    assert mug.latest.physical == 3
    assert StockSnapshot.objects.count() == 1
    assert sandbox.requests() == []


def test_refreshing_needs_the_refresh_permission(client, mug):
    client.force_login(staff_user("stock.refresh_productstock", groups=("Stock viewers",)))

    response = client.post(
        OVERVIEW, {"action": "refresh_now", "_selected_action": [mug.pk]}, follow=True
    )

    mug.refresh_from_db()
    assert "1 refreshed, 1 new snapshots." in response.content.decode()
    assert mug.latest.physical == 8


def test_the_stock_page_needs_the_view_permission(client):
    row = _stock_row()
    client.force_login(staff_user("stock.view_warehouse"))

    page = client.get(reverse("admin:stock_product_page", args=[row.pk]))
    change = client.get(reverse("admin:stock_productstock_change", args=[row.pk]))

    assert page.status_code == 403
    assert change.status_code == 403


def test_a_stock_viewer_opens_the_stock_page(client):
    row = _stock_row()
    client.force_login(staff_user(groups=("Stock viewers",)))

    page = client.get(reverse("admin:stock_product_page", args=[row.pk]))
    change = client.get(reverse("admin:stock_productstock_change", args=[row.pk]))
    not_a_number = client.get(reverse("admin:stock_productstock_change", args=["x1"]))

    assert page.status_code == 200
    assert change.status_code == 200
    assert "Stock of MUG" in page.content.decode()
    assert not_a_number.status_code == 404


def test_location_items_need_the_view_permission(client, sandbox):
    sandbox.seed(products=[{"name": "Mug", "number": "MUG", "stock": {"1": 12}}])
    warehouses_sync()
    location = StorageLocation.objects.get(warehouse__xentral_id="1")
    sandbox.clear_requests()
    client.force_login(staff_user("stock.view_productstock"))

    page = client.get(reverse("admin:stock_location_items", args=[location.pk]))

    assert page.status_code == 403
    assert sandbox.requests() == []


def test_a_stock_viewer_reads_location_items(client, sandbox):
    sandbox.seed(products=[{"name": "Mug", "number": "MUG", "stock": {"1": 12}}])
    products_sync()
    warehouses_sync()
    location = StorageLocation.objects.get(warehouse__xentral_id="1")
    client.force_login(staff_user(groups=("Stock viewers",)))

    page = client.get(reverse("admin:stock_location_items", args=[location.pk]))

    assert page.status_code == 200
    assert "MUG" in page.content.decode()


def test_a_stock_viewer_cannot_refresh_from_the_product_page(client, mug, sandbox):
    client.force_login(staff_user(groups=("Stock viewers",)))

    page = client.get(reverse("admin:stock_productstock_change", args=[mug.pk]))
    answer = client.post(reverse("admin:stock_product_refresh", args=[mug.pk]))

    mug.refresh_from_db()
    assert 'id="refresh-now"' not in page.content.decode()
    assert answer.status_code == 403
    assert mug.latest.physical == 3
    assert sandbox.requests() == []


def test_a_stock_manager_refreshes_from_the_product_page(client, mug):
    client.force_login(staff_user(groups=("Stock managers",)))

    answer = client.post(reverse("admin:stock_product_refresh", args=[mug.pk]))

    mug.refresh_from_db()
    assert answer.status_code == 302
    assert mug.latest.physical == 8
