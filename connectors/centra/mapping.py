"""A Centra order (as `OrdersByNumber` reads it) as the hub's unified order payload, and the
Centra line behind each item (kept for shipments).

- reference: Centra's order number; currency from `grandTotal.currency.code`;
- customer: the billing address with the customer's (DTC) or buyer's (wholesale) e-mail; a
  wholesale order's company is its B2B account (`account { name }`, C-DTC) where the address
  names none, the buyer its contact person; delivery address: the shipping address, the same
  company; a wholesale order's purchase order number goes into the notes;
- items: the size matched by EAN in the product index, then by its SKU, then by an external
  reference of the channel's sales channel; the quantity excludes cancelled units (Centra's
  `quantity` already does), the price is the unit price including tax (`prices: gross`); a
  bundle is its item lines, the bundle's value carried by them;
- shipping costs (`totals.shipping`) and each applied discount, gross like the lines, so
  Xentral's total is Centra's grand total (booked on the channel's shipping cost and discount
  products);
- shipping and payment: Centra's shipping option and payment method uri through the channel's
  mapping to its codes (an unmapped uri is passed on as it is);
- the Xentral project: the channel's market/store mapping (connectors/centra/projects.py), kept
  beside the payload on the order's binding, not in it.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from catalog.models import Product
from catalog.selectors import product_for_external_number
from connectors.centra.models import CentraChannel
from connectors.centra.projects import centra_order_project

BUNDLE_LINE = "BundleOrderLine"
CENT = Decimal("0.01")


@dataclass
class MappedOrder:
    payload: dict
    lines: list[dict] = field(default_factory=list)
    # (mapping key, Xentral project id), or None: the channel's project.
    project: tuple[str, str] | None = None


def _text(value) -> str:
    return (value or "").strip() if isinstance(value, str) else ""


def _name(address: dict, person: dict) -> str:
    first = _text(address.get("firstName")) or _text(person.get("firstName"))
    last = _text(address.get("lastName")) or _text(person.get("lastName"))
    return " ".join(part for part in (first, last) if part)


def _street(address: dict) -> str:
    return ", ".join(
        p for p in (_text(address.get("address1")), _text(address.get("address2"))) if p
    )


def _country(address: dict) -> str:
    return _text((address.get("country") or {}).get("code")).upper()


def _company(address: dict, order: dict) -> str | None:
    """The address's company, else a wholesale order's B2B account: Centra's buyers belong to
    an account (C-DTC `account { id name }`; the B2B examples create buyers "under specific B2B
    accounts"), and their addresses need not name the company."""
    return _text(address.get("companyName")) or _text((order.get("account") or {}).get("name"))


def _customer(order: dict) -> dict:
    person = order.get("customer") or order.get("buyer") or {}
    billing = order.get("billingAddress") or order.get("shippingAddress") or {}
    email = _text(person.get("email")) or _text(billing.get("email"))
    customer = {
        "email": email.lower(),
        "name": _name(billing, person),
        "company": _company(billing, order) or None,
        "vat_id": _text(billing.get("vatNumber")) or None,
        "phone": _text(billing.get("phoneNumber")) or _text(billing.get("cellPhoneNumber")) or None,
        "street": _street(billing),
        "zip": _text(billing.get("zipCode")),
        "city": _text(billing.get("city")),
        "country": _country(billing),
    }
    return {key: value for key, value in customer.items() if value not in (None, "")}


def _delivery(order: dict) -> dict | None:
    address = order.get("shippingAddress")
    if not address:
        return None
    person = order.get("customer") or order.get("buyer") or {}
    delivery = {
        "name": _name(address, person),
        "company": _company(address, order) or None,
        "street": _street(address),
        "zip": _text(address.get("zipCode")),
        "city": _text(address.get("city")),
        "country": _country(address),
    }
    return {key: value for key, value in delivery.items() if value is not None}


def _flat_lines(order: dict) -> list[dict]:
    """Product lines as they are; a bundle as its items, the bundle's value spread over them
    by the items' own values (the first item takes the rounding)."""
    lines = []
    for line in order.get("lines") or []:
        if line.get("__typename") != BUNDLE_LINE:
            lines.append(line)
            continue
        items = [dict(item) for item in line.get("items") or [] if item.get("quantity")]
        if not items:
            continue
        bundle_value = Decimal(str((line.get("lineValue") or {}).get("value") or 0))
        own = sum(Decimal(str((i.get("lineValue") or {}).get("value") or 0)) for i in items)
        if own != bundle_value:
            rest = bundle_value
            for item in items[1:]:
                value = Decimal(str((item.get("lineValue") or {}).get("value") or 0))
                share = (bundle_value * value / own) if own else Decimal(0)
                price = (share / item["quantity"]).quantize(CENT)
                item["unitPrice"] = {"value": str(price)}
                rest -= price * item["quantity"]
            first = items[0]
            first["unitPrice"] = {"value": str((rest / first["quantity"]).quantize(CENT))}
        lines.extend(items)
    return lines


def _item(line: dict, centra: CentraChannel) -> tuple[dict, str]:
    """The unified item for a line and the Xentral SKU its shipments will name."""
    size = line.get("productSize") or {}
    ean, sku = _text(size.get("EAN")), _text(size.get("SKU"))
    product = Product.objects.filter(ean=ean).first() if ean else None
    if product is None and sku:
        product = Product.objects.filter(number=sku).first()
    target = centra.channel.sales_channel_id
    if product is None and sku and target:
        product = product_for_external_number(target_id=target, number=sku)
        if product is not None:
            item = {"external_number": sku, "target": target}
            return item, product.number
    number = product.number if product is not None else (sku or ean)
    return {"sku": number}, number


def _money(value) -> Decimal:
    return Decimal(str(value or 0))


def _charges(order: dict) -> dict:
    """Shipping costs and discounts, only where Centra has them (an order without keeps the
    payload it always had)."""
    charges: dict = {}
    shipping = _money(((order.get("totals") or {}).get("shipping") or {}).get("value"))
    if shipping > 0:
        charges["shipping_costs"] = str(shipping)
    discounts = [
        {"amount": str(abs(_money((d.get("value") or {}).get("value")))), "name": "Centra discount"}
        for d in order.get("discountsApplied") or []
        if _money((d.get("value") or {}).get("value"))
    ]
    if discounts:
        charges["discounts"] = discounts
    return charges


def _notes(order: dict) -> str | None:
    purchase_order = _text(order.get("purchaseOrderNumber"))
    parts = [
        f"Purchase order {purchase_order}" if purchase_order else "",
        _text(order.get("otherComment")),
    ]
    return "\n".join(p for p in parts if p) or None


def centra_order_map(*, centra: CentraChannel, order: dict) -> MappedOrder:
    """The unified payload (not yet validated) and the line bindings of one Centra order."""
    items, bindings = [], []
    for line in _flat_lines(order):
        quantity = int(line.get("quantity") or 0)
        if quantity <= 0:
            continue  # fully cancelled
        item, xentral_sku = _item(line, centra)
        price = (line.get("unitPrice") or {}).get("value")
        item.update(
            quantity=quantity, price=str(Decimal(str(price))) if price is not None else None
        )
        items.append(item)
        bindings.append({"line_id": line["id"], "sku": xentral_sku, "quantity": quantity})
    shipping_uri = _text(
        ((order.get("shippingPriceGroup") or {}).get("shippingOption") or {}).get("uri")
    )
    payment_uri = _text((order.get("paymentMethod") or {}).get("uri"))
    payload = {
        "reference": str(order["number"]),
        "customer": _customer(order),
        "delivery_address": _delivery(order),
        "items": items,
        "shipping": centra.shipping_map.get(shipping_uri, shipping_uri) or None,
        "payment": centra.payment_map.get(payment_uri, payment_uri) or None,
        "currency": _text(((order.get("grandTotal") or {}).get("currency") or {}).get("code"))
        or "EUR",
        "prices": "gross",
        "notes": _notes(order),
        **_charges(order),
    }
    project = centra_order_project(project_map=centra.project_map or {}, order=order)
    return MappedOrder(payload=payload, lines=bindings, project=project)
