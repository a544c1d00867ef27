"""Reads of the Centra connector: channels whose token expires soon, sizes Centra does not
know."""

from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from connectors.centra.models import CentraChannel, CentraStockItem

TOKEN_WARNING_DAYS = 7


def tokens_expiring(*, today: date | None = None) -> QuerySet[CentraChannel]:
    """Active Centra channels whose token expires within a week (or has expired)."""
    today = today or timezone.localdate()
    return CentraChannel.objects.filter(
        channel__is_active=True,
        token_expires_on__isnull=False,
        token_expires_on__lte=today + timedelta(days=TOKEN_WARNING_DAYS),
    ).select_related("channel")


def stock_sizes_unknown() -> QuerySet[CentraStockItem]:
    """Products whose size Centra answered it does not know, newest first."""
    return (
        CentraStockItem.objects.filter(unknown_since__isnull=False)
        .select_related("centra__channel", "product")
        .order_by("-unknown_since", "product__number")
    )
