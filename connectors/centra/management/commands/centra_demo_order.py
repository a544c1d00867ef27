"""`manage.py centra_demo_order [--channel NAME] [--on-hold] [--sku ART-001 ...]`: an order
created in the Centra stand-in a channel points at, as a shopper would; the stand-in sends its
webhook to the hub. Prints the Centra order number."""

import requests
from django.core.management.base import BaseCommand, CommandError

from connectors.centra.demo import DEMO_CENTRA_CHANNEL
from connectors.centra.models import CentraChannel

GRAPHQL_SUFFIX = "/graphql"


class Command(BaseCommand):
    help = "Create a test order in the Centra stand-in (not for a real Centra)."

    def add_arguments(self, parser):
        parser.add_argument("--channel", default=DEMO_CENTRA_CHANNEL)
        parser.add_argument("--sku", nargs="*", default=["ART-001", "ART-002"])
        parser.add_argument("--on-hold", action="store_true")
        parser.add_argument("--email", default="kunde@example.com")

    def handle(self, *args, **options):
        centra = CentraChannel.objects.filter(channel__name=options["channel"]).first()
        if centra is None:
            raise CommandError(f"No Centra channel named {options['channel']!r}")
        if not centra.graphql_url.endswith(GRAPHQL_SUFFIX):
            raise CommandError("The channel's endpoint does not look like the stand-in's")
        base = centra.graphql_url.removesuffix(GRAPHQL_SUFFIX)
        body = {
            "email": options["email"],
            "lines": [{"sku": sku, "quantity": 1, "unitPrice": 19.99} for sku in options["sku"]],
            "currency": "EUR",
            "onHold": options["on_hold"],
        }
        try:
            answer = requests.post(f"{base}/_centra/orders", json=body, timeout=10)
        except requests.RequestException as exc:
            raise CommandError(f"The stand-in at {base} did not answer: {exc}") from None
        if answer.status_code >= 300:
            raise CommandError(f"The stand-in refused the order: {answer.text[:500]}")
        self.stdout.write(str(answer.json()["number"]))
