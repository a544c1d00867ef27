"""`manage.py xentral_webhooks [--subscribe] [--url URL]`: register the hub for Xentral's events
(idempotent) or show the registration."""

from django.core.management.base import BaseCommand, CommandError

from backoffice.xentral.errors import XentralError
from backoffice.xentral.subscription import xentral_webhook_status, xentral_webhook_subscribe


class Command(BaseCommand):
    help = "Subscribe the hub to Xentral's webhook events, or show the registration."

    def add_arguments(self, parser):
        parser.add_argument("--subscribe", action="store_true", help="create or update it")
        parser.add_argument("--url", help="the receiver URL (default: HUB_BASE_URL's)")

    def handle(self, *args, **options):
        if options["subscribe"]:
            try:
                registration = xentral_webhook_subscribe(url=options["url"])
            except XentralError as error:
                raise CommandError(f"Xentral refused the subscription: {error}") from None
            self.stdout.write(
                f"Subscribed webhook {registration.xentral_id} -> {registration.url} for "
                f"{len(registration.events)} event type(s): {', '.join(registration.events)}"
            )
            return
        status = xentral_webhook_status()
        registration = status["registration"]
        if registration is None:
            self.stdout.write("Not subscribed; run with --subscribe.")
            return
        self.stdout.write(
            f"Webhook {registration.xentral_id or '(not registered)'} -> {registration.url}; "
            f"events: {', '.join(registration.events) or 'none'}; "
            f"last event: {status['last_event_at'] or 'never'}"
        )
