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
    XENTRAL_REJECTED = "xentral_rejected", "Xentral rejected the order"
    XENTRAL_UNAVAILABLE = "xentral_unavailable", "Xentral unavailable"
    RATE_LIMITED = "rate_limited", "Waiting for room in Xentral's rate limit"
    XENTRAL_CONFIGURATION = "xentral_configuration", "Xentral rejects the hub's credentials"
    TAX_CONFIGURATION = "tax_configuration", "A sales tax category has no rate"


# An order held for one of these waits for staff to fix the hub, never for the shop.
CONFIGURATION_CODES = (OrderErrorCode.XENTRAL_CONFIGURATION, OrderErrorCode.TAX_CONFIGURATION)
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
