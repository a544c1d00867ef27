"""Writes of the orders app: accept, process, retry, resubmit and resolve orders (DESIGN 4)."""

import hashlib
import json
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from backoffice.models import Channel, Purpose, StaffAlert
from backoffice.xentral.client import XentralClient
from backoffice.xentral.errors import (
    XentralAuthError,
    XentralError,
    XentralRateLimited,
    XentralUnavailable,
)
from backoffice.xentral.params import filter_params
from orders.customers import CustomerNotFound, customer_resolve
from orders.models import OrderEvent, OrderEventKind, OrderRequest, OrderStatus
from orders.serializers import order_representation
from orders.webhooks import webhook_enqueue

logger = logging.getLogger(__name__)

IMPORT_PATH = "/api/v1/salesOrders/actions/import"
METHODS_CACHE_S = 600
STALE_CLAIM = timedelta(minutes=5)
# An order persisted but never claimed (the process died in between) is picked up after this.
STALE_RECEIVED = timedelta(minutes=2)

TRANSITIONS: dict[str, set[str]] = {
    OrderStatus.RECEIVED: {OrderStatus.PROCESSING, OrderStatus.FAILED},
    OrderStatus.QUEUED: {OrderStatus.PROCESSING, OrderStatus.FAILED, OrderStatus.RESOLVED},
    OrderStatus.PROCESSING: {OrderStatus.CREATED, OrderStatus.QUEUED, OrderStatus.FAILED},
    OrderStatus.FAILED: {OrderStatus.PROCESSING, OrderStatus.RESOLVED},
    OrderStatus.CREATED: set(),
    OrderStatus.RESOLVED: set(),
}
IN_FLIGHT = (OrderStatus.RECEIVED, OrderStatus.PROCESSING, OrderStatus.QUEUED)


class Outcome:
    CREATED = "created"
    REPLAYED = "replayed"
    ACCEPTED = "accepted"
    IN_FLIGHT = "in_flight"
    FAILED = "failed"
    CONFLICT = "conflict"


@dataclass
class SubmitResult:
    order: OrderRequest
    outcome: str


class OrderBusinessError(Exception):
    """The order's data cannot become a Xentral order: fails at once with these errors."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors


def _error(field: str, code: str, message: str) -> dict:
    return {"field": field, "code": code, "message": message}


def payload_hash(payload: dict) -> str:
    """SHA-256 of the canonical JSON (sorted keys, compact; decimals are already strings)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def hub_base_url() -> str:
    return getattr(settings, "HUB_BASE_URL", "http://localhost:8000")


# --- status changes --------------------------------------------------------------------------


def order_transition(
    *,
    order_id,
    to: str,
    sources: list[str] | None = None,
    user=None,
    message: str = "",
    kind: str = OrderEventKind.STATUS,
    data: dict | None = None,
    where: dict | None = None,
    fields: dict | None = None,
) -> bool:
    """Move the order to `to` if it is in one of `sources` (conditional UPDATE, so only one
    caller wins) and record the event with who and why. Returns whether this caller moved it."""
    sources = sources or [s for s, targets in TRANSITIONS.items() if to in targets]
    bad = [s for s in sources if to not in TRANSITIONS[s]]
    if bad:
        raise ValueError(f"Order status cannot change from {bad} to {to}")
    with transaction.atomic():
        moved = OrderRequest.objects.filter(
            pk=order_id, status__in=sources, **(where or {})
        ).update(status=to, updated_at=timezone.now(), **(fields or {}))
        if moved:
            OrderEvent.objects.create(
                order_id=order_id,
                kind=kind,
                message=message or f"Status: {to}",
                data={"status": to, **(data or {})},
                user=user,
            )
            if to in (OrderStatus.CREATED, OrderStatus.FAILED):
                order = OrderRequest.objects.select_related("channel").get(pk=order_id)
                webhook_enqueue(
                    order=order,
                    event=f"order.{to}",
                    representation=order_representation(order, base_url=hub_base_url()),
                )
    return bool(moved)


def _claim(order_id, *, sources: list[str], user=None, message: str, where=None, fields=None):
    token = uuid.uuid4()
    claimed = order_transition(
        order_id=order_id,
        to=OrderStatus.PROCESSING,
        sources=sources,
        user=user,
        message=message,
        where=where,
        fields={"claim_token": token, "claimed_at": timezone.now(), **(fields or {})},
    )
    return token if claimed else None


