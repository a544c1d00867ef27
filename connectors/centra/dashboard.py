"""What the Centra connector asks staff to look at on the admin dashboard."""

from django.urls import reverse
from django.utils import timezone

from connectors.centra.selectors import tokens_expiring


def attention() -> list[dict]:
    """One row per Centra channel whose API token expires within a week or has expired."""
    today = timezone.localdate()
    items = []
    for centra in tokens_expiring(today=today):
        days = (centra.token_expires_on - today).days
        when = (
            f"expired on {centra.token_expires_on}"
            if days < 0
            else (
                "expires today" if days == 0 else f"expires in {days} day{'s' if days > 1 else ''}"
            )
        )
        items.append(
            {
                "label": f"Centra API token of {centra.channel} {when}: create a new token "
                "in Centra and enter it here",
                "count": 1,
                "url": reverse("admin:centra_centrachannel_change", args=[centra.pk]),
            }
        )
    return items
