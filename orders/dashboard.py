"""What the orders app asks staff to look at, for the admin dashboard."""

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from orders.fulfilment_sync import open_orders
from orders.models import FulfilmentStatus, WebhookDelivery, WebhookStatus
from orders.selectors import AttentionReason, orders_needing_attention


def attention() -> list[dict]:
    """`[{label, count, url}]` for every non-empty thing staff should act on."""
    changelist = reverse("admin:orders_orderrequest_changelist")
    rows = [
        (
            reason.label,
            orders_needing_attention(reason=reason).count(),
            f"{changelist}?attention={reason.value}",
        )
        for reason in AttentionReason
    ]
    rows.append(
        (
            "Webhooks given up",
            WebhookDelivery.objects.filter(status=WebhookStatus.FAILED).count(),
            reverse("admin:orders_webhookdelivery_changelist")
            + f"?status__exact={WebhookStatus.FAILED.value}",
        )
    )
    rows.append(_unshipped(changelist))
    return [{"label": label, "count": count, "url": url} for label, count, url in rows if count]


def _unshipped(changelist: str) -> tuple[str, int, str]:
    """Orders in Xentral with nothing shipped after ORDER_UNSHIPPED_AFTER_DAYS."""
    days = settings.ORDER_UNSHIPPED_AFTER_DAYS
    cutoff = (timezone.now() - timedelta(days=days)).replace(microsecond=0)
    count = open_orders().filter(fulfilment_status=FulfilmentStatus.OPEN, created_at__lt=cutoff)
    query = urlencode(
        {
            "fulfilment_status__exact": FulfilmentStatus.OPEN.value,
            "status__exact": "created",
            "created_at__lt": cutoff.isoformat(),
        }
    )
    label = f"Created in Xentral, not shipped after {days:g} days"
    return label, count.count(), f"{changelist}?{query}"
