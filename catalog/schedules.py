"""django-q2 schedules of the catalog app (installed by every `migrate`)."""

SCHEDULES = [
    {
        "name": "hub:catalog:sync-products",
        "func": "catalog.index_tasks.sync_products_task",
        "schedule_type": "I",
        "minutes": 10,
    },
]
