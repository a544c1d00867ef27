"""Which Xentral products and payment/shipping methods an order's items and codes name."""

from django.conf import settings
from django.core.cache import cache
from django.db import models

from backoffice.models import Channel
from backoffice.xentral.client import XentralClient
from catalog.index import resolve_skus
from catalog.models import Product, ProductKind
from catalog.selectors import product_for_external_number
from orders.errors import OrderErrorCode, order_error

METHODS_CACHE_S = 600


def resolve_items(items: list[dict], client: XentralClient, errors: list[dict]) -> list:
    """The product of each item (None when unknown); problems are appended to `errors`."""
    found = resolve_skus([i["sku"] for i in items if i.get("sku")], client=client)
    products: list[Product | None] = []
    for index, item in enumerate(items):
        if item.get("sku"):
            field, label = f"items[{index}].sku", item["sku"]
            product = found.get(item["sku"])
            unknown = order_error(
                field, OrderErrorCode.UNKNOWN_SKU, f"Item {label} not found", sku=label
            )
        else:
            field, label = f"items[{index}].external_number", item["external_number"]
            product = product_for_external_number(target_id=item["target"], number=label)
            unknown = order_error(
                field,
                OrderErrorCode.UNKNOWN_EXTERNAL_NUMBER,
                f"Item {label} not found for target {item['target']}",
                external_number=label,
                target=item["target"],
            )
        products.append(product)
        if product is None:
            errors.append(unknown)
        elif product.is_disabled:
            errors.append(
                order_error(
                    field, OrderErrorCode.DISABLED_PRODUCT, f"Item {label} is disabled in Xentral"
                )
            )
        elif product.kind == ProductKind.MATRIX_PARENT:
            errors.append(
                order_error(
                    field,
                    OrderErrorCode.MATRIX_PARENT,
                    f"Item {label} is a matrix product; order a variant",
                )
            )
    return products


class MethodKind(models.TextChoices):
    PAYMENT = "payment", "Payment"
    SHIPPING = "shipping", "Shipping"


METHOD_ERRORS = {
    MethodKind.PAYMENT: OrderErrorCode.UNMAPPED_PAYMENT,
    MethodKind.SHIPPING: OrderErrorCode.UNMAPPED_SHIPPING,
}
METHOD_PATHS = {
    MethodKind.PAYMENT: "/api/v1/paymentMethods",
    MethodKind.SHIPPING: "/api/v1/shippingMethods",
}


def resolve_method(
    kind: MethodKind, code: str | None, channel: Channel, client: XentralClient, errors: list[dict]
) -> str | None:
    """Channel map, then Xentral's `type`, then `designation`, then the channel's default."""
    payment = kind == MethodKind.PAYMENT
    mapping = channel.payment_map if payment else channel.shipping_map
    default = channel.payment_default if payment else channel.shipping_default
    if code and code in mapping:
        return str(mapping[code])
    if code:
        methods = _xentral_methods(kind, client)
        for key in ("type", "designation"):
            for method in methods:
                if str(method.get(key) or "").lower() == code.lower():
                    return str(method["id"])
    if default:
        return default
    errors.append(
        order_error(kind, METHOD_ERRORS[kind], f"No Xentral {kind} method matches '{code or ''}'")
    )
    return None


def _xentral_methods(kind: MethodKind, client: XentralClient) -> list[dict]:
    # Cached briefly so a warm order costs no lookups; keyed by instance so a switch of
    # XENTRAL_URL never reuses another instance's ids.
    key = f"orders:{kind}-methods:{settings.XENTRAL_URL}"
    methods = cache.get(key)
    if methods is None:
        methods = list(client.paginate(METHOD_PATHS[kind]))
        cache.set(key, methods, METHODS_CACHE_S)
    return methods
