"""An import update changes only the columns its file has: the product index keeps the rest,
as Xentral does (the PATCH never sends a column the file left out)."""

import pytest
import requests

from catalog.imports.apply import import_apply
from catalog.imports.dry_run import import_create
from catalog.models import Product, ProductKind, RowAction, SalesTax
from tests.factories import channel_with_key

pytestmark = pytest.mark.django_db(transaction=True)

FULL = b"number,name,ean,sales_tax,is_stock_item\nK-1,Kettle,4006381333931,reduced,0\n"


def apply_file(content: bytes):
    product_import = import_create(content=content, run_now=True)
    import_apply(product_import=product_import, run_now=True)
    return product_import


@pytest.fixture
def kettle(sandbox):
    apply_file(FULL)
    return Product.objects.get(number="K-1")


def test_an_update_without_an_ean_column_keeps_the_ean(kettle, sandbox, live_server):
    sandbox.clear_requests()
    update = apply_file(b"number,name\nK-1,Kettle 1.7 l\n")
    assert update.rows.get().action == RowAction.UPDATE
    product = Product.objects.get(number="K-1")
    assert (product.name, product.ean) == ("Kettle 1.7 l", "4006381333931")
    [patch] = sandbox.requests(method="PATCH")
    assert patch["body"] == {"name": "Kettle 1.7 l"}
    key = channel_with_key(scopes=["catalog:read"])[1]
    answer = requests.get(
        f"{live_server.url}/api/v1/catalog/resolve",
        params={"ean": "4006381333931"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 200
    assert answer.json()["number"] == "K-1"


def test_an_update_without_a_sales_tax_column_keeps_the_category(kettle):
    apply_file(b"number,name,ean\nK-1,Kettle,4006381333931\n")
    assert Product.objects.get(number="K-1").sales_tax == SalesTax.REDUCED


def test_an_update_without_a_stock_item_column_keeps_the_flag_and_kind(kettle):
    assert (kettle.is_stock_item, kettle.kind) == (False, ProductKind.SERVICE)
    apply_file(b"number,name\nK-1,Kettle\n")
    product = Product.objects.get(number="K-1")
    assert (product.is_stock_item, product.kind) == (False, ProductKind.SERVICE)


def test_columns_the_file_has_are_updated(kettle):
    apply_file(b"number,name,ean,sales_tax,is_stock_item\nK-1,Kettle,4006381333948,standard,1\n")
    product = Product.objects.get(number="K-1")
    assert (product.ean, product.sales_tax, product.is_stock_item, product.kind) == (
        "4006381333948",
        SalesTax.STANDARD,
        True,
        ProductKind.SIMPLE,
    )


def test_a_jit_kit_updated_without_kind_columns_stays_a_kit(sandbox):
    apply_file(b"number,name\nPART-1,Part\n")
    apply_file(b"number,name,bom,is_jit\nKIT-1,Kit,PART-1*2,1\n")
    assert Product.objects.get(number="KIT-1").kind == ProductKind.JIT
    apply_file(b"number,name\nKIT-1,Kit deluxe\n")
    kit = Product.objects.get(number="KIT-1")
    assert (kit.name, kit.kind) == ("Kit deluxe", ProductKind.JIT)
