"""Xentral bodies of a product's sales and purchase prices (net, from quantity 1)."""

from decimal import ROUND_HALF_UP, Decimal

from backoffice.pricing import NET_PLACES, net_from_gross

SALES_PRICES = "/api/v3/salesPrices"
PURCHASE_PRICES = "/api/v2/purchasePrices"
DEFAULT_CURRENCY = "EUR"


def _money(amount: Decimal, currency: str) -> dict:
    return {"amount": format(amount.normalize(), "f"), "currency": currency or DEFAULT_CURRENCY}


def sales_price_net(data: dict) -> Decimal:
    """The row's sales price as Xentral wants it: net (a gross price is converted)."""
    price = Decimal(data["sales_price"])
    if data["prices"] == "gross":
        return net_from_gross(price, data["sales_tax"])
    return price.quantize(NET_PLACES, ROUND_HALF_UP)


def sales_price_body(*, product_id: str, data: dict) -> dict:
    return {
        "product": {"id": product_id},
        "price": _money(sales_price_net(data), data["currency"]),
        "quantity": 1,
    }


def purchase_price_body(*, product_id: str, data: dict) -> dict:
    return {
        "product": {"id": product_id},
        "supplier": {"id": data["supplier_id"]},
        "fromQuantity": 1,
        "price": _money(Decimal(data["purchase_price"]), data["currency"]),
    }
