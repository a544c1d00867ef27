"""The Xentral project an order goes to: the channel's, unless the channel's connector chose
one for this order (a Centra market mapped to a project).

A connector declares `PROJECTS = {"<channel kind>": chooser}` in an `order_project` module,
found through the app hooks, so `orders` never imports it; a chooser takes the order and
returns an `OrderProject` or None. The project is never taken from the payload: channels of
the public API cannot choose one (an API payload naming `project` is refused as an unknown
field), and staff fixing a payload cannot lose it.
"""

from dataclasses import dataclass

from backoffice.app_hooks import app_hook_entries
from orders.models import OrderRequest


@dataclass(frozen=True)
class OrderProject:
    id: str
    source: str  # what chose it, in staff's words


def order_project(*, order: OrderRequest) -> OrderProject | None:
    """The connector's choice, else the channel's project (None when the channel has none)."""
    channel = order.channel
    for chooser in app_hook_entries("order_project", "PROJECTS", channel.kind):
        chosen = chooser(order)
        if chosen is not None:
            return chosen
    if not channel.project_id:
        return None
    return OrderProject(str(channel.project_id), f"channel {channel.name}")
