"""The `make run` demo: a Centra channel on the stand-in with the hub's receiver registered
there, and a command that creates an order in the stand-in."""

from io import StringIO

import pytest
from django.core.management import call_command

from backoffice.models import Channel
from connectors.centra.demo import DEMO_CENTRA_CHANNEL, populate
from connectors.centra.models import CentraChannel
from connectors.centra.services import webhook_url

pytestmark = pytest.mark.django_db


def test_the_demo_points_a_centra_channel_at_the_stand_in_and_registers_its_receiver(
    centra_sandbox, monkeypatch, settings
):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    monkeypatch.setenv("CENTRA_SANDBOX_URL", centra_sandbox.url)
    monkeypatch.setenv("CENTRA_SANDBOX_TOKEN", centra_sandbox.token)
    shop = Channel.objects.create(
        name="Demo Shop", payment_map={"paypal": "3"}, sales_channel_id="1"
    )

    populate(channel=shop, stdout=StringIO())
    populate(channel=shop, stdout=StringIO())
    out = StringIO()
    call_command("centra_demo_order", "--sku", "ART-003", stdout=out)

    centra = CentraChannel.objects.select_related("channel").get()
    assert centra.channel.name == DEMO_CENTRA_CHANNEL
    assert centra.graphql_url == centra_sandbox.graphql_url
    assert centra.channel.payment_map == {"paypal": "3"}
    assert centra_sandbox.webhooks()["receivers"] == [{"url": webhook_url(centra), "retries": 0}]
    number = int(out.getvalue().strip())
    assert centra_sandbox.order(number)["status"] == "PENDING"


def test_without_a_stand_in_the_demo_says_so(monkeypatch):
    monkeypatch.delenv("CENTRA_SANDBOX_URL", raising=False)
    out = StringIO()

    populate(channel=Channel.objects.create(name="Demo Shop"), stdout=out)

    assert out.getvalue() == (
        "centra: no stand-in running (CENTRA_SANDBOX_URL unset); no demo channel\n"
    )
    assert CentraChannel.objects.count() == 0
