"""django-q2 schedules of the core (installed by every `migrate`)."""

SCHEDULES = [
    {
        # Events are handed to a worker on arrival; this catches what the broker missed.
        "name": "backoffice: process pending Xentral events",
        "func": "backoffice.tasks.process_pending_xentral_events",
        "schedule_type": "I",
        "minutes": 1,
    },
]
