"""What an unsuccessful attempt does to an order: fail it, queue it again with backoff, or
let it wait for room in the rate limit."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backoffice.backoff import backoff_delay
from backoffice.services import staff_alert_open
from backoffice.xentral.errors import XentralError
from orders.errors import OrderErrorCode, order_error
from orders.models import OrderEventKind, OrderRequest, OrderStatus
from orders.selectors import orders_waiting_for_rate_limit
from orders.transitions import order_transition

# Holds for configuration retry for as long as it takes; the exponent stops growing here.
MAX_BACKOFF_EXPONENT = 20
CONFIGURATION_NOTE = "a configuration fault of the hub, not of the order; it is kept and retried"


def order_fail(*, order: OrderRequest, errors: list[dict], user=None) -> None:
    order_transition(
        order_id=order.pk,
        to=OrderStatus.FAILED,
        sources=[OrderStatus.PROCESSING],
        user=user,
        kind=OrderEventKind.FAILED,
        message="; ".join(e["message"] for e in errors)[:2000],
        data={"errors": errors},
        where={"claim_token": order.claim_token},
        fields={"errors": errors, "next_attempt_at": None, "last_error": errors[0]["message"]},
    )


def order_retry_delay(attempts: int) -> float:
    return backoff_delay(
        min(attempts, MAX_BACKOFF_EXPONENT),
        base_s=settings.ORDER_RETRY_BASE_S,
        cap_s=settings.ORDER_RETRY_CAP_S,
    )


def order_queue_for_retry(*, order: OrderRequest, exc: XentralError, user=None) -> None:
    """Xentral is unavailable: try again later, and fail once the attempts run out."""
    attempts = order.attempts + 1
    text = f"{type(exc).__name__}: {exc}"[:1000]
    if attempts >= settings.ORDER_MAX_ATTEMPTS:
        message = f"Gave up after {attempts} attempts: {text}"
        errors = [order_error("", OrderErrorCode.XENTRAL_UNAVAILABLE, message)]
        order_transition(
            order_id=order.pk,
            to=OrderStatus.FAILED,
            sources=[OrderStatus.PROCESSING],
            user=user,
            kind=OrderEventKind.FAILED,
            message=message,
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
    delay = order_retry_delay(attempts)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        delay = max(delay, float(retry_after))
    next_at = timezone.now() + timedelta(seconds=delay)
    unavailable = "Xentral is unavailable; the order will be retried"
    order_transition(
        order_id=order.pk,
        to=OrderStatus.QUEUED,
        sources=[OrderStatus.PROCESSING],
        user=user,
        kind=OrderEventKind.RETRY_SCHEDULED,
        message=f"Xentral unavailable ({text}); retry {attempts} at {next_at.isoformat()}",
        where={"claim_token": order.claim_token},
        fields={
            "attempts": attempts,
            "next_attempt_at": next_at,
            "last_error": text,
            "errors": [order_error("", OrderErrorCode.XENTRAL_UNAVAILABLE, unavailable)],
        },
    )


def order_wait(
    *, order: OrderRequest, retry_after: float, error: dict, text: str = "", user=None
) -> None:
    """Nothing failed and nothing was written (no room in the rate budget, a 429, the
    customer being created by another order): no attempt is counted, no backoff, no lookup
    before the next try; it is tried again after `retry_after` seconds."""
    next_at = timezone.now() + timedelta(seconds=max(0.0, float(retry_after)))
    moved = order_transition(
        order_id=order.pk,
        to=OrderStatus.QUEUED,
        sources=[OrderStatus.PROCESSING],
        user=user,
        kind=OrderEventKind.RETRY_SCHEDULED,
        message=f"{error['message']} (next try at {next_at.isoformat()})",
        where={"claim_token": order.claim_token},
        fields={
            "next_attempt_at": next_at,
            "last_error": (text or error["message"])[:1000],
            "errors": [error],
        },
    )
    if moved and not orders_waiting_for_rate_limit().exclude(pk=order.pk).exists():
        # The first order to wait starts a drain at once, rather than at the next schedule.
        transaction.on_commit(order_drain_soon)


def order_drain_soon() -> None:
    """Start a drain on a worker now (it waits there for the window, never here)."""
    from django_q.tasks import async_task

    async_task("orders.tasks.retry_due_orders", task_name="orders-drain")


def order_hold_for_configuration(
    *,
    order: OrderRequest,
    code: OrderErrorCode,
    text: str,
    alert_kind: str,
    alert: str,
    user=None,
) -> None:
    """A fault of the hub's configuration (its Xentral token, its tax rates) is not the
    shop's: the order waits in the queue, never fails for it, and staff get one open alert."""
    text = f"{text}: {CONFIGURATION_NOTE}"
    order_transition(
        order_id=order.pk,
        to=OrderStatus.QUEUED,
        sources=[OrderStatus.PROCESSING],
        user=user,
        kind=OrderEventKind.RETRY_SCHEDULED,
        message=text,
        where={"claim_token": order.claim_token},
        fields={
            "attempts": order.attempts + 1,
            "last_error": text,
            "next_attempt_at": timezone.now()
            + timedelta(seconds=order_retry_delay(order.attempts + 1)),
            "errors": [order_error("", code, text)],
        },
    )
    staff_alert_open(kind=alert_kind, message=alert)
