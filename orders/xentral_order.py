"""The order in Xentral: find one an earlier attempt created, or build the import body and
create it, then read its number."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from backoffice.models import Channel
from backoffice.pricing import net_from_gross
from backoffice.xentral.budget import BudgetExhausted
from backoffice.xentral.client import XentralClient
from backoffice.xentral.errors import XentralRateLimited
from backoffice.xentral.params import filter_params
from catalog.index import resolve_skus
from catalog.models import Product
from orders.customers import (
    CustomerLookup,
    customer_create,
    customer_lookup,
    customer_may_be_created,
    customer_number_learn,
)
from orders.errors import OrderBusinessError, OrderErrorCode, order_error
from orders.models import OrderEvent, OrderEventKind, OrderRequest, OrderStatus
from orders.projects import OrderProject, order_project
from orders.resolution import MethodKind, resolve_items, resolve_method
from orders.transitions import order_transition

IMPORT_PATH = "/api/v1/salesOrders/actions/import"
MAX_TOTAL_DIFFERENCE = 0.05


def order_create_in_xentral(*, order: OrderRequest, client: XentralClient, user=None) -> None:
    """Adopt or import the order, read its number and mark it created. Raises
    OrderBusinessError for the order's data and `UnknownTaxCategory` for a gross price of a
    product whose category has no rate.

    That an import is sent is saved before it is sent. The Xentral id it returns is saved with
    the status when the number read succeeds (one write, not two), and before the error is
    handled when it fails; a process killed in between leaves `import_attempted`, and the next
    attempt finds the order by its reference instead of importing it again."""
    if not order.xentral_order_id and order.import_attempted:
        _adopt_existing(order, client)
    if not order.xentral_order_id:
        body, customer_fields, customer_event = _import_body(order, client)
        if not client.has_room():
            # The order waits in the queue; checked before the writes below, which a refused
            # import would only undo. A customer this attempt created is recorded all the same.
            if customer_fields["customer_created"]:
                _save(order, **customer_fields, event=customer_event)
            raise BudgetExhausted(
                "No room in Xentral's rate limit for the import yet",
                retry_after=client.room_wait(),
            )
        # One write before the import: who the customer is, and that an import was sent.
        _save(order, import_attempted=True, **customer_fields, event=customer_event)
        try:
            xentral_id = client.create(IMPORT_PATH, body)
        except XentralRateLimited:
            # Refused before it was handled (no room, or 429): nothing was written, so the
            # next try needs no lookup. An earlier ambiguous import was looked up above.
            _save(order, import_attempted=False)
            raise
        order.xentral_order_id = xentral_id
        imported = {"xentral_order_id": xentral_id}
    else:
        imported = {}
    try:
        number = _numbers(order, client)
    except BaseException:
        if imported:
            _save(order, **imported, calls=client, event=_imported_event(order))
        raise
    # The ids and numbers are the last things learnt: they are stored with the status.
    message = f"Created in Xentral as {order.xentral_order_number or order.xentral_order_id}"
    if imported and order.xentral_order_number:
        message += f" (Xentral order {order.xentral_order_id})"
    order_transition(
        order_id=order.pk,
        to=OrderStatus.CREATED,
        sources=[OrderStatus.PROCESSING],
        user=user,
        kind=OrderEventKind.CREATED,
        message=message,
        data={"order_id": order.xentral_order_id},
        where={"claim_token": order.claim_token},
        fields={"errors": [], "next_attempt_at": None, "last_error": "", **imported, **number},
        order=order,
    )


def _imported_event(order: OrderRequest) -> dict:
    return {
        "kind": OrderEventKind.XENTRAL_CALL,
        "message": f"Imported as Xentral order {order.xentral_order_id}",
        "data": {"order_id": order.xentral_order_id},
    }


def _numbers(order: OrderRequest, client: XentralClient) -> dict:
    """The order's number (unless the channel takes it later) and a new customer's number."""
    number: dict = {}
    seen_customer = None
    if not order.xentral_order_number and not order.channel.number_later:
        # A "number later" channel hears the number by webhook, read 50 at a time.
        read = client.get(f"/api/v1/salesOrders/{order.xentral_order_id}")
        read = read.get("data", read) if isinstance(read, dict) else {}
        number = {"xentral_order_number": str(read.get("documentNumber") or "")}
        order.xentral_order_number = number["xentral_order_number"]
        seen_customer = read.get("customer")
    # A new customer's number comes with the order read (a "number later" order learns it
    # with its own number, in the sweep).
    learn_now = order.xentral_order_number or not order.channel.number_later
    if order.xentral_customer_id and not order.xentral_customer_number and learn_now:
        number["xentral_customer_number"] = customer_number_learn(
            customer_id=order.xentral_customer_id, seen=seen_customer, client=client
        )
        order.xentral_customer_number = number["xentral_customer_number"]
    return number


def _save(
    order: OrderRequest,
    *,
    event: dict | None = None,
    calls: XentralClient | None = None,
    **fields,
) -> None:
    """Write fields at once in their own short transaction (ids before the next remote call),
    with the event that records them and the Xentral calls `calls` logged so far."""
    fields["updated_at"] = timezone.now()
    for name, value in fields.items():
        setattr(order, name, value)
    with transaction.atomic():
        OrderRequest.objects.filter(pk=order.pk).update(**fields)
        if event is not None:
            OrderEvent.objects.create(order=order, **event)
        if calls is not None:
            calls.flush_log()


def _adopt_existing(order: OrderRequest, client: XentralClient) -> None:
    """Before a retry of the import: an earlier attempt may have been committed by Xentral
    with the answer lost. `externalOrderId` carries the hub's UUID, so a hit from another
    channel with the same reference is not taken for this order."""
    found = client.get(
        "/api/v1/salesOrders",
        params=filter_params(("externalOrderNumber", "equals", order.reference)),
    )
    for item in (found or {}).get("data", []):
        if item.get("externalOrderId") not in (None, "", str(order.id)):
            continue
        _save(
            order,
            xentral_order_id=str(item["id"]),
            xentral_order_number=str(item.get("documentNumber") or ""),
        )
        OrderEvent.objects.create(
            order=order,
            kind=OrderEventKind.XENTRAL_CALL,
            message=f"Found the order already in Xentral ({item['id']}); not imported again",
        )
        return


def _check_channel(order: OrderRequest, project: OrderProject | None, errors: list[dict]) -> None:
    channel, customer = order.channel, order.payload["customer"]
    if project is None:
        errors.append(
            order_error(
                "channel.project_id",
                OrderErrorCode.CHANNEL_CONFIGURATION,
                f"Channel {channel} has no Xentral project; staff must set one",
            )
        )
    if customer.get("number") and not channel.allow_customer_number:
        errors.append(
            order_error(
                "customer.number",
                OrderErrorCode.CUSTOMER_NUMBER_NOT_ALLOWED,
                "This channel may not order by customer number; send the customer's e-mail",
            )
        )


def _find_customer(order: OrderRequest, client: XentralClient, errors: list[dict]):
    """The customer lookup (reads only); an unknown customer the channel may not create is
    one more error, so it is reported with the others."""
    customer, channel = order.payload["customer"], order.channel
    lookup = customer_lookup(customer=customer, channel=channel, client=client, order=order)
    if lookup.found is None and lookup.claim is None:
        creatable = customer_may_be_created(customer=customer, channel=channel)
        reason = "" if creatable else " and this channel may not create customers"
        field = "customer.number" if customer.get("number") else "customer.email"
        errors.append(
            order_error(
                field,
                OrderErrorCode.CUSTOMER_NOT_FOUND,
                f"Customer {customer.get('number') or customer.get('email')} not found in "
                f"Xentral{reason}",
            )
        )
    return lookup


def _import_body(order: OrderRequest, client: XentralClient) -> tuple[dict, dict, dict]:
    """The import body; every problem the hub can know before a write is collected first and
    raised together (OrderBusinessError), so the channel fixes them all at once."""
    payload, channel = order.payload, order.channel
    errors: list[dict] = []
    products = resolve_items(payload["items"], client, errors)
    payment = resolve_method(MethodKind.PAYMENT, payload.get("payment"), channel, client, errors)
    shipping = resolve_method(MethodKind.SHIPPING, payload.get("shipping"), channel, client, errors)
    project = order_project(order=order)
    _check_channel(order, project, errors)
    charge_products = _charge_products(payload, channel, client, errors)
    currency = payload.get("currency") or "EUR"
    gross = payload.get("prices") == "gross"
    positions: list[dict] = []
    charges: dict = {}
    if not errors:
        # Before the customer is looked up or created: a missing tax rate holds the order.
        positions = [
            _position(item, product, gross, currency)
            for item, product in zip(payload["items"], products, strict=True)
        ]
        charges = _charges(payload, charge_products, gross, currency)
    lookup = CustomerLookup(None, None)
    if not any(e["field"] == "customer.number" for e in errors):
        lookup = _find_customer(order, client, errors)
    if errors:
        raise OrderBusinessError(errors)
    customer = lookup.found or customer_create(
        customer=payload["customer"], project=project, client=client, claim=lookup.claim
    )
    customer_fields = {
        "xentral_customer_id": customer.id,
        "xentral_customer_number": customer.number,
        "customer_created": customer.created,
    }
    customer_event = {
        "kind": OrderEventKind.CUSTOMER_CREATED
        if customer.created
        else OrderEventKind.CUSTOMER_FOUND,
        "message": f"Customer {customer.number or customer.id} ({customer.found_by})",
        "data": {"customer_id": customer.id, "customer_number": customer.number},
    }
    financials: dict = {"paymentMethod": {"id": payment}, "currency": currency}
    billing = _address(payload["customer"])
    if billing:
        financials["billingAddress"] = billing
    if payload["customer"].get("vat_id"):
        financials["tax"] = {"vatId": payload["customer"]["vat_id"]}
    delivery: dict = {"shippingMethod": {"id": shipping}}
    if "shippingCosts" in charges:
        delivery["shippingCosts"] = charges["shippingCosts"]
    if payload.get("delivery_address"):
        delivery["shippingAddress"] = _address(payload["delivery_address"])
    body = {
        "date": timezone.localdate().isoformat(),
        "externalOrderNumber": order.reference,
        "externalOrderId": str(order.id),
        "customer": {"id": customer.id},
        "project": {"id": project.id},
        "financials": financials,
        "delivery": delivery,
        "positions": positions,
    }
    if "discountPositions" in charges:
        body["discountPositions"] = charges["discountPositions"]
    shop_total = _gross_total(payload)
    if shop_total is not None:
        # Net amounts rounded to four places may miss the shop's gross total by a cent;
        # Xentral then takes the shop's total when it is this close to its own sum.
        body["setTotalAmount"] = {
            "isActive": True,
            "totalGrossAmountFromExternal": float(shop_total),
            "maximumDifferenceToCalculatedSum": MAX_TOTAL_DIFFERENCE,
        }
    if channel.sales_channel_id:
        body["salesChannel"] = {"id": channel.sales_channel_id}
    if payload.get("notes"):
        body["comment"] = payload["notes"]
    return body, customer_fields, customer_event


def _address(block: dict) -> dict | None:
    name = block.get("company") or block.get("name")
    if not name or not block.get("country"):
        return None
    address = {"name": name, "country": block["country"]}
    if block.get("company") and block.get("name"):
        address["contactPerson"] = block["name"]
    for ours, theirs in (("street", "street"), ("zip", "zipCode"), ("city", "city")):
        if block.get(ours):
            address[theirs] = block[ours]
    if block.get("email"):
        address["email"] = block["email"]
    return address


def _position(item: dict, product, gross: bool, currency: str) -> dict:
    quantity = Decimal(item["quantity"])
    position: dict = {
        "product": {"id": product.xentral_id},
        "quantity": int(quantity) if quantity == quantity.to_integral() else float(quantity),
    }
    if item.get("price") is not None:
        price = Decimal(item["price"])
        if gross:
            price = net_from_gross(price, product.sales_tax)
        position["price"] = {"amount": str(price), "currency": currency}
    return position


# What an order charges beyond its lines, the payload field naming it, and the channel's
# setting that names the Xentral product it is booked on.
CHARGES = (
    ("shipping_costs", "shipping_cost_sku", "shipping cost"),
    ("discounts", "discount_sku", "discount"),
)


def _charge_products(
    payload: dict, channel: Channel, client: XentralClient, errors: list[dict]
) -> dict[str, Product]:
    """The Xentral products the order's shipping costs and discounts are booked on (from the
    product index, so a warm order costs no call); a missing one is the channel's fault."""
    wanted = {
        field: getattr(channel, setting)
        for field, setting, _ in CHARGES
        if _charged(payload, field)
    }
    found = resolve_skus([sku for sku in wanted.values() if sku], client=client) if wanted else {}
    products: dict[str, Product] = {}
    for field, setting, label in CHARGES:
        if field not in wanted:
            continue
        sku, product = wanted[field], found.get(wanted[field])
        if not sku:
            problem = f"Channel {channel} has no {label} product ({setting}); staff must set one"
        elif product is None or product.is_disabled:
            state = "not found" if product is None else "disabled"
            problem = f"The {label} product {sku} of channel {channel} is {state} in Xentral"
        else:
            products[field] = product
            continue
        errors.append(order_error(field, OrderErrorCode.CHANNEL_CONFIGURATION, problem))
    return products


