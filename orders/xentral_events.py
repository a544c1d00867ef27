"""Xentral events the orders app acts on: a sales order changed, was dispatched or shipped.
The event only names the order; its fulfilment is read again through REST."""

from orders.fulfilment_sync import fulfilment_client, fulfilment_refresh
from orders.models import OrderRequest, OrderStatus


def _sales_order_changed(body: dict) -> None:
    # A shipment event names its shipment in `id` and the order in `salesOrderId`.
    sales_order = body.get("salesOrderId", body.get("id"))
    if sales_order is None:
        return
    orders = list(
        OrderRequest.objects.filter(
            status=OrderStatus.CREATED, xentral_order_id=str(sales_order)
        ).exclude(xentral_order_number="")
    )
    if orders:
        fulfilment_refresh(orders=orders, client=fulfilment_client(subject=orders[0]))


HANDLERS = {
    "com.xentral.salesOrder.updated.v1": _sales_order_changed,
    "com.xentral.salesOrder.dispatched.v1": _sales_order_changed,
    "com.xentral.shipment.created.v1": _sales_order_changed,
}
