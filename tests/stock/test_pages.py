"""The stock pages as a manager reads them: figures without trailing zeros (never rounded),
warehouses and sales channels by name, and the demo filling the per-channel table."""

from decimal import Decimal
from io import StringIO

import pytest
from django.urls import reverse

from catalog.index import products_sync
from catalog.models import Product
from stock.demo import populate
from stock.models import ChannelStock, ProductStock
from stock.snapshots import snapshot_take
from stock.templatetags.stock_figures import figure
from stock.warehouses import warehouses_sync
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("22.0000"), "22"),
        (Decimal("0.1250"), "0.125"),
        (Decimal("100.0000"), "100"),
        (Decimal("12345678.0001"), "12345678.0001"),
        (Decimal("-2.5000"), "-2.5"),
        (Decimal("0.0000"), "0"),
        (None, "-"),
    ],
)
def test_figures_drop_trailing_zeros_and_are_never_rounded(value, shown):
    assert figure(value) == shown


@pytest.fixture
def staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("mgr", "m@example.com", "pw"))
    return client


def test_the_stock_page_names_warehouses_and_sales_channels(sandbox, staff):
    sandbox.seed(
        warehouses=[{"designation": "Hamburg"}],
        salesChannels=[{"name": "Shop", "type": "shop"}],
        products=[
            {
                "name": "Mug",
                "number": "MUG",
                "stock": {"1": 12.5, "2": 3},
                "salesChannels": [{"id": "1", "pseudo": 7, "correction": None}],
            }
        ],
    )
    products_sync()
    warehouses_sync()
    ChannelFactory(name="B2B portal", sales_channel_id="1")
    snapshot_take(product=Product.objects.get(number="MUG"))
    row = ProductStock.objects.get(product__number="MUG")
    page = staff.get(reverse("admin:stock_productstock_change", args=[row.pk])).content.decode()
    assert '<td class="number">15.5</td>' in page
    assert "Hamburg <span" in page
    assert "B2B portal <span" in page
    assert "15.5000" not in page


def test_demo_fills_the_per_channel_table(sandbox):
    sandbox.seed_demo()
    products_sync(full=True)
    populate(channel=ChannelFactory(sales_channel_id="1"), stdout=StringIO())
    rows = ChannelStock.objects.filter(snapshot__product__number__in=["ART-001", "ART-004"])
    assert sorted(
        (r.snapshot.product.number, r.sales_channel_id, r.pseudo, r.correction) for r in rows
    ) == [("ART-001", "1", Decimal(10), None), ("ART-004", "1", None, Decimal(-2))]


def test_refresh_now_from_the_product_page_reads_xentral_and_comes_back(sandbox, staff):
    sandbox.seed(products=[{"name": "Mug", "number": "MUG", "stock": {"1": 5}}])
    products_sync()
    snapshot_take(product=Product.objects.get(number="MUG"))
    sandbox.set_stock("MUG", "1", 9)
    row = ProductStock.objects.get(product__number="MUG")
    page = reverse("admin:stock_productstock_change", args=[row.pk])
    assert 'id="refresh-now"' in staff.get(page).content.decode()
    answer = staff.post(reverse("admin:stock_product_refresh", args=[row.pk]))
    assert (answer.status_code, answer["Location"]) == (302, page)
    row.refresh_from_db()
    assert row.latest.physical == 9
    assert staff.get(reverse("admin:stock_product_refresh", args=[row.pk])).status_code == 403
