"""factory-boy factories for the hub's core models; tests build rows with these, not by hand."""

import hashlib
import json
from decimal import Decimal

import factory
from django.utils import timezone

from backoffice.models import Channel, Scope
from backoffice.services import api_key_create
from catalog.models import ImportRow, Product, ProductImport, RowAction, RowStatus
from orders.models import OrderRequest, OrderStatus
from stock.models import StockSnapshot

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


def api_key_for(channel: Channel, *, scopes: list[str] | None = None) -> str:
    """A new raw API key of an existing channel."""
    _, raw_key = api_key_create(channel=channel, scopes=scopes or ALL_SCOPES)
    return raw_key


class ProductFactory(factory.django.DjangoModelFactory):
    """A product in the hub's index (pass the sandbox's id as `xentral_id` when it must exist
    in Xentral too)."""

    class Meta:
        model = Product
        django_get_or_create = ("number",)

    xentral_id = factory.Sequence(lambda n: str(90_000 + n))
    number = factory.Sequence(lambda n: f"SKU-{n:04d}")
    name = factory.LazyAttribute(lambda o: f"Product {o.number}")
    ean = ""


def _payload_for(reference: str) -> dict:
    return {
        "reference": reference,
        "customer": {"email": "kunde@example.com", "name": "Max Mustermann"},
        "items": [{"sku": "ART-001", "quantity": 1}],
    }


def _hash(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


class OrderRequestFactory(factory.django.DjangoModelFactory):
    """An order as a channel sent it; `status` and the Xentral fields say how far it got."""

    class Meta:
        model = OrderRequest

    channel = factory.SubFactory(ChannelFactory)
    reference = factory.Sequence(lambda n: f"REF-{n:05d}")
    payload = factory.LazyAttribute(lambda o: _payload_for(o.reference))
    payload_hash = factory.LazyAttribute(lambda o: _hash(o.payload))
    customer_email = factory.LazyAttribute(lambda o: o.payload["customer"]["email"])
    skus = factory.LazyAttribute(lambda o: " ".join(i["sku"] for i in o.payload["items"]))
    status = OrderStatus.RECEIVED


class ProductImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductImport

    filename = factory.Sequence(lambda n: f"catalog-{n}.csv")


class ImportRowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportRow

    product_import = factory.SubFactory(ProductImportFactory)
    line = factory.Sequence(lambda n: n + 2)
    number = factory.Sequence(lambda n: f"NEW-{n:04d}")
    data = factory.LazyAttribute(lambda o: {"number": o.number, "name": f"Product {o.number}"})
    content_hash = factory.LazyAttribute(lambda o: _hash(o.data))
    action = RowAction.CREATE
    status = RowStatus.PENDING


class StockSnapshotFactory(factory.django.DjangoModelFactory):
    """A snapshot with consistent figures: sellable = physical - reserved."""

    class Meta:
        model = StockSnapshot

    product = factory.SubFactory(ProductFactory)
    taken_at = factory.LazyFunction(timezone.now)
    physical = Decimal("10")
    reserved = Decimal("0")
    sellable = factory.LazyAttribute(lambda o: o.physical - o.reserved)
    calculated = factory.LazyAttribute(lambda o: o.physical)
    open_sales_orders = Decimal("0")
