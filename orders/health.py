"""The orders app's part of the hub's health: orders the sweeper should have picked up."""

from orders.selectors import orders_overdue


def checks() -> dict[str, dict]:
    """`{name: {"ok": bool, ...}}`: a total only, never per channel or with ids."""
    overdue = orders_overdue().count()
    return {"orders": {"ok": overdue == 0, "overdue": overdue}}