def _charged(payload: dict, field: str) -> bool:
    if field == "shipping_costs":
        return Decimal(payload.get(field) or 0) > 0
    return bool(payload.get(field))


def _charges(payload: dict, products: dict[str, Product], gross: bool, currency: str) -> dict:
    """`delivery.shippingCosts` and `discountPositions` of the import body: net amounts (a
    gross amount is converted at its product's sales tax rate, as the lines are)."""

    def net(amount: str, product: Product) -> str:
        value = Decimal(amount)
        return str(net_from_gross(value, product.sales_tax) if gross else value)

    charges: dict = {}
    if "shipping_costs" in products:
        product = products["shipping_costs"]
        charges["shippingCosts"] = [
            {
                "shippingCostProduct": {"id": product.xentral_id},
                "quantity": 1,
                "price": {"amount": net(payload["shipping_costs"], product), "currency": currency},
            }
        ]
    if "discounts" in products:
        product = products["discounts"]
        charges["discountPositions"] = [
            {
                "discountProduct": {"id": product.xentral_id}
                | ({"name": discount["name"]} if discount.get("name") else {}),
                "quantity": 1,
                "value": {"amount": net(discount["amount"], product), "currency": currency},
            }
            for discount in payload["discounts"]
        ]
    return charges


def _gross_total(payload: dict) -> Decimal | None:
    """What the shop charged, where it is known: gross prices on every line."""
    items = payload["items"]
    if payload.get("prices") != "gross" or any(i.get("price") is None for i in items):
        return None
    total = sum((Decimal(i["price"]) * Decimal(i["quantity"]) for i in items), Decimal(0))
    total += Decimal(payload.get("shipping_costs") or 0)
    total -= sum((Decimal(d["amount"]) for d in payload.get("discounts") or []), Decimal(0))
    return total.quantize(Decimal("0.01"))
