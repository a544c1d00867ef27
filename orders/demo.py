"""Demo orders for a fresh installation: one created, one failed for staff to fix."""

from backoffice.models import Channel
from orders.serializers import validated_payload
from orders.services import order_submit

DEMO_CUSTOMER = {
    "email": "kunde@example.com",
    "name": "Max Mustermann",
    "street": "Musterstraße 1",
    "zip": "12345",
    "city": "Musterstadt",
    "country": "DE",
}


def populate(*, channel: Channel, stdout) -> None:
    orders = [
        {
            "reference": "DEMO-1001",
            "customer": DEMO_CUSTOMER,
            "items": [{"sku": "ART-001", "quantity": 2}, {"sku": "ART-002", "quantity": 1}],
            "shipping": "dhl_standard",
            "payment": "paypal",
        },
        {
            # Fails with an unknown SKU: staff corrects it to ART-003 in the admin.
            "reference": "DEMO-1002",
            "customer": DEMO_CUSTOMER,
            "items": [{"sku": "ART-9999", "quantity": 1}],
            "shipping": "dhl_standard",
            "payment": "invoice",
        },
    ]
    for data in orders:
        payload = validated_payload(data, allow_customer_creation=channel.allow_customer_creation)
        result = order_submit(channel=channel, payload=payload)
        stdout.write(f"order {data['reference']}: {result.order.status}\n")
