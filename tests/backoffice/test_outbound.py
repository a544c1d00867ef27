"""The outbound-URL policy: refused destinations, no redirects, a total deadline, a size cap, and
only a sanitised excerpt kept. Real sockets on loopback; the allow-list opens them per test."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from backoffice.models import Channel
from backoffice.outbound import OutboundRefused, outbound_post, outbound_url_validate


class Listener:
    """A loopback HTTP server answering with `behaviour(handler)`; records what reached it."""

    def __init__(self, behaviour):
        self.received: list[tuple[str, bytes]] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                listener.received.append((self.path, self.rfile.read(length)))
                behaviour(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listen():
    started = []

    def start(behaviour):
        listener = Listener(behaviour)
        started.append(listener)
        return listener

    yield start
    for listener in started:
        listener.close()


def answer(status: int, body: bytes = b"", headers: dict | None = None):
    def behaviour(handler):
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return behaviour


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://hooks.example.com/in", "Only https"),
        ("file:///etc/passwd", "Only https"),
        ("gopher://hooks.example.com/", "Only https"),
        ("http://hooks.example.com/in", "Plain http"),
        ("https://169.254.169.254/latest/meta-data", "not a public address"),
        ("https://[::1]:8000/in", "not a public address"),
        ("https://10.1.2.3/in", "not a public address"),
        ("https://192.168.0.10/in", "not a public address"),
        ("https://0.0.0.0/in", "not a public address"),
        ("https://[::ffff:127.0.0.1]/in", "not a public address"),
        ("https://user:pw@hooks.example.com/in", "Credentials"),
    ],
)
def test_destinations_that_may_never_be_saved(url, reason, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    with pytest.raises(ValidationError, match=reason):
        outbound_url_validate(url)


def test_a_public_https_destination_may_be_saved(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    outbound_url_validate("https://hooks.example.com/xentral?shop=1")
    outbound_url_validate("https://93.184.216.34/in")


def test_the_allow_list_opens_plain_http_and_loopback_by_name_address_or_range(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["stand-in.local", "127.0.0.0/8"]
    outbound_url_validate("http://stand-in.local:8766/graphql")
    outbound_url_validate("http://127.0.0.1:9000/in")
    with pytest.raises(ValidationError):
        outbound_url_validate("https://[::1]/in")


@pytest.mark.django_db
def test_create_channel_refuses_a_file_url_and_saves_nothing(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    with pytest.raises(CommandError, match="Only https URLs are allowed"):
        call_command(
            "create_channel", "Shop", "--scopes", "orders:write",
            "--webhook-url", "file:///etc/passwd", "--webhook-secret", "s3cret",
        )  # fmt: skip
    assert not Channel.objects.exists()


@pytest.mark.django_db
def test_admin_refuses_a_metadata_address_and_a_url_without_secret(admin_client, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    form = {
        "name": "Shop", "project_id": "1", "is_active": "on", "payment_map": "{}",
        "shipping_map": "{}", "api_keys-TOTAL_FORMS": "0", "api_keys-INITIAL_FORMS": "0",
    }  # fmt: skip
    metadata = admin_client.post(
        "/admin/backoffice/channel/add/",
        {**form, "webhook_url": "https://169.254.169.254/", "webhook_secret": "x"},
    )
    assert metadata.status_code == 200
    assert "not a public address" in metadata.content.decode()
    unsigned = admin_client.post(
        "/admin/backoffice/channel/add/",
        {**form, "webhook_url": "https://hooks.example.com/in", "webhook_secret": ""},
    )
    assert "A webhook URL needs a secret" in unsigned.content.decode()
    assert not Channel.objects.exists()


def test_a_name_resolving_to_loopback_is_refused_at_delivery_and_nothing_is_sent(listen, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    listener = listen(answer(200))
    port = listener.server.server_address[1]
    with pytest.raises(OutboundRefused, match=r"resolves to 127\.0\.0\.1"):
        outbound_post(f"https://localhost:{port}/in", body=b"{}", headers={})
    assert listener.received == []


def test_redirects_are_not_followed(listen, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    elsewhere = listen(answer(200))
    redirecting = listen(answer(307, headers={"Location": f"{elsewhere.url}/stolen"}))
    result = outbound_post(f"{redirecting.url}/in", body=b'{"signed": 1}', headers={})
    assert result.status == 307
    assert not result.ok
    assert [path for path, _ in redirecting.received] == ["/in"]
    assert elsewhere.received == []


def test_a_trickled_answer_is_cut_at_the_deadline(listen, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]

    def trickle(handler):
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(100):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(0.1)

    listener = listen(trickle)
    started = time.monotonic()
    result = outbound_post(f"{listener.url}/in", body=b"{}", headers={}, deadline_s=1.0)
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, f"the delivery took {elapsed:.1f} s for a 1 s deadline"
    assert result.error == "no complete answer within 1 s"


def test_a_huge_answer_is_read_only_up_to_the_cap(listen, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.OUTBOUND_MAX_RESPONSE_BYTES = 4096
    listener = listen(answer(500, b"A" * (20 * 1024 * 1024)))
    result = outbound_post(f"{listener.url}/in", body=b"{}", headers={})
    assert result.status == 500
    assert result.excerpt == "A" * 200


def test_only_a_short_sanitised_excerpt_of_an_error_answer_is_kept(listen, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    body = b"<script>alert(1)</script>\x00\x1b[31m\r\nsecret-internal-detail " + b"z" * 500
    listener = listen(answer(502, body))
    result = outbound_post(f"{listener.url}/in", body=b"{}", headers={})
    assert result.status == 502
    assert len(result.excerpt) == 200
    assert "\x00" not in result.excerpt
    assert "\x1b" not in result.excerpt
    assert "\n" not in result.excerpt
    assert result.excerpt.startswith("<script>alert(1)</script>")
