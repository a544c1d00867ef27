"""`manage.py demo`: demo data for a fresh installation (safe to run again).

Each app adds its own demo data through a `<app>.demo` module with `populate(channel=, stdout=)`,
run in INSTALLED_APPS order, which is the layer order: the catalog's product index comes first.
"""

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from backoffice.app_hooks import app_modules
from backoffice.models import Channel, Purpose, Scope
from backoffice.services import api_key_create, api_key_revoke
from backoffice.xentral.client import XentralClient
from backoffice.xentral.errors import XentralError

DEMO_CHANNEL = "Demo Shop"
DEMO_KEY_NAME = "demo"


class Command(BaseCommand):
    help = "Seed the sandbox, create the demo login, the channel 'Demo Shop' and demo data."

    def handle(self, *args, **options):
        if self._is_sandbox():
            response = requests.post(
                f"{settings.XENTRAL_URL}/_sandbox/seed", json={"preset": "demo"}, timeout=30
            )
            response.raise_for_status()
            self.stdout.write("sandbox: demo preset seeded")
        self._demo_user()
        try:
            channel = self._demo_channel(XentralClient(purpose=Purpose.SYNC))
        except XentralError as exc:
            raise CommandError(f"Xentral at {settings.XENTRAL_URL}: {exc.problem_text}") from exc
        self._app_demos(channel)
        # A fresh key on every run (older demo keys are revoked): the key is only ever shown once.
        for old in channel.api_keys.filter(name=DEMO_KEY_NAME, revoked_at__isnull=True):
            api_key_revoke(api_key=old)
        _, raw_key = api_key_create(channel=channel, scopes=list(Scope.values), name=DEMO_KEY_NAME)
        self.stdout.write(f"API key of {DEMO_CHANNEL!r}:")
        self.stdout.write(raw_key)

    def _is_sandbox(self) -> bool:
        try:
            return requests.get(f"{settings.XENTRAL_URL}/_sandbox/state", timeout=5).ok
        except requests.RequestException:
            return False

    def _demo_user(self) -> None:
        users = get_user_model()
        if users.objects.filter(username="demo").exists():
            return
        users.objects.create_superuser("demo", "demo@example.com", "demo")
        self.stdout.write("staff login demo/demo created")

    def _demo_channel(self, client: XentralClient) -> Channel:
        channel = Channel.objects.filter(name=DEMO_CHANNEL).first()
        if channel is not None:
            return channel
        payments = {m["type"]: m["id"] for m in client.paginate("/api/v1/paymentMethods")}
        shipping = {m["type"]: m["id"] for m in client.paginate("/api/v1/shippingMethods")}
        channel = Channel.objects.create(
            name=DEMO_CHANNEL,
            project_id="1",
            sales_channel_id="1",
            allow_customer_creation=True,
            payment_map=payments,
            shipping_map=shipping,
            payment_default=payments.get("invoice", ""),
            shipping_default=shipping.get("dhl_standard", ""),
        )
        self.stdout.write(f"channel {DEMO_CHANNEL!r} created")
        return channel

    def _app_demos(self, channel: Channel) -> None:
        for label, module in app_modules("demo"):
            try:
                module.populate(channel=channel, stdout=self.stdout)
            except XentralError as exc:
                self.stderr.write(f"{label} demo data skipped: {exc.problem_text}")
