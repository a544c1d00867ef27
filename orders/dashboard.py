"""What the orders app asks staff to look at, for the admin dashboard."""

from django.urls import reverse

from orders.models import WebhookDelivery, WebhookStatus
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
    return [{"label": label, "count": count, "url": url} for label, count, url in rows if count]
