"""The one policy for every URL the hub calls on someone's behalf (channel webhooks, platform
endpoints): where it may point, and how the call is made.

- Saving: only `https` (plain `http` only for an allow-listed host); `file:`, `ftp:` and the like
  never; a host and nothing else (no credentials in the URL).
- Calling: the host is resolved at delivery time and every address must be public; loopback,
  private, link-local, reserved, multicast and unspecified addresses are refused unless the host
  name, the address or a range holding it is in `OUTBOUND_ALLOWED_HOSTS`. The connection goes to
  the address that was checked (so a second DNS answer cannot point it elsewhere), redirects are
  never followed, a total deadline bounds the whole exchange, at most `OUTBOUND_MAX_RESPONSE_BYTES`
  of the answer are read, and only the status and a short, sanitised excerpt are kept.
"""

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
from django.conf import settings
from django.core.exceptions import ValidationError

EXCERPT_CHARS = 200
READ_CHUNK = 8192


class OutboundRefused(Exception):
    """The destination is not allowed by the outbound policy; nothing was sent."""


@dataclass(frozen=True)
class OutboundResult:
    status: int | None
    excerpt: str
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and not self.error


def _allowed_entries() -> list[str]:
    return [h.strip().lower() for h in settings.OUTBOUND_ALLOWED_HOSTS if h.strip()]


def _host_allowed(host: str) -> bool:
    return host.lower().strip("[]") in _allowed_entries()


def _address_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    for entry in _allowed_entries():
        try:
            if address in ipaddress.ip_network(entry.strip("[]"), strict=False):
                return True
        except ValueError:
            continue  # a host name, matched by _host_allowed
    return False


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or not address.is_global
    )


def outbound_url_validate(url: str) -> None:
    """Raise `ValidationError` when `url` may never be called (checked when it is saved)."""
    if not url:
        return
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise ValidationError(f"Only https URLs are allowed, not '{scheme or 'none'}:'.")
    if not parts.hostname:
        raise ValidationError("The URL has no host.")
    if parts.username or parts.password:
        raise ValidationError("Credentials in the URL are not allowed; use the secret.")
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        literal = None
    listed = _host_allowed(parts.hostname) or (literal is not None and _address_allowed(literal))
    if scheme == "http" and not listed:
        raise ValidationError(
            "Plain http is allowed only for hosts in OUTBOUND_ALLOWED_HOSTS; use https."
        )
    if literal is not None and not _is_public(literal) and not listed:
        raise ValidationError(
            f"{literal} is not a public address (loopback, private, link-local or reserved)."
        )


def _resolve_checked(host: str, port: int) -> str:
    """The first address of `host` if every address it resolves to is allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OutboundRefused(f"{host} does not resolve: {exc}") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses:
        raise OutboundRefused(f"{host} does not resolve")
    host_allowed = _host_allowed(host)
    for address in addresses:
        if not (_is_public(address) or host_allowed or _address_allowed(address)):
            raise OutboundRefused(
                f"{host} resolves to {address}, which is not a public address; "
                "add it to OUTBOUND_ALLOWED_HOSTS if it is meant"
            )
    return str(addresses[0])


def _sanitise(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    printable = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(printable.split())[:EXCERPT_CHARS]


@dataclass(frozen=True)
class OutboundResponse:
    """An answer read under the policy: at most `max_bytes` of its body (`truncated` when
    there was more)."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes
    truncated: bool


class OutboundUnreachable(Exception):
    """No complete answer (refused connection, TLS failure, deadline); the message is short and
    sanitised. Something may have been sent."""


def outbound_request(
    method: str,
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    deadline_s: float | None = None,
    max_bytes: int | None = None,
) -> OutboundResponse:
    """Send one request to `url` under the policy: the host resolved and checked once, and the
    connection made to that checked address (TLS still verifies the URL's host name), never a
    second lookup. Raises `OutboundRefused` (nothing sent) or `OutboundUnreachable`."""
    try:
        outbound_url_validate(url)
    except ValidationError as exc:
        raise OutboundRefused("; ".join(exc.messages)) from None
    parts = urlsplit(url)
    https = parts.scheme.lower() == "https"
    port = parts.port or (443 if https else 80)
    address = _resolve_checked(parts.hostname, port)
    deadline_s = settings.OUTBOUND_DEADLINE_S if deadline_s is None else deadline_s
    limit = settings.OUTBOUND_MAX_RESPONSE_BYTES if max_bytes is None else max_bytes
    connection = _connection(address, port, host=parts.hostname, https=https, timeout=deadline_s)
    # The deadline covers the whole exchange: a peer trickling its answer byte by byte is cut
    # off by closing the socket under it.
    cut = threading.Event()
    watchdog = threading.Timer(deadline_s, _cut, args=(connection, cut))
    watchdog.daemon = True
    started = time.monotonic()
    late = f"no complete answer within {deadline_s:g} s"
    watchdog.start()
    try:
        host_header = parts.netloc.rsplit("@", 1)[-1]
        path = parts.path or "/"
        if parts.query:
            path += f"?{parts.query}"
        connection.request(method, path, body=body, headers={**headers, "Host": host_header})
        response = connection.getresponse()
        raw = b""
        while len(raw) <= limit:  # one byte beyond the cap tells a truncated answer
            chunk = response.read1(min(READ_CHUNK, limit + 1 - len(raw)))
            if not chunk:
                break
            raw += chunk
        if cut.is_set():
            raise OutboundUnreachable(late)
        return OutboundResponse(
            status=response.status,
            headers=response.headers,
            body=raw[:limit],
            truncated=len(raw) > limit,
        )
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if cut.is_set() or time.monotonic() - started >= deadline_s:
            raise OutboundUnreachable(late) from None
        raise OutboundUnreachable(_sanitise(f"{type(exc).__name__}: {exc}".encode())) from None
    finally:
        watchdog.cancel()
        connection.close()


def outbound_post(
    url: str, *, body: bytes, headers: dict[str, str], deadline_s: float | None = None
) -> OutboundResult:
    """POST `body` to `url` under the policy; never raises for the remote side's faults."""
    try:
        response = outbound_request("POST", url, body=body, headers=headers, deadline_s=deadline_s)
    except OutboundUnreachable as exc:
        return OutboundResult(None, "", str(exc))
    return OutboundResult(status=response.status, excerpt=_sanitise(response.body))


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address, with the URL's host name for SNI and the certificate check."""

    def __init__(self, address: str, port: int, *, host: str, timeout: float):
        context = ssl.create_default_context(cafile=certifi.where())
        super().__init__(address, port, timeout=timeout, context=context)
        self._server_name = host

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self._server_name)


def _connection(address: str, port: int, *, host: str, https: bool, timeout: float):
    if https:
        return _PinnedHTTPSConnection(address, port, host=host, timeout=timeout)
    return http.client.HTTPConnection(address, port, timeout=timeout)


def _cut(connection, cut: threading.Event) -> None:
    cut.set()
    sock = getattr(connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
