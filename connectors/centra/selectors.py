"""Reads of the Centra connector: channels whose token expires soon."""

from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from connectors.centra.models import CentraChannel

TOKEN_WARNING_DAYS = 7


def tokens_expiring(*, today: date | None = None) -> QuerySet[CentraChannel]:
    """Active Centra channels whose token expires within a week (or has expired)."""
    today = today or timezone.localdate()
    return CentraChannel.objects.filter(
        channel__is_active=True,
        token_expires_on__isnull=False,
        token_expires_on__lte=today + timedelta(days=TOKEN_WARNING_DAYS),
    ).select_related("channel")
