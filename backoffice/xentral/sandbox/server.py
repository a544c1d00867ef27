"""Serving the sandbox on the stand-ins' keep-alive server (backoffice/stand_in_server.py)."""

from backoffice.stand_in_server import keep_alive_server
from backoffice.xentral.sandbox.app import SandboxApp


def build_server(app: SandboxApp, host: str, port: int):
    return keep_alive_server(app, host, port)


def parse_rate_limit(value: str) -> tuple[int, float] | None:
    """`100/60` -> (100, 60.0); `off` -> None."""
    if value.lower() in ("off", "none", "0"):
        return None
    limit, _, window = value.partition("/")
    return int(limit), float(window or 60)
