"""Reads of the Centra connector: channels whose token expires soon, sizes Centra does not
know, and where each product's stock push stands."""

from datetime import date, timedelta

from django.db import models
from django.db.models import Q, QuerySet
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


class StockPushState(models.TextChoices):
    OWED = "owed", "Owed"
    RETRYING = "retrying", "Owed, retry later"
    UNKNOWN = "unknown", "Unknown in Centra"
    PUSHED = "pushed", "Pushed"


# What each state means for a CentraStockItem row, as a filter.
STOCK_PUSH_STATES: dict[str, Q] = {
    StockPushState.OWED: Q(due=True, unknown_since__isnull=True, next_attempt_at__isnull=True),
    StockPushState.RETRYING: Q(due=True, unknown_since__isnull=True, next_attempt_at__isnull=False),
    StockPushState.UNKNOWN: Q(unknown_since__isnull=False),
    StockPushState.PUSHED: Q(due=False, unknown_since__isnull=True),
}


def stock_push_state(item: CentraStockItem) -> StockPushState:
    """The one state of STOCK_PUSH_STATES the item is in."""
    if item.unknown_since is not None:
        return StockPushState.UNKNOWN
    if not item.due:
        return StockPushState.PUSHED
    return StockPushState.OWED if item.next_attempt_at is None else StockPushState.RETRYING
