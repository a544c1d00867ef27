"""What an unsuccessful attempt does to an order: fail it, or queue it again with backoff."""

import random
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from backoffice.models import StaffAlert
from backoffice.xentral.errors import XentralError
from orders.errors import order_error
from orders.models import OrderEventKind, OrderRequest, OrderStatus
from orders.transitions import order_transition


def order_fail(*, order: OrderRequest, errors: list[dict]) -> None:
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


def order_queue_for_retry(*, order: OrderRequest, exc: XentralError) -> None:
    attempts = order.attempts + 1
    text = f"{type(exc).__name__}: {exc}"[:1000]
    if attempts >= settings.ORDER_MAX_ATTEMPTS:
        errors = [
            order_error("", "xentral_unavailable", f"Gave up after {attempts} attempts: {text}")
        ]
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
                order_error(
                    "", "xentral_unavailable", "Xentral is unavailable; the order will be retried"
                )
            ],
        },
    )


def order_hold_for_configuration(*, order: OrderRequest, exc: XentralError) -> None:
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
            "errors": [order_error("", "xentral_configuration", text)],
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
