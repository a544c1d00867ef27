"""Public writes of the orders app: accept, process, resubmit and resolve orders (DESIGN 4)."""

import hashlib
import json
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from backoffice.models import Channel, Purpose, StaffAlert
from backoffice.pricing import UnknownTaxCategory
from backoffice.xentral.client import XentralClient
from backoffice.xentral.errors import (
    XentralAuthError,
    XentralError,
    XentralRateLimited,
    XentralUnavailable,
    XentralValidationError,
)
from orders.attempt_outcomes import (
    order_fail,
    order_hold_for_configuration,
    order_queue_for_retry,
    order_wait,
)
from orders.customers import CustomerPending, normalise_email
from orders.errors import (
    OrderBusinessError,
    OrderErrorCode,
    OrderNotResubmittable,
    ReferenceCannotChange,
    order_error,
    violation_errors,
)
from orders.models import OrderEvent, OrderEventKind, OrderRequest, OrderStatus, Shipment
from orders.transitions import IN_FLIGHT, order_claim, order_transition
from orders.xentral_order import order_create_in_xentral


class Outcome(models.TextChoices):
    """What a channel's submission came to; the API answers with a status code per outcome."""

    CREATED = "created"
    REPLAYED = "replayed"
    ACCEPTED = "accepted"
    IN_FLIGHT = "in_flight"
    FAILED = "failed"
    CONFLICT = "conflict"


class ResubmitVia(models.TextChoices):
    STAFF = "staff", "Staff"
    CHANNEL = "channel", "The channel, with a corrected payload"


# Who may run an order again from which status: staff may also push a queued order, a
# channel only replaces a failed one (a queued order is still the hub's to finish).
RESUBMITTABLE: dict[str, tuple[str, ...]] = {
    ResubmitVia.STAFF: (OrderStatus.FAILED, OrderStatus.QUEUED),
    ResubmitVia.CHANNEL: (OrderStatus.FAILED,),
}


@dataclass
class SubmitResult:
    order: OrderRequest
    outcome: Outcome


def order_is_resubmittable(*, order: OrderRequest, via: ResubmitVia = ResubmitVia.STAFF) -> bool:
    return order.status in RESUBMITTABLE[via]


