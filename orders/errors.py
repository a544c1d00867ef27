"""The hub's own order errors: codes of the entries stored on an order, and the exceptions
for what the hub itself finds wrong with an order or a request about it."""

from django.db import models


class OrderErrorCode(models.TextChoices):
    UNKNOWN_SKU = "unknown_sku", "No product has this SKU"
    UNKNOWN_EXTERNAL_NUMBER = "unknown_external_number", "No product has this foreign number"
    DISABLED_PRODUCT = "disabled_product", "The product is disabled in Xentral"
    MATRIX_PARENT = "matrix_parent", "A matrix product, not a variant"
    UNMAPPED_PAYMENT = "unmapped_payment", "No payment method matches"
    UNMAPPED_SHIPPING = "unmapped_shipping", "No shipping method matches"
    CUSTOMER_NOT_FOUND = "customer_not_found", "Customer not found"
    CUSTOMER_NUMBER_NOT_ALLOWED = (
        "customer_number_not_allowed",
        "The channel may not order by customer number",
    )
    CUSTOMER_PENDING = "customer_pending", "Waiting for another order to create the customer"
    CHANNEL_CONFIGURATION = "channel_configuration", "The channel's configuration is incomplete"
    XENTRAL_REJECTED = "xentral_rejected", "Xentral rejected the order"
    XENTRAL_UNAVAILABLE = "xentral_unavailable", "Xentral unavailable"
    RATE_LIMITED = "rate_limited", "Waiting for room in Xentral's rate limit"
    XENTRAL_CONFIGURATION = "xentral_configuration", "Xentral rejects the hub's credentials"
    TAX_CONFIGURATION = "tax_configuration", "A sales tax category has no rate"


# An order held for one of these waits for staff to fix the hub, never for the shop.
CONFIGURATION_CODES = (OrderErrorCode.XENTRAL_CONFIGURATION, OrderErrorCode.TAX_CONFIGURATION)
# An order queued for one of these only waits a moment: nothing failed, no attempt is counted.
WAIT_CODES = (OrderErrorCode.RATE_LIMITED, OrderErrorCode.CUSTOMER_PENDING)
# Where a value of Xentral's import body came from in the channel's payload.
IMPORT_FIELDS = {
    "financials.paymentMethod": "payment",
    "delivery.shippingMethod": "shipping",
    "financials.billingAddress": "customer",
    "delivery.shippingAddress": "delivery_address",
    "customer": "customer",
    "externalOrderNumber": "reference",
}
POSITION_FIELDS = {"product": "sku", "quantity": "quantity", "price": "price"}
ADDRESS_FIELDS = {"zipCode": "zip"}


def _walk(node, path: str):
    if isinstance(node, list) and all(isinstance(m, str) for m in node):
        yield path, "; ".join(node)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, str):
        yield path, node


def payload_field(xentral_path: str) -> str:
    """The payload field a path of the import body came from (`positions.1.quantity` ->
    `items[1].quantity`); other paths are named as Xentral names them."""
    parts = xentral_path.split(".")
    if parts[0] == "discountPositions" and len(parts) > 1 and parts[1].isdigit():
        return f"discounts[{parts[1]}]" + (".amount" if parts[2:3] == ["value"] else "")
    if xentral_path.startswith("delivery.shippingCosts"):
        return "shipping_costs"
    if parts[0] == "positions" and len(parts) > 1 and parts[1].isdigit():
        field = POSITION_FIELDS.get(parts[2], parts[2]) if len(parts) > 2 else ""
        return f"items[{parts[1]}]" + (f".{field}" if field else "")
    for prefix, ours in IMPORT_FIELDS.items():
        if xentral_path == prefix or xentral_path.startswith(prefix + "."):
            rest = xentral_path[len(prefix) + 1 :].split(".")[0]
            return f"{ours}.{ADDRESS_FIELDS.get(rest, rest)}" if rest and rest != "id" else ours
    return xentral_path


def violation_errors(violations: dict, messages: list[str], *, prefix: str = "") -> list[dict]:
    """Every violation of Xentral's 400 as an error entry with the payload's field path."""
    errors = [
        order_error(
            prefix + payload_field(path) if not prefix else f"{prefix}.{path}",
            OrderErrorCode.XENTRAL_REJECTED,
            f"Xentral: {message}",
        )
        for path, message in _walk(violations, "")
    ]
    errors += [
        order_error(prefix, OrderErrorCode.XENTRAL_REJECTED, f"Xentral: {m}") for m in messages
    ]
    return errors


# What the API shows of an error; the other keys (the SKU, the foreign number) are for reports.
PUBLIC_ERROR_KEYS = ("field", "code", "message")


def order_error(field: str, code: OrderErrorCode, message: str, **details: str) -> dict:
    """An error entry as stored on the order; `details` name the offending value."""
    return {"field": field, "code": str(code), "message": message, **details}


class OrderBusinessError(Exception):
    """The order's data cannot become a Xentral order: fails at once with these errors."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors


class OrderResubmitRefused(Exception):
    """A resubmission the rules do not allow; nothing was changed."""


class ReferenceCannotChange(OrderResubmitRefused):
    def __init__(self, *, reference: str, requested: str):
        super().__init__(
            f"The reference cannot change: the order is {reference}, the payload says {requested}"
        )
        self.reference = reference
        self.requested = requested


class OrderNotResubmittable(OrderResubmitRefused):
    def __init__(self, *, reference: str, status: str):
        super().__init__(f"Order {reference} cannot be resubmitted while it is {status}")
        self.status = status
