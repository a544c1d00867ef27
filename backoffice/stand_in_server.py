"""The threaded HTTP/1.1 server both stand-ins (the Xentral sandbox, the Centra stand-in) run
on: it keeps connections alive, as the platforms' web servers do, so the hub's pooled sessions
reuse them."""

import io

from werkzeug.serving import WSGIRequestHandler, make_server

# Seconds an idle kept-alive connection stays open (nginx's default is 75).
IDLE_TIMEOUT_S = 60


class KeepAliveHandler(WSGIRequestHandler):
    """Werkzeug's handler closes every connection: an application may leave part of a body
    unread, and after each response it drains the socket, which would swallow the next
    request. This one reads a request's whole body (by its `Content-Length`) before the
    application runs and lets the drain read an empty stream, so the connection stays open for
    the next request; a chunked request body still closes it."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_S
    # A response goes out in several writes (head, body): without this, Nagle holds the body
    # back until the client acknowledges the head, which a kept-alive client delays.
    disable_nagle_algorithm = True
    keep_alive = False
    _socket_rfile = None

    def make_environ(self):
        environ = super().make_environ()
        self.keep_alive = "chunked" not in self.headers.get("Transfer-Encoding", "").lower()
        if self.keep_alive:
            try:
                length = max(0, int(self.headers.get("Content-Length") or 0))
            except ValueError:
                length, self.keep_alive = 0, False
        if self.keep_alive:
            environ["wsgi.input"] = io.BytesIO(self.rfile.read(length) if length else b"")
            self._socket_rfile, self.rfile = self.rfile, io.BytesIO(b"")
        return environ

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "connection" and value.lower() == "close" and self.keep_alive:
            return  # the body was read whole: the connection serves the next request
        super().send_header(keyword, value)

    def handle_one_request(self) -> None:
        self.keep_alive = False  # until this request's body is known to be read whole
        try:
            super().handle_one_request()
        finally:
            if self._socket_rfile is not None:
                self.rfile, self._socket_rfile = self._socket_rfile, None

    def log_request(self, *args, **kwargs) -> None:
        # One line per request costs a third of the throughput; the request log has it all.
        pass


def keep_alive_server(app, host: str, port: int):
    return make_server(host, port, app, threaded=True, request_handler=KeepAliveHandler)
