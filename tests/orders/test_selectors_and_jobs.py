"""What other apps and the scheduler use from orders: selectors, schedules, demo data."""

import importlib
import io
from datetime import timedelta

import pytest
from django.utils import module_loading, timezone

from catalog.models import Product
from orders.demo import populate
from orders.errors import OrderErrorCode
from orders.models import OrderEvent, OrderEventKind, OrderRequest, OrderStatus
from orders.schedules import SCHEDULES
from orders.selectors import product_ids_ordered_since, unknown_skus_seen
from orders.serializers import validated_payload
from orders.services import order_submit
from tests.factories import OrderRequestFactory
from tests.orders.conftest import order_payload

pytestmark = pytest.mark.django_db(transaction=True)


def _submit(channel, **overrides):
    payload = validated_payload(order_payload(**overrides), allow_customer_creation=True)
    return order_submit(channel=channel, payload=payload).order


def test_product_ids_ordered_since_lists_products_of_created_orders(demo, channel):
    _submit(channel)

    ids = product_ids_ordered_since(since=timezone.now() - timedelta(minutes=1))

    expected = set(
        Product.objects.filter(number__in=["ART-001", "ART-002"]).values_list(
            "xentral_id", flat=True
        )
    )
    assert ids == expected
    assert product_ids_ordered_since(since=timezone.now() + timedelta(minutes=1)) == set()


def test_unknown_skus_seen_counts_orders_per_sku(demo, channel):
    _submit(channel, reference="U-1", items=[{"sku": "GONE-1", "quantity": 1}])
    _submit(
        channel,
        reference="U-2",
        items=[{"sku": "GONE-1", "quantity": 1}, {"sku": "GONE-2", "quantity": 1}],
    )

    seen = unknown_skus_seen()

    assert [(row["sku"], row["orders"]) for row in seen] == [("GONE-1", 2), ("GONE-2", 1)]
    last = OrderEvent.objects.filter(kind=OrderEventKind.FAILED).latest("at").at
    assert seen[0]["last_seen"] == last


def test_unknown_skus_seen_reads_the_stored_sku_not_the_message(db):
    # The message is for people and may be worded any way; the report reads the `sku` field.
    order = OrderRequestFactory(status=OrderStatus.FAILED)
    error = {
        "field": "items[0].sku",
        "code": OrderErrorCode.UNKNOWN_SKU,
        "message": "Artikel nicht gefunden",
        "sku": "GONE 9",
    }
    OrderEvent.objects.create(order=order, kind=OrderEventKind.FAILED, data={"errors": [error]})

    assert [(row["sku"], row["orders"]) for row in unknown_skus_seen()] == [("GONE 9", 1)]


def test_unknown_external_number_has_its_own_code_and_is_no_unknown_sku(demo, channel):
    order = _submit(
        channel,
        reference="X-1",
        items=[{"external_number": "EXT-404", "target": "7", "quantity": 1}],
    )

    assert order.errors == [
        {
            "field": "items[0].external_number",
            "code": OrderErrorCode.UNKNOWN_EXTERNAL_NUMBER,
            "message": "Item EXT-404 not found for target 7",
            "external_number": "EXT-404",
            "target": "7",
        }
    ]
    assert unknown_skus_seen() == []


def test_every_schedule_points_at_a_task_that_runs(demo):
    for schedule in SCHEDULES:
        task = module_loading.import_string(schedule["func"])
        assert task() == 0
        assert schedule["schedule_type"] == "I"


def test_demo_populate_creates_one_order_and_one_for_staff_to_fix(demo, channel):
    out = io.StringIO()

    populate(channel=channel, stdout=out)

    statuses = dict(OrderRequest.objects.values_list("reference", "status"))
    assert statuses == {"DEMO-1001": OrderStatus.CREATED, "DEMO-1002": OrderStatus.FAILED}
    assert "DEMO-1002: failed" in out.getvalue()


def test_legacy_unknown_item_errors_gain_their_label_as_a_field():
    migration = importlib.import_module("orders.migrations.0004_structured_unknown_item_errors")
    legacy_sku = {"field": "items[1].sku", "code": "unknown_sku", "message": "Item A 1 not found"}
    legacy_number = {
        "field": "items[0].external_number",
        "code": "unknown_sku",
        "message": "Item EXT-9 not found",
    }
    other = {"field": "", "code": "xentral_rejected", "message": "Item X not found"}

    assert migration.structured_error(legacy_sku) == {**legacy_sku, "sku": "A 1"}
    assert migration.structured_error(legacy_number) == {
        **legacy_number,
        "code": OrderErrorCode.UNKNOWN_EXTERNAL_NUMBER,
        "external_number": "EXT-9",
    }
    assert migration.structured_error(other) == other
