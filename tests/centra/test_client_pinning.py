"""The Centra client connects to the address the outbound policy checked: a name that answers
differently on a second lookup (DNS rebinding) cannot move the call elsewhere, and a name that
resolves to a private address is refused with nothing sent. Only the resolver is replaced."""

import socket
from urllib.parse import urlsplit

import pytest

from connectors.centra.client import CentraClient
from connectors.centra.errors import CentraDestinationRefused
from connectors.centra.models import CentraCall
from connectors.centra.services import centra_channel_create

pytestmark = pytest.mark.django_db
REAL_GETADDRINFO = socket.getaddrinfo


def _resolver(monkeypatch, name: str, answers: list[str]) -> list[str]:
    """`name` resolves to each of `answers` in turn; every other name as usual. Returns the
    answers given so far."""
    given: list[str] = []
    left = iter(answers)

    def getaddrinfo(host, port, *args, **kwargs):
        if host != name:
            return REAL_GETADDRINFO(host, port, *args, **kwargs)
        given.append(next(left))
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (given[-1], port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return given


def _centra(url: str):
    return centra_channel_create(
        name="Centra EU", graphql_url=url, api_token="centra-token", webhook_secret="s"
    )


def test_the_call_goes_to_the_checked_address_not_to_a_second_answer(
    centra_sandbox, settings, monkeypatch
):
    settings.OUTBOUND_ALLOWED_HOSTS = ["centra.test"]  # the stand-in's name, on loopback
    settings.CENTRA_TIMEOUT_S = 2.0
    port = urlsplit(centra_sandbox.url).port
    # Checked: the stand-in. Asked again, the name would point at an address nothing answers.
    given = _resolver(monkeypatch, "centra.test", ["127.0.0.1", "192.0.2.10"])
    centra = _centra(f"http://centra.test:{port}/graphql")
    client = CentraClient(centra)

    data = client.query("RateLimits")

    assert len(data["rateLimits"]) == 6
    assert given == ["127.0.0.1"]  # looked up once, and that address was used
    assert centra_sandbox.state()["calls"] == 1
    assert list(CentraCall.objects.values_list("operation", "status")) == [("RateLimits", 200)]
    assert client.calls_made == 1


def test_a_name_resolving_to_a_private_address_is_refused_and_nothing_is_sent(
    centra_sandbox, settings, monkeypatch
):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    given = _resolver(monkeypatch, "brand.centra.com", ["10.0.0.7"])
    centra = _centra("https://brand.centra.com/graphql")
    client = CentraClient(centra)

    with pytest.raises(CentraDestinationRefused) as refused:
        client.query("RateLimits")

    assert str(refused.value) == (
        "brand.centra.com resolves to 10.0.0.7, which is not a public address; "
        "add it to OUTBOUND_ALLOWED_HOSTS if it is meant"
    )
    assert given == ["10.0.0.7"]
    assert client.calls_made == 0
    assert CentraCall.objects.count() == 0
    assert centra_sandbox.state()["calls"] == 0
