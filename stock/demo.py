"""Demo stock: warehouses cached and one poll, so the overview shows figures at once."""

from stock.poller import stock_poll_cycle
from stock.warehouses import warehouses_sync


def populate(*, channel, stdout) -> None:
    warehouses, locations = warehouses_sync()
    cycle = stock_poll_cycle(budget=1000)
    stdout.write(
        f"stock: {warehouses} warehouses, {locations} locations; "
        f"{cycle.snapshots_written} snapshots from {cycle.calls_spent} calls\n"
    )
