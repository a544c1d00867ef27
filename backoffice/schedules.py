"""django-q2 schedules of the core (installed by every `migrate`)."""

SCHEDULES = [
    {
        # Events are handed to a worker on arrival; this catches what the broker missed.
        "name": "backoffice: process pending Xentral events",
        "func": "backoffice.tasks.process_pending_xentral_events",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        # Names of payment/shipping methods and reference targets for the admin pages.
        "name": "backoffice: Xentral names",
        "func": "backoffice.tasks.sync_xentral_names",
        "schedule_type": "D",
    },
]
