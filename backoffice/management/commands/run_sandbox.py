"""`manage.py run_sandbox`: serve the built-in Xentral sandbox on loopback."""

import signal
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backoffice.xentral.sandbox.app import SandboxApp
from backoffice.xentral.sandbox.presets import seed_demo
from backoffice.xentral.sandbox.server import build_server, parse_rate_limit


class Command(BaseCommand):
    help = "Run the built-in Xentral sandbox (a local stand-in for a Xentral instance)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--state", help="JSON file the state is loaded from and saved to")
        parser.add_argument("--token", default="sandbox-token")
        parser.add_argument("--seed", choices=["demo"], help="seed a preset at start")
        parser.add_argument(
            "--rate-limit", default="100/60", help="LIMIT/WINDOW_SECONDS, or 'off' (default 100/60)"
        )

    def handle(self, *args, **options):
        try:
            rate_limit = parse_rate_limit(options["rate_limit"])
        except ValueError:
            raise CommandError("--rate-limit takes LIMIT/SECONDS (e.g. 100/60) or 'off'") from None
        state_file = Path(options["state"]) if options["state"] else None
        base_url = f"http://{options['host']}:{options['port']}"
        app = SandboxApp(
            token=options["token"], rate_limit=rate_limit, state_file=state_file, base_url=base_url
        )
        if state_file is not None and state_file.exists():
            app.state.load_from(state_file)
        if options["seed"] == "demo":
            with app.state.lock:
                seed_demo(app.state)
            app.changed()
        app.start_saver()
        try:
            server = build_server(app, options["host"], options["port"])
        except OSError as exc:
            raise CommandError(f"cannot listen on {base_url}: {exc}") from None

        def stop(signum, frame):
            app.save()
            sys.exit(0)

        signal.signal(signal.SIGTERM, stop)
        limit = "off" if rate_limit is None else f"{rate_limit[0]}/{rate_limit[1]:g}s"
        self.stdout.write(
            f"Xentral sandbox on {base_url} (token {options['token']}, rate limit {limit})"
        )
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            app.save()
