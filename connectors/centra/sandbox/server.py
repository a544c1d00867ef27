"""Serving the stand-in: a threaded HTTP/1.1 server that keeps connections alive."""

from werkzeug.serving import WSGIRequestHandler, make_server

from connectors.centra.sandbox.app import CentraApp


class KeepAliveHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_request(self, *args, **kwargs) -> None:
        pass  # the request log has it all


def build_server(app: CentraApp, host: str, port: int):
    return make_server(host, port, app, threaded=True, request_handler=KeepAliveHandler)
