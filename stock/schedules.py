"""django-q2 schedules of the stock app (installed by every `migrate`)."""

SCHEDULES = [
    {
        "name": "hub:stock:poll",
        "func": "stock.tasks.poll_stock",
        "schedule_type": "I",
        "minutes": 1,
    },
    {"name": "hub:stock:warehouses", "func": "stock.tasks.sync_warehouses", "schedule_type": "D"},
    {"name": "hub:stock:prune", "func": "stock.tasks.prune_history", "schedule_type": "D"},
]
