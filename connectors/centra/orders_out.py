"""Back to Centra: once Xentral has an order, lock and confirm it in Centra (per channel); when
Xentral ships, create the Centra shipment for the shipped lines and complete it with carrier
and tracking number, exactly once per Xentral shipment; a cancellation in Xentral opens a staff
alert (nothing is refunded automatically).

Exactly once: the Xentral shipment's binding is claimed before any call; the Centra shipment id
is saved in its own transaction the moment Centra returns it, before the completing call; a
create whose answer was lost is looked for among the order's shipments before another is sent.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from backoffice.models import StaffAlert
from backoffice.services import staff_alert_open, staff_alerts_resolve
from connectors.centra.client import CentraClient
from connectors.centra.errors import CentraError, CentraUserError, CentraUserWarning
from connectors.centra.models import (
    CentraOrder,
    CentraOrderState,
    CentraShipment,
    CentraShipmentState,
)
from orders.models import OrderStatus, Shipment

logger = logging.getLogger(__name__)

CLAIM_FOR = timedelta(minutes=5)
PENDING_CENTRA_STATUS = "PENDING"


def centra_order_confirm(*, order_id) -> CentraOrder | None:
    """Lock the Centra order and confirm it if it is still pending; safe to run again. A
    Centra fault leaves it for the sweep; a refusal is kept on the binding for staff."""
    binding = (
        CentraOrder.objects.select_related("centra__channel", "order")
        .filter(order_id=order_id)
        .first()
    )
    if binding is None or binding.state == CentraOrderState.CONFIRMED:
        return binding
    if binding.order.status != OrderStatus.CREATED or not binding.centra.confirm_orders:
        return binding
    client = CentraClient(binding.centra, subject=binding.order)
    try:
        locked = client.mutate("LockOrders", {"orders": [{"number": binding.number}]})
        status = next(
            (o["status"] for o in locked.get("orders") or [] if o["number"] == binding.number),
            PENDING_CENTRA_STATUS,
        )
        if status == PENDING_CENTRA_STATUS:  # an auto-confirmed store skips PENDING
            client.mutate("ConfirmOrder", {"number": binding.number})
    except CentraError as exc:
        if not exc.retryable:
            CentraOrder.objects.filter(pk=binding.pk).update(error=str(exc)[:2000])
        logger.warning("Centra order %s not confirmed: %s", binding.number, exc)
        return binding
    CentraOrder.objects.filter(pk=binding.pk).update(
        state=CentraOrderState.CONFIRMED, confirmed_at=timezone.now(), error=""
    )
    binding.refresh_from_db()
    return binding


def _claim(link: CentraShipment) -> bool:
    now = timezone.now()
    return bool(
        CentraShipment.objects.filter(pk=link.pk)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM_FOR)
    )


def _release(link: CentraShipment, **fields) -> None:
    CentraShipment.objects.filter(pk=link.pk).update(claimed_until=None, **fields)


def _lines_for(binding: CentraOrder, shipment: Shipment) -> list[dict]:
    """Centra lines for the shipped quantities: each SKU's units taken from its lines in order,
    less what earlier shipments of the order already took."""
    taken: dict[int, int] = {}
    for other in binding.shipments.exclude(shipment=shipment):
        for line in other.lines:
            taken[line["line_id"]] = taken.get(line["line_id"], 0) + line["quantity"]
    lines = []
    for shipped in shipment.lines:
        wanted = int(float(shipped["quantity"]))
        for line in binding.lines:
            if wanted <= 0:
                break
            if line["sku"] != shipped["sku"]:
                continue
            left = line["quantity"] - taken.get(line["line_id"], 0)
            quantity = min(left, wanted)
            if quantity > 0:
                lines.append({"line_id": line["line_id"], "quantity": quantity})
                taken[line["line_id"]] = taken.get(line["line_id"], 0) + quantity
                wanted -= quantity
    return lines


def _shipments_in_centra(client: CentraClient, number: int) -> list[dict]:
    data = client.query("OrderShipments", {"numbers": [number]})
    orders = data.get("orders") or []
    return orders[0].get("shipments") or [] if orders else []


def _lost_create(client: CentraClient, link: CentraShipment, number: int) -> dict | None:
    """The Centra shipment a lost create answer made: same lines, bound to no other."""
    bound = set(
        CentraShipment.objects.exclude(pk=link.pk)
        .exclude(centra_id__isnull=True)
        .values_list("centra_id", flat=True)
    )
    wanted = sorted((line["line_id"], line["quantity"]) for line in link.lines)
    for found in _shipments_in_centra(client, number):
        lines = sorted((line["orderLine"]["id"], line["quantity"]) for line in found["lines"])
        if found["id"] not in bound and lines == wanted:
            return found
    return None


class _NotPaid(Exception):
    """Centra holds the shipment but completes only paid ones."""

    def __init__(self, number: str, reason: str = ""):
        super().__init__(
            f"Centra shipment {number} is not paid" + (f" ({reason})" if reason else "")
        )
        self.number = number


def _create(client: CentraClient, link: CentraShipment, binding: CentraOrder) -> dict:
    """Create the Centra shipment and save its id at once; returns it ({id number isPaid});
    unpaid (a capture Centra could not make, or none asked for) raises `_NotPaid`."""
    centra = binding.centra
    shipment_input = {
        "order": {"number": binding.number},
        "lines": [{"orderLine": {"id": line["line_id"]}, "quantity": line["quantity"]}
                  for line in link.lines],
        "isGoodToGo": True,
        "sendEmail": False,
    }  # fmt: skip
    if centra.capture_on_shipment:
        shipment_input["capture"] = True
    CentraShipment.objects.filter(pk=link.pk).update(create_attempted=True)
    warning = ""
    try:
        payload = client.mutate("CreateShipment", {"input": shipment_input})
    except CentraUserWarning as warned:  # created, with a remark (a failed capture): keep it
        payload = warned.data or {}
        warning = str(warned)
        logger.warning("Centra shipment for order %s: %s", binding.number, warned)
    shipment = payload["shipment"]
    with transaction.atomic():
        CentraShipment.objects.filter(pk=link.pk).update(
            centra_id=int(shipment["id"]), state=CentraShipmentState.CREATED
        )
    if not shipment["isPaid"]:
        raise _NotPaid(shipment["number"], warning)
    return shipment


def _complete(client: CentraClient, link: CentraShipment, centra_id: int, number: int) -> None:
    shipment = link.shipment
    info = {"carrier": shipment.carrier or None, "trackingNumber": shipment.tracking_number or None}
    try:
        client.mutate(
            "CompleteShipment",
            {"id": centra_id, "input": {"shipmentInfo": info, "sendEmail": True}},
        )
    except CentraUserError as refused:
        # A completion whose answer was lost is refused the second time; an unpaid shipment
        # is refused too: see what Centra has.
        found = [s for s in _shipments_in_centra(client, number) if int(s["id"]) == centra_id]
        if found and found[0]["isShipped"]:
            return
        if found and not found[0]["isPaid"]:
            raise _NotPaid(found[0]["number"], str(refused)) from refused
        raise


def _complete_paid(client: CentraClient, link: CentraShipment, centra_id: int, binding) -> None:
    """Complete; a shipment Centra holds unpaid is captured first when the channel captures
    (Centra's advice after a failed capture: captureShipment later), then completed."""
    try:
        _complete(client, link, centra_id, binding.number)
    except _NotPaid as unpaid:
        if not binding.centra.capture_on_shipment:
            raise
        try:
            client.mutate("CaptureShipment", {"id": centra_id})
        except CentraUserWarning as warned:
            logger.warning("Centra capture of shipment %s: %s", centra_id, warned)
        except CentraUserError as refused:
            raise _NotPaid(unpaid.number, str(refused)) from refused
        _complete(client, link, centra_id, binding.number)


def _unpaid_alert(binding: CentraOrder, unpaid: _NotPaid) -> StaffAlert:
    centra = binding.centra
    if centra.capture_on_shipment:
        todo = (
            f"Centra could not capture its payment. In Centra, check order {binding.number}'s "
            "payment (an expired or cancelled authorisation, the payment plugin), capture the "
            "shipment there or mark it paid"
        )
    else:
        todo = (
            "the channel does not capture on shipment. In Centra, capture the shipment's "
            "payment or mark the shipment paid"
        )
    return staff_alert_open(
        kind=StaffAlert.Kind.OTHER,
        message=f"Centra shipment {unpaid.number} of order {binding.number} ({centra.channel}) "
        f"is created but not paid, and Centra completes only paid shipments: {todo}; then "
        "choose 'Retry in Centra' for it under Centra shipments, and the hub completes it "
        "with its tracking number.",
    )


def centra_shipment_push(*, shipment_id: int, retry: bool = False) -> CentraShipment | None:
    """Create and complete the Centra shipment for one Xentral shipment of a Centra order;
    exactly once however often it runs. None when the order did not come from Centra. A
    shipment Centra refused or holds unpaid waits for staff (`retry=True`, their action)."""
    shipment = Shipment.objects.select_related("order").get(pk=shipment_id)
    binding = (
        CentraOrder.objects.select_related("centra__channel")
        .filter(order_id=shipment.order_id)
        .first()
    )
    if binding is None:
        return None
    if binding.centra.confirm_orders and binding.state != CentraOrderState.CONFIRMED:
        # Centra ships only confirmed orders; the sweep comes back if this fails now.
        binding = centra_order_confirm(order_id=shipment.order_id)
        if binding.state != CentraOrderState.CONFIRMED:
            return None
    link, _ = CentraShipment.objects.get_or_create(
        shipment=shipment, defaults={"centra_order": binding}
    )
    if link.state == CentraShipmentState.COMPLETED:
        return link
    if link.state in (CentraShipmentState.FAILED, CentraShipmentState.UNPAID) and not retry:
        return link
    if not _claim(link):
        return link
    client = CentraClient(binding.centra, subject=shipment.order)
    try:
        link.refresh_from_db()
        if link.state == CentraShipmentState.FAILED:  # refused by Centra: nothing was made
            CentraShipment.objects.filter(pk=link.pk).update(
                state=CentraShipmentState.PENDING, create_attempted=False
            )
            link.state, link.create_attempted = CentraShipmentState.PENDING, False
        centra_id = link.centra_id
        if centra_id is None:
            if not link.lines:
                lines = _lines_for(binding, shipment)
                if not lines:
                    _release(link, state=CentraShipmentState.FAILED,
                             error="No Centra order line matches the shipped SKUs")  # fmt: skip
                    return _reloaded(link)
                CentraShipment.objects.filter(pk=link.pk).update(lines=lines)
                link.lines = lines
            found = _lost_create(client, link, binding.number) if link.create_attempted else None
            if found is not None:
                centra_id = int(found["id"])
                CentraShipment.objects.filter(pk=link.pk).update(
                    centra_id=centra_id, state=CentraShipmentState.CREATED
                )
                if not found["isPaid"]:
                    raise _NotPaid(found["number"])
            else:
                centra_id = int(_create(client, link, binding)["id"])
            _complete(client, link, centra_id, binding.number)
        else:
            _complete_paid(client, link, centra_id, binding)
    except _NotPaid as unpaid:
        alert = _unpaid_alert(binding, unpaid)
        _release(link, state=CentraShipmentState.UNPAID, error=str(unpaid)[:2000], alert=alert)
        logger.warning("Centra shipment for Xentral shipment %s: %s", shipment.xentral_id, unpaid)
        return _reloaded(link)
    except CentraError as exc:
        fields = {"error": str(exc)[:2000]}
        if (
            isinstance(exc, CentraUserError)
            and link.centra_id is None
            and not link.create_attempted
        ):
            fields["state"] = CentraShipmentState.FAILED
        elif link.state == CentraShipmentState.UNPAID and exc.retryable:
            # Staff's retry met a 429 or an outage: the sweep finishes it (or finds it unpaid).
            fields["state"] = CentraShipmentState.CREATED
        _release(link, **fields)
        logger.warning("Centra shipment for Xentral shipment %s: %s", shipment.xentral_id, exc)
        return _reloaded(link)
    _release(link, state=CentraShipmentState.COMPLETED, completed_at=timezone.now(), error="")
    if link.alert_id:
        staff_alerts_resolve(alerts=[link.alert])
    return _reloaded(link)


def _reloaded(link: CentraShipment) -> CentraShipment:
    return CentraShipment.objects.get(pk=link.pk)


def centra_shipment_retry(*, link_id: int) -> tuple[CentraShipment, str]:
    """Staff's "Retry in Centra": send a shipment Centra refused, holds unpaid or has not
    completed yet again now, exactly once (the binding's claim); a completed one, or one a
    worker is sending, is left alone. Returns the binding and what happened, in words."""
    link = CentraShipment.objects.get(pk=link_id)
    if link.state == CentraShipmentState.COMPLETED:
        return link, "already completed in Centra; nothing sent"
    if link.claimed_until is not None and link.claimed_until > timezone.now():
        return link, "being sent by a worker now; nothing sent"
    link = centra_shipment_push(shipment_id=link.shipment_id, retry=True) or link
    if link.state == CentraShipmentState.COMPLETED:
        return link, f"completed in Centra (shipment {link.centra_id})"
    return link, f"{link.get_state_display()}: {link.error}"


def centra_order_cancelled(*, order_id) -> StaffAlert | None:
    """Xentral cancelled an order that came from Centra: staff decide in Centra (refund,
    cancel); nothing is cancelled or refunded automatically."""
    binding = (
        CentraOrder.objects.select_related("centra__channel", "order")
        .filter(order_id=order_id)
        .first()
    )
    if binding is None:
        return None
    return staff_alert_open(
        kind=StaffAlert.Kind.OTHER,
        message=f"Order {binding.order.reference} of {binding.centra.channel} was cancelled in "
        f"Xentral: Centra order {binding.number} is neither cancelled nor refunded "
        "automatically; settle it in Centra.",
    )


def centra_backlog_sweep() -> int:
    """What handlers missed or Centra held back: created orders not confirmed yet, Xentral
    shipments not completed in Centra. Returns the number of steps done."""
    done = 0
    unconfirmed = CentraOrder.objects.filter(
        state=CentraOrderState.SUBMITTED,
        error="",
        order__status=OrderStatus.CREATED,
        centra__confirm_orders=True,
    ).values_list("order_id", flat=True)
    for order_id in list(unconfirmed):
        binding = centra_order_confirm(order_id=order_id)
        done += binding is not None and binding.state == CentraOrderState.CONFIRMED
    open_shipments = Shipment.objects.filter(
        order__centra_order__isnull=False,
    ).exclude(
        centra_shipment__state__in=[
            CentraShipmentState.COMPLETED,
            CentraShipmentState.FAILED,
            CentraShipmentState.UNPAID,  # waits for staff in Centra, then their retry
        ]
    )
    for shipment_id in list(open_shipments.values_list("pk", flat=True)):
        link = centra_shipment_push(shipment_id=shipment_id)
        done += link is not None and link.state == CentraShipmentState.COMPLETED
    return done
