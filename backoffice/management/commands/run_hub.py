"""`manage.py run_hub` (what `make run` calls): sandbox, web server, worker and demo data in
one go; Ctrl-C or SIGTERM stops all of them, and so does any of them exiting."""

import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

# The sandbox's limit is raised so the demo sets up in seconds; the hub's shared budget must
# know the same limit, otherwise capped purposes (stock polling) wait for minute windows.
SANDBOX_RATE_LIMIT, SANDBOX_RATE_WINDOW_S = 6000, 60
# How long children get to stop after SIGTERM before their process groups are killed.
STOP_GRACE_S = 10.0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def group_signal(pgid: int, signum: int) -> bool:
    """Signal every process of a group; False when none is left."""
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        return False
    return True


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CommandError(f"{proc.args[3]} exited with {proc.returncode} at start")
        if not port_free(port):
            return
        time.sleep(0.1)
    raise CommandError(f"nothing listens on 127.0.0.1:{port} after {timeout:g} s")


class Command(BaseCommand):
    help = "Run the whole hub locally: sandbox (unless XENTRAL_URL is set), web, worker, demo."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sandbox-port", type=int, default=8765)
        parser.add_argument("--centra-port", type=int, default=8766)
        parser.add_argument(
            "--sandbox-state",
            default=None,
            help="JSON file keeping the sandbox's data (default var/sandbox-state.json)",
        )

    def handle(self, *args, **options):
        port, sandbox_port = options["port"], options["sandbox_port"]
        use_sandbox = not os.environ.get("XENTRAL_URL")
        busy = [p for p in ([port, sandbox_port] if use_sandbox else [port]) if not port_free(p)]
        if busy:
            raise CommandError(
                f"port(s) {', '.join(map(str, busy))} are in use; stop what runs there"
            )
        children: list[subprocess.Popen] = []
        env = dict(os.environ)
        # SIGTERM during setup must still stop the children started so far (the finally below).
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            if use_sandbox:
                sandbox_url = f"http://127.0.0.1:{sandbox_port}"
                env["XENTRAL_URL"] = settings.XENTRAL_URL = sandbox_url
                env["XENTRAL_RATE_LIMIT"] = str(SANDBOX_RATE_LIMIT)
                env["XENTRAL_RATE_WINDOW_S"] = str(SANDBOX_RATE_WINDOW_S)
                settings.XENTRAL_RATE_LIMIT = SANDBOX_RATE_LIMIT
                settings.XENTRAL_RATE_WINDOW_S = float(SANDBOX_RATE_WINDOW_S)
                state = options["sandbox_state"] or settings.VAR_DIR / "sandbox-state.json"
                rate_limit = f"{SANDBOX_RATE_LIMIT}/{SANDBOX_RATE_WINDOW_S}"
                children.append(self._start(
                    ["run_sandbox", "--port", str(sandbox_port), "--seed", "demo",
                     "--rate-limit", rate_limit, "--state", str(state)], env,
                ))  # fmt: skip
                wait_for_port(sandbox_port, children[-1])
            centra_url = self._start_centra(options["centra_port"], env, children)
            call_command("setup_schedules", stdout=open(os.devnull, "w"))  # noqa: SIM115
            demo_output = io.StringIO()
            call_command("demo", stdout=demo_output)
            self.stdout.write(demo_output.getvalue().rstrip("\n"))
            api_key = demo_output.getvalue().strip().splitlines()[-1]
            web = self._start(["runserver", f"127.0.0.1:{port}", "--noreload"], env)
            children.append(web)
            children.append(self._start(["qcluster"], env))
            wait_for_port(port, web)
            xentral_url = env["XENTRAL_URL"] if use_sandbox else settings.XENTRAL_URL
            self._banner(port, xentral_url, api_key, use_sandbox, centra_url)
            self._supervise(children)
        except KeyboardInterrupt:
            pass
        finally:
            self._stop(children)

    def _start(self, command: list[str], env: dict) -> subprocess.Popen:
        # Each child leads a process group of its own, so stopping it reaches whatever it
        # started (qcluster's sentinel, pusher, monitor and workers) and Ctrl-C in the
        # terminal reaches only this command, which stops the children in order.
        return subprocess.Popen(
            [sys.executable, "manage.py", *command], env=env, start_new_session=True
        )

    def _start_centra(self, port: int, env: dict, children: list) -> str | None:
        """The Centra stand-in beside the sandbox; skipped (with a note) when its port is taken,
        e.g. by another hub's stand-in. Its URL reaches the demo as CENTRA_SANDBOX_URL."""
        if not port_free(port):
            self.stderr.write(f"Centra stand-in not started: port {port} is in use")
            return None
        token = env.get("CENTRA_SANDBOX_TOKEN") or "centra-token"  # local use only
        children.append(self._start(
            ["run_centra_sandbox", "--port", str(port), "--token", token], env))  # fmt: skip
        wait_for_port(port, children[-1])
        url = f"http://127.0.0.1:{port}"
        env["CENTRA_SANDBOX_URL"] = os.environ["CENTRA_SANDBOX_URL"] = url
        env["CENTRA_SANDBOX_TOKEN"] = os.environ["CENTRA_SANDBOX_TOKEN"] = token
        # The demo Centra channel calls the stand-in on loopback, which the outbound URL
        # policy refuses unless the host is allowed: allowed here, for this local run only.
        allowed = [*settings.OUTBOUND_ALLOWED_HOSTS, "127.0.0.1"]
        settings.OUTBOUND_ALLOWED_HOSTS = allowed
        env["OUTBOUND_ALLOWED_HOSTS"] = ",".join(allowed)
        return url

    def _banner(self, port: int, xentral_url: str, api_key: str, sandbox: bool,
                centra_url: str | None = None) -> None:  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        xentral = f"{xentral_url} ({'built-in sandbox' if sandbox else 'XENTRAL_URL'})"
        centra = [f"  Centra    {centra_url}/graphql   (stand-in; control API /_centra/)"]
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "Xentral Hub is running.",
                    f"  admin     {base}/admin/   (login demo / demo)",
                    f"  API docs  {base}/api/v1/docs",
                    f"  API key   {api_key}   (channel 'Demo Shop')",
                    f"  Xentral   {xentral}",
                    *(centra if centra_url else []),
                    "Ctrl-C stops everything.",
                    "",
                ]
            )
        )
        self.stdout.flush()

    def _supervise(self, children: list[subprocess.Popen]) -> None:
        stop = {"now": False}

        def on_signal(signum, frame):
            stop["now"] = True

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        while not stop["now"]:
            for child in children:
                if child.poll() is not None:
                    self.stderr.write(f"{' '.join(child.args[2:])} exited ({child.returncode})")
                    return
            time.sleep(0.3)

    def _stop(self, children: list[subprocess.Popen]) -> None:
        # The group is signalled even when its leader has exited: a qcluster parent killed with
        # SIGKILL leaves its workers running (and taking jobs) in its group.
        for child in reversed(children):
            group_signal(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for child in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            while group_signal(child.pid, 0) and time.monotonic() < deadline:
                time.sleep(0.1)
            group_signal(child.pid, signal.SIGKILL)
            child.wait()