# --- accept ---------------------------------------------------------------------------------


def order_submit(*, channel: Channel, payload: dict, user=None) -> SubmitResult:
    """Persist the validated payload, then create the order in Xentral now if this caller
    claims it. Replays, conflicts and resubmissions of failed orders are decided here."""
    digest = payload_hash(payload)
    try:
        with transaction.atomic():
            order = OrderRequest.objects.create(
                channel=channel,
                reference=payload["reference"],
                **_payload_fields(payload),
                payload_hash=digest,
            )
            OrderEvent.objects.create(
                order=order,
                kind=OrderEventKind.RECEIVED,
                user=user,
                message="Received from the channel",
            )
    except IntegrityError:
        order = OrderRequest.objects.get(channel=channel, reference=payload["reference"])
        return _submit_existing(order, payload=payload, digest=digest, user=user)
    token = _claim(order.pk, sources=[OrderStatus.RECEIVED], message="Processing started")
    if token is None:
        return SubmitResult(_reload(order), Outcome.IN_FLIGHT)
    return _result(order_process(order_id=order.pk, claim_token=token))


def _payload_fields(payload: dict) -> dict:
    items = payload.get("items", [])
    return {
        "payload": payload,
        "customer_email": (payload.get("customer", {}).get("email") or "").strip().lower(),
        "skus": " ".join(i.get("sku") or i.get("external_number") or "" for i in items)[:5000],
        "payment_status": payload.get("payment_status") or "",
        "custom_fields": payload.get("custom_fields") or {},
    }


