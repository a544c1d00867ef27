"""django-q2 tasks of the Centra connector: thin wrappers that take ids and are safe to run
twice."""

from django_q.tasks import async_task

from connectors.centra.events_queue import centra_events_queue_read_all
from connectors.centra.orders_in import (
    centra_events_process,
    centra_events_process_pending,
    centra_orders_sync_all,
)
from connectors.centra.orders_out import (
    centra_backlog_sweep,
    centra_order_cancelled,
    centra_order_confirm,
    centra_shipment_push,
)
from connectors.centra.stock_out import (
    centra_stock_push_due,
    centra_stock_push_queued,
    centra_stock_resync_all,
)


def events_enqueue(*, centra_id: int) -> None:
    async_task("connectors.centra.tasks.process_events", centra_id, task_name=f"centra-{centra_id}")


def process_events(centra_id: int) -> int:
    return centra_events_process(centra_id=centra_id)


def process_pending_events() -> int:
    return centra_events_process_pending()


def sync_orders() -> int:
    return centra_orders_sync_all()


def read_events_queue() -> int:
    return centra_events_queue_read_all()


def confirm_order(order_id: str) -> str:
    binding = centra_order_confirm(order_id=order_id)
    return binding.state if binding is not None else "not a Centra order"


def push_shipment(shipment_id: int) -> str:
    link = centra_shipment_push(shipment_id=shipment_id)
    return link.state if link is not None else "not a Centra order"


def order_cancelled(order_id: str) -> bool:
    return centra_order_cancelled(order_id=order_id) is not None


def sweep_backlog() -> int:
    return centra_backlog_sweep()


def push_stock(centra_id: int) -> int:
    return centra_stock_push_queued(centra_id=centra_id).calls


def push_due_stock() -> int:
    return centra_stock_push_due()


def resync_stock() -> int:
    return centra_stock_resync_all()
