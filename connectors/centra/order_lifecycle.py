"""The Centra connector's part in an order's lifecycle (orders/lifecycle.py): each change of a
Centra channel's order queues the work that tells Centra; the backlog sweep repeats it."""

from django_q.tasks import async_task

from orders.lifecycle import LifecycleChange, LifecycleEvent


def order_changed(event: LifecycleEvent) -> None:
    if event.change == LifecycleChange.CREATED:
        async_task("connectors.centra.tasks.confirm_order", event.order_id)
    elif event.change == LifecycleChange.SHIPPED and event.shipment_id is not None:
        async_task("connectors.centra.tasks.push_shipment", event.shipment_id)
    elif event.change == LifecycleChange.CANCELLED:
        async_task("connectors.centra.tasks.order_cancelled", event.order_id)


HANDLERS = {"centra": order_changed}
