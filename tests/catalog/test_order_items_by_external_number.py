"""Order items may name a channel's foreign number instead of a SKU; the hub's mapping
resolves it without asking Xentral."""

import pytest

from catalog.imports.apply import import_apply
from catalog.imports.dry_run import import_create
from orders.serializers import validated_payload
from orders.services import order_submit
from tests.factories import channel_with_key

pytestmark = pytest.mark.django_db


def test_order_item_by_external_number_becomes_the_mapped_product(sandbox):
    sandbox.seed(
        externalReferenceTargets=[{"name": "Shop"}],
        customers=[{"firstname": "Erika", "lastname": "M", "email": "e@example.com"}],
        paymentMethods=[{"type": "paypal", "designation": "PayPal"}],
        shippingMethods=[{"type": "dhl", "designation": "DHL"}],
    )
    content = b"number,name,external_references\nMUG-1,Mug,1:SHOP-MUG\n"
    import_apply(product_import=import_create(run_now=True, content=content), run_now=True)
    mug_id = next(p["id"] for p in sandbox.state()["products"] if p["number"] == "MUG-1")
    channel, _ = channel_with_key()
    sandbox.clear_requests()
    payload = validated_payload(
        {"reference": "EXT-1", "customer": {"email": "e@example.com"},
         "items": [{"external_number": "SHOP-MUG", "target": "1", "quantity": 2}],
         "shipping": "dhl", "payment": "paypal"},
        allow_customer_creation=False,
    )  # fmt: skip
    order = order_submit(channel=channel, payload=payload).order
    assert order.status == "created", order.errors
    [imported] = [e for e in sandbox.requests(method="POST") if e["path"].endswith("/import")]
    assert imported["body"]["positions"][0]["product"] == {"id": mug_id}
    assert not [e for e in sandbox.requests(method="GET") if e["path"] == "/api/v2/products"]
