"""What the orders app asks staff to look at, for the admin dashboard."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from orders.models import OrderRequest, OrderStatus, WebhookDelivery, WebhookStatus


def attention() -> list[dict]:
    """`[{label, count, url}]` for every non-empty thing staff should act on."""
    changelist = reverse("admin:orders_orderrequest_changelist")
    overdue = timezone.now() - timedelta(minutes=5)
    rows = [
        (
            "Failed orders",
            OrderRequest.objects.filter(status=OrderStatus.FAILED).count(),
            f"{changelist}?status__exact=failed",
        ),
        (
            "Queued orders past due",
            OrderRequest.objects.filter(
                status=OrderStatus.QUEUED, next_attempt_at__lt=overdue
            ).count(),
            f"{changelist}?attention=yes",
        ),
        (
            "Orders waiting for a working Xentral token",
            OrderRequest.objects.filter(
                status=OrderStatus.QUEUED, errors__icontains="xentral_configuration"
            ).count(),
            f"{changelist}?status__exact=queued",
        ),
        (
            "Webhooks given up",
            WebhookDelivery.objects.filter(status=WebhookStatus.FAILED).count(),
            reverse("admin:orders_webhookdelivery_changelist") + "?status__exact=failed",
        ),
    ]
    return [{"label": label, "count": count, "url": url} for label, count, url in rows if count]
