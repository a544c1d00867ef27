"""`manage.py run_centra_sandbox`: serve the Centra stand-in on loopback."""

import signal
import sys

from django.core.management.base import BaseCommand, CommandError

from connectors.centra.sandbox.app import CentraApp
from connectors.centra.sandbox.server import build_server


class Command(BaseCommand):
    help = (
        "Run the Centra stand-in (a local Centra GraphQL Integration API for tests and the demo)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8766)
        parser.add_argument("--token", default="centra-token")

    def handle(self, *args, **options):
        base_url = f"http://{options['host']}:{options['port']}"
        app = CentraApp(token=options["token"], base_url=base_url)
        try:
            server = build_server(app, options["host"], options["port"])
        except OSError as exc:
            raise CommandError(f"cannot listen on {base_url}: {exc}") from None
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        self.stdout.write(
            f"Centra stand-in on {base_url}/graphql (control API {base_url}/_centra/)"
        )
        self.stdout.flush()
        try:
            server.serve_forever()
        finally:
            server.server_close()
