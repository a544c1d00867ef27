"""django-q2 schedules of the Centra connector (installed by every `migrate`)."""

from connectors.centra.stock_schedule import next_nightly_run

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
        # Where a channel enables Centra's events queue: a second safety net, read about once a
        # minute as Centra advises; channels without it are not asked.
        "name": "centra: read the events queue",
        "func": "connectors.centra.tasks.read_events_queue",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        # Confirmations and shipments a lost task or Centra's rate limit held back.
        "name": "centra: confirm orders and complete shipments left over",
        "func": "connectors.centra.tasks.sweep_backlog",
        "schedule_type": "I",
        "minutes": 5,
    },
    {
        # Stock pushes Centra's rate limit or an outage held back, and tasks the broker lost.
        "name": "centra: push owed stock",
        "func": "connectors.centra.tasks.push_due_stock",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        # Centra's advice: a daily full resync, at night when stock moves least.
        "name": "centra: nightly stock resync",
        "func": "connectors.centra.tasks.resync_stock",
        "schedule_type": "D",
        "next_run": next_nightly_run(),
    },
]
