"""factory-boy factories for the hub's models."""

import factory

from backoffice.models import Channel, Scope
from backoffice.services import api_key_create

ALL_SCOPES = list(Scope.values)


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    name = factory.Sequence(lambda n: f"Shop {n}")
    project_id = "1"
    allow_customer_creation = True


def channel_with_key(*, scopes: list[str] | None = None, **fields) -> tuple[Channel, str]:
    """A channel and a raw API key with the given scopes (all scopes by default)."""
    channel = ChannelFactory(**fields)
    _, raw_key = api_key_create(channel=channel, scopes=scopes or ALL_SCOPES)
    return channel, raw_key
