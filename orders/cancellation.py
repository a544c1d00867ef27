"""A channel withdraws an order: stopped before Xentral, cancelled in Xentral, refused once
anything shipped."""

import enum
from dataclasses import dataclass

from backoffice.models import Purpose
from backoffice.xentral.client import XentralClient
from backoffice.xentral.errors import XentralError
from orders.fulfilment import order_fulfilment_record
from orders.fulfilment_sync import fulfilment_refresh
from orders.models import (
    FulfilmentStatus,
    OrderEvent,
    OrderEventKind,
    OrderRequest,
    OrderStatus,
    Shipment,
)
from orders.transitions import order_transition


class CancelOutcome(enum.StrEnum):
    CANCELLED = "cancelled"
    ALREADY_CANCELLED = "already_cancelled"
    SHIPPED = "shipped"
    IN_FLIGHT = "in_flight"
    NOT_CANCELLABLE = "not_cancellable"
    XENTRAL_REFUSED = "xentral_refused"


@dataclass
class CancelResult:
    outcome: CancelOutcome
    order: OrderRequest
    shipment: Shipment | None = None
    detail: str = ""


BEFORE_XENTRAL = [OrderStatus.RECEIVED, OrderStatus.QUEUED, OrderStatus.FAILED]


def order_cancel(
    *, order: OrderRequest, client: XentralClient | None = None, user=None
) -> CancelResult:
    """Cancel the channel's order wherever it is (safe to repeat: a cancelled order stays so)."""
    if order.fulfilment_status == FulfilmentStatus.CANCELLED:
        return CancelResult(CancelOutcome.ALREADY_CANCELLED, _reload(order))
    if order.status in BEFORE_XENTRAL and not order.import_attempted:
        if _stop(order, user=user):
            return CancelResult(CancelOutcome.CANCELLED, _reload(order))
        order = _reload(order)  # it moved meanwhile (claimed by a worker): decide again
    if order.status == OrderStatus.PROCESSING or (
        order.status in BEFORE_XENTRAL and order.import_attempted
    ):
        # An import is under way or its answer was lost: cancelling now could race it.
        return CancelResult(
            CancelOutcome.IN_FLIGHT, order, detail="The order is being sent to Xentral."
        )
    if order.status != OrderStatus.CREATED:
        return CancelResult(
            CancelOutcome.NOT_CANCELLABLE, order, detail=f"The order is {order.status}."
        )
    return _cancel_in_xentral(order, client or XentralClient(purpose=Purpose.ORDER, subject=order),
                              user=user)  # fmt: skip


def _stop(order: OrderRequest, *, user) -> bool:
    return order_transition(
        order_id=order.pk,
        to=OrderStatus.CANCELLED,
        sources=BEFORE_XENTRAL,
        where={"import_attempted": False},
        user=user,
        kind=OrderEventKind.CANCELLED,
        message="Cancelled by the channel before it reached Xentral",
        fields={"fulfilment_status": FulfilmentStatus.CANCELLED, "next_attempt_at": None},
    )


def _cancel_in_xentral(order: OrderRequest, client: XentralClient, *, user) -> CancelResult:
    # What Xentral knows now decides: a shipment since the last poll makes it too late.
    fulfilment_refresh(orders=[order], client=client, force=True)
    order = _reload(order)
    shipment = order.shipments.first()
    if shipment is not None:
        return CancelResult(CancelOutcome.SHIPPED, order, shipment=shipment)
    if order.fulfilment_status == FulfilmentStatus.CANCELLED:
        return CancelResult(CancelOutcome.ALREADY_CANCELLED, order)
    try:
        client.post(f"/api/v1/salesOrders/{order.xentral_order_id}/actions/cancel", json={})
    except XentralError as error:
        if error.status == 409:
            return _refused(order, error, user=user)
        raise
    order_fulfilment_record(
        order_id=order.pk,
        xentral_status="canceled",
        cancelled=True,
        user=user,
        message=f"Cancelled in Xentral ({order.xentral_order_number}) at the channel's request",
    )
    return CancelResult(CancelOutcome.CANCELLED, _reload(order))


def _refused(order: OrderRequest, error: XentralError, *, user) -> CancelResult:
    # Xentral's cancel action takes only orders in status created or completed (its document),
    # and a V1 import releases the order: staff can still cancel it in Xentral's own screens,
    # which the hub then learns like any other cancellation.
    detail = (
        f"Xentral refused to cancel {order.xentral_order_number} (status "
        f"{order.xentral_status or 'unknown'}): {error.problem_text}. Its cancel action takes "
        "only orders in status created or completed; staff can cancel it in Xentral."
    )
    OrderEvent.objects.create(
        order=order, kind=OrderEventKind.XENTRAL_CALL, message=detail, user=user
    )
    return CancelResult(CancelOutcome.XENTRAL_REFUSED, order, detail=detail)


def _reload(order: OrderRequest) -> OrderRequest:
    return OrderRequest.objects.select_related("channel").get(pk=order.pk)
