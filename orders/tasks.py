"""django-q2 tasks of the orders app: thin wrappers that take ids and are safe to run twice."""

from orders.fulfilment_sync import fulfilment_poll
from orders.numbers import order_numbers_read
from orders.retries import orders_retry_due
from orders.webhooks import webhook_deliver, webhooks_deliver_due


def retry_due_orders() -> int:
    attempted = orders_retry_due()
    # After the drain, so orders still waiting to be created go first.
    order_numbers_read()
    return attempted


def deliver_webhook(delivery_id: int) -> str:
    return webhook_deliver(delivery_id=delivery_id).status


def deliver_due_webhooks() -> int:
    return webhooks_deliver_due()


def poll_fulfilment() -> int:
    return fulfilment_poll()