def payload_hash(payload: dict) -> str:
    """SHA-256 of the canonical JSON (sorted keys, compact; decimals are already strings)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def order_submit(*, channel: Channel, payload: dict, user=None) -> SubmitResult:
    """Persist the validated payload, then create the order in Xentral now. A new order is
    stored already claimed by this caller (one transaction instead of a store and a claim);
    replays, conflicts and resubmissions of failed orders are decided here."""
    digest = payload_hash(payload)
    token = uuid.uuid4()
    try:
        with transaction.atomic():
            order = OrderRequest.objects.create(
                channel=channel,
                reference=payload["reference"],
                **_payload_fields(payload),
                payload_hash=digest,
                status=OrderStatus.PROCESSING,
                claim_token=token,
                claimed_at=timezone.now(),
            )
            OrderEvent.objects.bulk_create(
                [
                    OrderEvent(
                        order=order,
                        kind=OrderEventKind.RECEIVED,
                        user=user,
                        message="Received from the channel",
                    ),
                    OrderEvent(
                        order=order,
                        kind=OrderEventKind.STATUS,
                        user=user,
                        message="Processing started",
                        data={"status": OrderStatus.PROCESSING},
                    ),
                ]
            )
    except IntegrityError:
        order = OrderRequest.objects.get(channel=channel, reference=payload["reference"])
        return _submit_existing(order, payload=payload, digest=digest, user=user)
    return _result(order_process(order_id=order.pk, claim_token=token, order=order))


def _payload_fields(payload: dict) -> dict:
    items = payload.get("items", [])
    return {
        "payload": payload,
        "customer_email": normalise_email(payload.get("customer", {}).get("email")),
        "skus": " ".join(i.get("sku") or i.get("external_number") or "" for i in items)[:5000],
        "payment_status": payload.get("payment_status") or "",
        "custom_fields": payload.get("custom_fields") or {},
    }


def _submit_existing(order: OrderRequest, *, payload: dict, digest: str, user) -> SubmitResult:
    if order.payload_hash == digest:
        # A replay answers the order as it stands, even a failed one: it is not a resubmission.
        outcome = Outcome.IN_FLIGHT if order.status in IN_FLIGHT else Outcome.REPLAYED
        return SubmitResult(order, outcome)
    if not order_is_resubmittable(order=order, via=ResubmitVia.CHANNEL):
        return SubmitResult(order, Outcome.CONFLICT)
    resubmitted = order_resubmit(
        order_id=order.pk, payload=payload, user=user, via=ResubmitVia.CHANNEL
    )
    return _result(resubmitted)


def _result(order: OrderRequest) -> SubmitResult:
    outcome = {
        OrderStatus.CREATED: Outcome.CREATED,
        OrderStatus.FAILED: Outcome.FAILED,
        OrderStatus.QUEUED: Outcome.ACCEPTED,
    }.get(order.status, Outcome.IN_FLIGHT)
    return SubmitResult(order, outcome)


def _reload(order: OrderRequest) -> OrderRequest:
    return OrderRequest.objects.select_related("channel").get(pk=order.pk)


def order_resubmit(
    *, order_id, payload: dict | None = None, user=None, via: ResubmitVia = ResubmitVia.STAFF
) -> OrderRequest:
    """Run a failed (or queued) order again, optionally with a corrected payload; the event
    keeps the previous payload so the history has both. Raises OrderResubmitRefused (and
    changes nothing) for an order that may not be resubmitted or a payload with another
    reference."""
    order = OrderRequest.objects.get(pk=order_id)
    if not order_is_resubmittable(order=order, via=via):
        raise OrderNotResubmittable(reference=order.reference, status=order.status)
    if payload is not None and payload.get("reference") != order.reference:
        raise ReferenceCannotChange(
            reference=order.reference, requested=str(payload.get("reference"))
        )
    fields: dict = {"errors": [], "attempts": 0, "next_attempt_at": None, "last_error": ""}
    data: dict = {"via": via}
    if payload is not None and payload_hash(payload) != order.payload_hash:
        fields.update(_payload_fields(payload), payload_hash=payload_hash(payload))
        data.update(previous_payload=order.payload, payload=payload)
    token = order_claim(
        order_id=order.pk,
        sources=list(RESUBMITTABLE[via]),
        user=user,
        message=f"Resubmitted ({via})" + (" with a corrected payload" if "payload" in data else ""),
        where={"payload_hash": order.payload_hash},
        fields=fields,
    )
    if token is None:
        return _reload(order)
    OrderEvent.objects.create(
        order=order,
        kind=OrderEventKind.RESUBMITTED,
        user=user,
        data=data,
        message=f"Resubmitted by {user or via}",
    )
    return order_process(order_id=order.pk, claim_token=token, user=user)


def order_resolve(*, order_id, user, reason: str) -> bool:
    """Staff closes a failed or queued order by hand (e.g. entered in Xentral directly)."""
    return order_transition(
        order_id=order_id,
        to=OrderStatus.RESOLVED,
        user=user,
        kind=OrderEventKind.RESOLVED,
        message=f"Resolved by {user}: {reason}",
        data={"reason": reason},
        fields={"next_attempt_at": None},
    )


def order_process(
    *, order_id, claim_token, user=None, from_worker: bool = False, order=None
) -> OrderRequest:
    """One attempt for an order this caller claimed: lookup (on retry), resolve, import, read
    the number. No transaction is held across a Xentral call, and no wait for the rate limit:
    without room the order waits in the queue. `user` is who asked for the attempt (a
    resubmission), named on the events it writes; a worker (`from_worker`) paces its calls as
    Xentral advises, a web request answers at once. `order` is the claimed order as its
    claimant holds it (with its channel), which spares reading it again."""
    if order is None:
        order = OrderRequest.objects.select_related("channel").get(pk=order_id)
    if order.status != OrderStatus.PROCESSING or order.claim_token != claim_token:
        return order
    # The calls are logged with the attempt's writes, not one transaction each.
    client = XentralClient(
        purpose=Purpose.ORDER,
        subject=order,
        wait_for_budget=False,
        pace=from_worker,
        defer_log=True,
    )
    try:
        order_create_in_xentral(order=order, client=client, user=user)
        if order.status == OrderStatus.CREATED:
            # As the transition wrote it; Xentral cannot have shipped an order created a
            # moment ago, so its answer needs no read of shipments either.
            order._prefetched_objects_cache = {"shipments": Shipment.objects.none()}
            return order
    except OrderBusinessError as exc:
        order_fail(order=order, errors=exc.errors, user=user)
    except CustomerPending as exc:
        order_wait(
            order=order,
            retry_after=exc.retry_after,
            error=order_error("customer", OrderErrorCode.CUSTOMER_PENDING, str(exc)),
            user=user,
        )
    except UnknownTaxCategory as exc:
        order_hold_for_configuration(
            order=order,
            code=OrderErrorCode.TAX_CONFIGURATION,
            text=str(exc),
            alert_kind=StaffAlert.Kind.CONFIGURATION,
            alert=f"{exc}: add a rate for '{exc.category}' to TAX_RATES. Orders with gross "
            "prices for such products wait in the queue until it is configured.",
            user=user,
        )
    except XentralAuthError as exc:
        order_hold_for_configuration(
            order=order,
            code=OrderErrorCode.XENTRAL_CONFIGURATION,
            text=f"Xentral rejected the hub's credentials ({exc.status})",
            alert_kind=StaffAlert.Kind.XENTRAL_AUTH,
            alert="Xentral rejects the hub's token (401/403): check XENTRAL_TOKEN and its "
            "scopes. Orders wait in the queue until it works again.",
            user=user,
        )
    except XentralRateLimited as exc:
        order_wait(
            order=order,
            retry_after=exc.retry_after,
            error=order_error(
                "",
                OrderErrorCode.RATE_LIMITED,
                "Waiting for room in Xentral's rate limit; the order is sent shortly",
            ),
            text=f"{type(exc).__name__}: {exc}",
            user=user,
        )
    except XentralUnavailable as exc:
        order_queue_for_retry(order=order, exc=exc, user=user)
    except XentralValidationError as exc:
        order_fail(order=order, errors=_rejected(exc), user=user)
    except XentralError as exc:
        message = f"Xentral rejected the order: {exc.problem_text or exc}"
        errors = [order_error("", OrderErrorCode.XENTRAL_REJECTED, message)]
        order_fail(order=order, errors=errors, user=user)
    finally:
        client.flush_log()
    return _reload(order)


def _rejected(exc: XentralValidationError) -> list[dict]:
    """Xentral's 400 as errors with the payload's field paths (the import's violations map to
    items, payment, shipping...; a customer create's to the customer)."""
    prefix = "customer" if exc.path.startswith("/api/v2/customers") else ""
    errors = violation_errors(exc.violations, exc.messages, prefix=prefix)
    return errors or [
        order_error(
            prefix,
            OrderErrorCode.XENTRAL_REJECTED,
            f"Xentral rejected the order: {exc.problem_text}",
        )
    ]
