"""Writes of the Centra connector's configuration: creating a Centra channel, testing it."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from backoffice.models import Channel, ChannelKind
from connectors.centra.client import CentraClient
from connectors.centra.errors import CentraError
from connectors.centra.models import CentraChannel


def webhook_path(centra: CentraChannel) -> str:
    """Where Centra's webhook plugin delivers this channel's events."""
    return reverse("centra:webhook", kwargs={"channel_id": centra.channel_id})


def webhook_url(centra: CentraChannel) -> str:
    return f"{settings.HUB_BASE_URL.rstrip('/')}{webhook_path(centra)}"


@transaction.atomic
def centra_channel_create(
    *,
    name: str,
    graphql_url: str,
    api_token: str,
    webhook_secret: str,
    project_id: str = "1",
    warehouse_map: dict | None = None,
    **fields,
) -> CentraChannel:
    """A channel of kind `centra` and its configuration, validated as the admin would (the
    endpoint under the outbound URL policy)."""
    channel = Channel(
        name=name, kind=ChannelKind.CENTRA, project_id=project_id, allow_customer_creation=True
    )
    channel.full_clean()
    channel.save()
    centra = CentraChannel(
        channel=channel,
        graphql_url=graphql_url,
        api_token=api_token,
        webhook_secret=webhook_secret,
        warehouse_map=warehouse_map or {},
        **fields,
    )
    centra.full_clean()
    centra.save()
    return centra


@dataclass(frozen=True)
class ConnectionResult:
    ok: bool
    message: str


def centra_connection_test(*, centra: CentraChannel) -> ConnectionResult:
    """One cheap query (`rateLimits`, which needs no permission) with the channel's endpoint
    and token; says what Centra answered."""
    client = CentraClient(centra, subject=centra, wait=False)
    try:
        data = client.query("RateLimits")
    except CentraError as exc:
        return ConnectionResult(False, f"{type(exc).__name__}: {exc}")
    rows = data.get("rateLimits") or []
    room = ", ".join(
        f"{row['type']} {row['intervalSeconds']}: {row['remainingQuota']}/{row['quota']}"
        for row in rows
    )
    return ConnectionResult(True, f"Centra answered: {room or 'no rate limits listed'}")
