"""The Centra connector's part in choosing an order's Xentral project (orders/projects.py): the
project the channel's market/store mapping chose when the order was read from Centra."""

from connectors.centra.models import CentraOrder
from orders.models import OrderRequest
from orders.projects import OrderProject


def centra_order_project(order: OrderRequest) -> OrderProject | None:
    if not order.reference.isdigit():
        return None
    binding = (
        CentraOrder.objects.filter(centra__channel_id=order.channel_id, number=int(order.reference))
        .exclude(project_id="")
        .values("project_id", "project_rule")
        .first()
    )
    if binding is None:
        return None
    return OrderProject(
        binding["project_id"], f"Centra {binding['project_rule'].replace(':', ' ')}"
    )


PROJECTS = {"centra": centra_order_project}
