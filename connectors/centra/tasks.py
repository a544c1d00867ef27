"""django-q2 tasks of the Centra connector: thin wrappers that take ids and are safe to run
twice."""

from django_q.tasks import async_task

from connectors.centra.orders_in import (
    centra_events_process,
    centra_events_process_pending,
    centra_orders_sync_all,
)


def events_enqueue(*, centra_id: int) -> None:
    async_task("connectors.centra.tasks.process_events", centra_id, task_name=f"centra-{centra_id}")


def process_events(centra_id: int) -> int:
    return centra_events_process(centra_id=centra_id)


def process_pending_events() -> int:
    return centra_events_process_pending()


def sync_orders() -> int:
    return centra_orders_sync_all()