def _submit_existing(order: OrderRequest, *, payload: dict, digest: str, user) -> SubmitResult:
    if order.payload_hash == digest:
        # A replay answers the order as it stands, even a failed one: it is not a resubmission.
        outcome = Outcome.IN_FLIGHT if order.status in IN_FLIGHT else Outcome.REPLAYED
        return SubmitResult(order, outcome)
    if order.status != OrderStatus.FAILED:
        return SubmitResult(order, Outcome.CONFLICT)
    return _result(order_resubmit(order_id=order.pk, payload=payload, user=user, via="channel"))


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
    *, order_id, payload: dict | None = None, user=None, via: str = "staff"
) -> OrderRequest:
    """Run a failed (or queued) order again, optionally with a corrected payload; the event
    keeps the previous payload so the history has both."""
    order = OrderRequest.objects.get(pk=order_id)
    fields: dict = {"errors": [], "attempts": 0, "next_attempt_at": None, "last_error": ""}
    data: dict = {"via": via}
    if payload is not None and payload_hash(payload) != order.payload_hash:
        fields.update(_payload_fields(payload), payload_hash=payload_hash(payload))
        data.update(previous_payload=order.payload, payload=payload)
    token = _claim(
        order.pk,
        sources=[OrderStatus.FAILED, OrderStatus.QUEUED],
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
    return order_process(order_id=order.pk, claim_token=token)


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


# --- process --------------------------------------------------------------------------------


def order_process(*, order_id, claim_token) -> OrderRequest:
    """One attempt for an order this caller claimed: lookup (on retry), resolve, import, read
    the number. No transaction is held across a Xentral call."""
    order = OrderRequest.objects.select_related("channel").get(pk=order_id)
    if order.status != OrderStatus.PROCESSING or order.claim_token != claim_token:
        return order
    client = XentralClient(purpose=Purpose.ORDER, subject=order)
    try:
        _create_in_xentral(order, client)
    except OrderBusinessError as exc:
        _fail(order, exc.errors)
    except CustomerNotFound as exc:
        _fail(order, [_error("customer", "customer_not_found", str(exc))])
    except XentralAuthError as exc:
        _queue_for_configuration(order, exc)
    except (XentralUnavailable, XentralRateLimited) as exc:
        _queue_for_retry(order, exc)
    except XentralError as exc:
        message = exc.problem_text or str(exc)
        _fail(order, [_error("", "xentral_rejected", f"Xentral rejected the order: {message}")])
    return _reload(order)


def _create_in_xentral(order: OrderRequest, client: XentralClient) -> None:
    if not order.xentral_order_id and order.import_attempted:
        _adopt_existing(order, client)
    if not order.xentral_order_id:
        body, customer_fields = _import_body(order, client)
        # One write before the import: who the customer is, and that an import was sent.
        _save(order, import_attempted=True, **customer_fields)
        xentral_id = client.create(IMPORT_PATH, body)
        _save(order, xentral_order_id=xentral_id)
        OrderEvent.objects.create(
            order=order,
            kind=OrderEventKind.XENTRAL_CALL,
            message=f"Imported as Xentral order {xentral_id}",
            data={"order_id": xentral_id},
        )
    if not order.xentral_order_number:
        read = client.get(f"/api/v1/salesOrders/{order.xentral_order_id}")
        read = read.get("data", read) if isinstance(read, dict) else {}
        _save(order, xentral_order_number=str(read.get("documentNumber") or ""))
    order_transition(
        order_id=order.pk,
        to=OrderStatus.CREATED,
        sources=[OrderStatus.PROCESSING],
        kind=OrderEventKind.CREATED,
        message=f"Created in Xentral as {order.xentral_order_number or order.xentral_order_id}",
        where={"claim_token": order.claim_token},
        fields={"errors": [], "next_attempt_at": None, "last_error": ""},
    )


def _save(order: OrderRequest, **fields) -> None:
    """Write fields at once in their own short transaction (ids before the next remote call)."""
    for name, value in fields.items():
        setattr(order, name, value)
    OrderRequest.objects.filter(pk=order.pk).update(updated_at=timezone.now(), **fields)


def _adopt_existing(order: OrderRequest, client: XentralClient) -> None:
    """Before a retry of the import: an earlier attempt may have been committed by Xentral
    with the answer lost. `externalOrderId` carries the hub's UUID, so a hit from another
    channel with the same reference is not taken for this order."""
    found = client.get(
        "/api/v1/salesOrders",
        params=filter_params(("externalOrderNumber", "equals", order.reference)),
    )
    for item in (found or {}).get("data", []):
        if item.get("externalOrderId") not in (None, "", str(order.id)):
            continue
        _save(
            order,
            xentral_order_id=str(item["id"]),
            xentral_order_number=str(item.get("documentNumber") or ""),
        )
        OrderEvent.objects.create(
            order=order,
            kind=OrderEventKind.XENTRAL_CALL,
            message=f"Found the order already in Xentral ({item['id']}); not imported again",
        )
        return


def _import_body(order: OrderRequest, client: XentralClient) -> tuple[dict, dict]:
    payload, channel = order.payload, order.channel
    errors: list[dict] = []
    products = _resolve_items(payload["items"], client, errors)
    payment = _method_id("payment", payload.get("payment"), channel, client, errors)
    shipping = _method_id("shipping", payload.get("shipping"), channel, client, errors)
    if errors:
        raise OrderBusinessError(errors)
    customer = customer_resolve(customer=payload["customer"], channel=channel, client=client)
    customer_fields = {
        "xentral_customer_id": customer.id,
        "xentral_customer_number": customer.number,
        "customer_created": customer.created,
    }
    OrderEvent.objects.create(
        order=order,
        kind=OrderEventKind.CUSTOMER_CREATED if customer.created else OrderEventKind.CUSTOMER_FOUND,
        message=f"Customer {customer.number or customer.id} ({customer.found_by})",
        data={"customer_id": customer.id, "customer_number": customer.number},
    )
    currency = payload.get("currency") or "EUR"
    financials: dict = {"paymentMethod": {"id": payment}, "currency": currency}
    billing = _address(payload["customer"])
    if billing:
        financials["billingAddress"] = billing
    if payload["customer"].get("vat_id"):
        financials["tax"] = {"vatId": payload["customer"]["vat_id"]}
    delivery: dict = {"shippingMethod": {"id": shipping}}
    if payload.get("delivery_address"):
        delivery["shippingAddress"] = _address(payload["delivery_address"])
    body = {
        "date": timezone.localdate().isoformat(),
        "externalOrderNumber": order.reference,
        "externalOrderId": str(order.id),
        "customer": {"id": customer.id},
        "project": {"id": channel.project_id},
        "financials": financials,
        "delivery": delivery,
        "positions": [
            _position(item, product, payload.get("prices") == "gross", currency)
            for item, product in zip(payload["items"], products, strict=True)
        ],
    }
    if channel.sales_channel_id:
        body["salesChannel"] = {"id": channel.sales_channel_id}
    if payload.get("notes"):
        body["comment"] = payload["notes"]
    return body, customer_fields


def _resolve_items(items: list[dict], client: XentralClient, errors: list[dict]) -> list:
    from catalog.index import resolve_skus
    from catalog.models import ProductKind

    found = resolve_skus([i["sku"] for i in items if i.get("sku")], client=client)
    products = []
    for index, item in enumerate(items):
        if item.get("sku"):
            field, label, product = f"items[{index}].sku", item["sku"], found.get(item["sku"])
        else:
            field, label = f"items[{index}].external_number", item["external_number"]
            product = _product_for_external_number(item["target"], item["external_number"])
        products.append(product)
        if product is None:
            errors.append(_error(field, "unknown_sku", f"Item {label} not found"))
        elif product.is_disabled:
            errors.append(_error(field, "disabled_product", f"Item {label} is disabled in Xentral"))
        elif product.kind == ProductKind.MATRIX_PARENT:
            errors.append(
                _error(field, "matrix_parent", f"Item {label} is a matrix product; order a variant")
            )
    return products


def _product_for_external_number(target: str, number: str):
    try:
        from catalog.selectors import product_for_external_number
    except ImportError:
        return None
    return product_for_external_number(target_id=target, number=number)


def _method_id(kind: str, code: str | None, channel: Channel, client, errors) -> str | None:
    """Channel map, then Xentral's `type`, then `designation`, then the channel's default."""
    mapping = channel.payment_map if kind == "payment" else channel.shipping_map
    default = channel.payment_default if kind == "payment" else channel.shipping_default
    if code and code in mapping:
        return str(mapping[code])
    if code:
        methods = _xentral_methods(kind, client)
        for key in ("type", "designation"):
            for method in methods:
                if str(method.get(key) or "").lower() == code.lower():
                    return str(method["id"])
    if default:
        return default
    errors.append(
        _error(kind, f"unmapped_{kind}", f"No Xentral {kind} method matches '{code or ''}'")
    )
    return None


def _xentral_methods(kind: str, client: XentralClient) -> list[dict]:
    # Cached briefly so a warm order costs no lookups; keyed by instance so a switch of
    # XENTRAL_URL never reuses another instance's ids.
    key = f"orders:{kind}-methods:{settings.XENTRAL_URL}"
    methods = cache.get(key)
    if methods is None:
        path = "/api/v1/paymentMethods" if kind == "payment" else "/api/v1/shippingMethods"
        methods = list(client.paginate(path))
        cache.set(key, methods, METHODS_CACHE_S)
    return methods


def _address(block: dict) -> dict | None:
    name = block.get("company") or block.get("name")
    if not name or not block.get("country"):
        return None
    address = {"name": name, "country": block["country"]}
    if block.get("company") and block.get("name"):
        address["contactPerson"] = block["name"]
    for ours, theirs in (("street", "street"), ("zip", "zipCode"), ("city", "city")):
        if block.get(ours):
            address[theirs] = block[ours]
    if block.get("email"):
        address["email"] = block["email"]
    return address


def net_price(gross: Decimal, sales_tax: str) -> Decimal:
    rate = settings.TAX_RATES.get(sales_tax, settings.TAX_RATES.get("standard", Decimal("0")))
    return (gross / (1 + rate / Decimal(100))).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def _position(item: dict, product, gross: bool, currency: str) -> dict:
    quantity = Decimal(item["quantity"])
    position: dict = {
        "product": {"id": product.xentral_id},
        "quantity": int(quantity) if quantity == quantity.to_integral() else float(quantity),
    }
    if item.get("price") is not None:
        price = Decimal(item["price"])
        if gross:
            price = net_price(price, product.sales_tax)
        position["price"] = {"amount": str(price), "currency": currency}
    return position


# --- outcomes of an attempt -----------------------------------------------------------------


def _fail(order: OrderRequest, errors: list[dict]) -> None:
    order_transition(
        order_id=order.pk,
        to=OrderStatus.FAILED,
        sources=[OrderStatus.PROCESSING],
        kind=OrderEventKind.FAILED,
        message="; ".join(e["message"] for e in errors)[:2000],
        data={"errors": errors},
        where={"claim_token": order.claim_token},
        fields={"errors": errors, "next_attempt_at": None, "last_error": errors[0]["message"]},
    )


def retry_delay(attempts: int) -> float:
    """Full jitter: uniform between 0 and min(cap, base * 2**attempts)."""
    ceiling = min(settings.ORDER_RETRY_CAP_S, settings.ORDER_RETRY_BASE_S * 2**attempts)
    return random.uniform(0, ceiling)


def _queue_for_retry(order: OrderRequest, exc: XentralError) -> None:
    attempts = order.attempts + 1
    text = f"{type(exc).__name__}: {exc}"[:1000]
    if attempts >= settings.ORDER_MAX_ATTEMPTS:
        errors = [_error("", "xentral_unavailable", f"Gave up after {attempts} attempts: {text}")]
        order_transition(
            order_id=order.pk,
            to=OrderStatus.FAILED,
            sources=[OrderStatus.PROCESSING],
            kind=OrderEventKind.FAILED,
            message=errors[0]["message"],
            data={"errors": errors},
            where={"claim_token": order.claim_token},
            fields={
                "errors": errors,
                "attempts": attempts,
                "next_attempt_at": None,
                "last_error": text,
            },
        )
        return
    delay = retry_delay(attempts)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        delay = max(delay, float(retry_after))
    next_at = timezone.now() + timedelta(seconds=delay)
    order_transition(
        order_id=order.pk,
        to=OrderStatus.QUEUED,
        sources=[OrderStatus.PROCESSING],
        kind=OrderEventKind.RETRY_SCHEDULED,
        message=f"Xentral unavailable ({text}); retry {attempts} at {next_at.isoformat()}",
        where={"claim_token": order.claim_token},
        fields={
            "attempts": attempts,
            "next_attempt_at": next_at,
            "last_error": text,
            "errors": [
                _error(
                    "", "xentral_unavailable", "Xentral is unavailable; the order will be retried"
                )
            ],
        },
    )


def _queue_for_configuration(order: OrderRequest, exc: XentralError) -> None:
    """Xentral rejected the hub's token: not the shop's fault, so the order waits (it never
    fails for this) and staff are alerted once."""
    text = (
        f"Xentral rejected the hub's credentials ({exc.status}): a configuration fault "
        "of the hub, not of the order; it is kept and retried"
    )
    delay = min(
        settings.ORDER_RETRY_CAP_S, settings.ORDER_RETRY_BASE_S * 2 ** min(order.attempts, 6)
    )
    order_transition(
        order_id=order.pk,
        to=OrderStatus.QUEUED,
        sources=[OrderStatus.PROCESSING],
        kind=OrderEventKind.RETRY_SCHEDULED,
        message=text,
        where={"claim_token": order.claim_token},
        fields={
            "attempts": order.attempts + 1,
            "last_error": text,
            "next_attempt_at": timezone.now() + timedelta(seconds=delay),
            "errors": [_error("", "xentral_configuration", text)],
        },
    )
    if not StaffAlert.objects.filter(
        kind=StaffAlert.Kind.XENTRAL_AUTH, resolved_at__isnull=True
    ).exists():
        StaffAlert.objects.create(
            kind=StaffAlert.Kind.XENTRAL_AUTH,
            message="Xentral rejects the hub's token (401/403): check XENTRAL_TOKEN and "
            "its scopes. Orders wait in the queue until it works again.",
        )


# --- retries --------------------------------------------------------------------------------


def orders_retry_due(*, limit: int = 100) -> int:
    """Claim and process every queued order that is due (and re-queue stale claims); the
    every-minute schedule calls this. Returns how many orders were attempted."""
    now = timezone.now()
    for order_id in OrderRequest.objects.filter(
        status=OrderStatus.PROCESSING, claimed_at__lt=now - STALE_CLAIM
    ).values_list("pk", flat=True):
        order_transition(
            order_id=order_id,
            to=OrderStatus.QUEUED,
            sources=[OrderStatus.PROCESSING],
            message="Processing was interrupted; queued again",
            where={"claimed_at__lt": now - STALE_CLAIM},
            fields={"next_attempt_at": now},
        )
    due = list(
        OrderRequest.objects.filter(status=OrderStatus.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    stale = list(
        OrderRequest.objects.filter(
            status=OrderStatus.RECEIVED, created_at__lt=now - STALE_RECEIVED
        ).values_list("pk", flat=True)[:limit]
    )
    attempted = 0
    claims = [(order_id, OrderStatus.QUEUED, {"next_attempt_at__lte": now}) for order_id in due]
    claims += [(order_id, OrderStatus.RECEIVED, {}) for order_id in stale]
    for order_id, source, where in claims:
        token = _claim(order_id, sources=[source], message="Retry", where=where)
        if token is not None:
            attempted += 1
            order_process(order_id=order_id, claim_token=token)
    return attempted
