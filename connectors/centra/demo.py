"""A demo Centra channel for `make run`: pointed at the Centra stand-in `run_hub` starts
(CENTRA_SANDBOX_URL, CENTRA_SANDBOX_TOKEN), with the hub's webhook receiver registered there,
so an order created in the stand-in (`manage.py centra_demo_order`) reaches Xentral and a
dispatch in the Xentral sandbox comes back as a completed Centra shipment."""

import os
import secrets
from datetime import timedelta

import requests
from django.utils import timezone

from backoffice.models import Channel
from connectors.centra.models import CentraChannel
from connectors.centra.services import centra_channel_create, webhook_url

DEMO_CENTRA_CHANNEL = "Demo Centra"


def populate(*, channel: Channel, stdout) -> None:
    url = os.environ.get("CENTRA_SANDBOX_URL", "")
    if not url:
        stdout.write("centra: no stand-in running (CENTRA_SANDBOX_URL unset); no demo channel\n")
        return
    centra = CentraChannel.objects.filter(channel__name=DEMO_CENTRA_CHANNEL).first()
    if centra is None:
        centra = centra_channel_create(
            name=DEMO_CENTRA_CHANNEL,
            graphql_url=f"{url}/graphql",
            api_token=os.environ.get("CENTRA_SANDBOX_TOKEN", ""),
            webhook_secret=secrets.token_urlsafe(24),
            project_id=channel.project_id,
            token_expires_on=timezone.localdate() + timedelta(days=30),
            shipping_map={"dhl-standard": "dhl_standard"},
        )
        # The Xentral side of the mapping as the demo shop has it.
        Channel.objects.filter(pk=centra.channel_id).update(
            sales_channel_id=channel.sales_channel_id,
            payment_map=channel.payment_map,
            shipping_map=channel.shipping_map,
            payment_default=channel.payment_default,
            shipping_default=channel.shipping_default,
        )
    receiver = webhook_url(centra)
    requests.post(
        f"{url}/_centra/webhooks",
        json={"url": receiver, "secret": centra.webhook_secret},
        timeout=10,
    ).raise_for_status()
    stdout.write(
        f"centra: channel {DEMO_CENTRA_CHANNEL!r} receives the stand-in's webhooks at "
        f"{receiver}; create an order there with manage.py centra_demo_order\n"
    )
