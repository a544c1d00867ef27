"""Serving the sandbox: a threaded HTTP/1.1 server that keeps connections alive."""

from werkzeug.serving import WSGIRequestHandler, make_server

from backoffice.xentral.sandbox.app import SandboxApp


class KeepAliveHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_request(self, *args, **kwargs) -> None:
        # One line per request costs a third of the throughput; the request log has it all.
        pass


def build_server(app: SandboxApp, host: str, port: int):
    return make_server(host, port, app, threaded=True, request_handler=KeepAliveHandler)


def parse_rate_limit(value: str) -> tuple[int, float] | None:
    """`100/60` -> (100, 60.0); `off` -> None."""
    if value.lower() in ("off", "none", "0"):
        return None
    limit, _, window = value.partition("/")
    return int(limit), float(window or 60)
