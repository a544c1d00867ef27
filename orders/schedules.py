"""django-q2 schedules of the orders app (installed by every `migrate`)."""

SCHEDULES = [
    {
        "name": "orders: retry due orders",
        "func": "orders.tasks.retry_due_orders",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        "name": "orders: deliver due webhooks",
        "func": "orders.tasks.deliver_due_webhooks",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        # Finds shipments and cancellations when Xentral's events are off or lost.
        "name": "orders: poll fulfilment",
        "func": "orders.tasks.poll_fulfilment",
        "schedule_type": "I",
        "minutes": 1,
    },
]
