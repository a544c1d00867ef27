"""django-q2 schedules of the Centra connector (installed by every `migrate`)."""

SCHEDULES = [
    {
        # Events are handed to a worker on arrival; this catches what the broker missed and
        # what Centra's rate limit held back.
        "name": "centra: process pending webhook events",
        "func": "connectors.centra.tasks.process_pending_events",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        # Centra's webhook retries are off by default: a lost delivery is found here.
        "name": "centra: orders updated since the last sync",
        "func": "connectors.centra.tasks.sync_orders",
        "schedule_type": "I",
        "minutes": 5,
    },
    {
        # Confirmations and shipments a lost task or Centra's rate limit held back.
        "name": "centra: confirm orders and complete shipments left over",
        "func": "connectors.centra.tasks.sweep_backlog",
        "schedule_type": "I",
        "minutes": 5,
    },
]
