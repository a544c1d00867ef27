"""Read views of the state as the schema's types: each attribute or method is a field of the
same name (methods take the field's arguments). `typename` picks the concrete type of an
interface or union."""

from datetime import UTC, datetime

from connectors.centra.sandbox import presets

DEFAULT_DATE_FORMAT = "Y-m-d\\TH:i:sP"


def php_date(moment: datetime | None, fmt: str = DEFAULT_DATE_FORMAT) -> str | None:
    """Centra's `format` arguments take PHP date() formats ([DTC] `orderDate(format: "Y-m-d")`);
    the common characters are served, a backslash escapes the next one."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    codes = {
        "Y": "%Y",
        "m": "%m",
        "d": "%d",
        "H": "%H",
        "i": "%M",
        "s": "%S",
        "y": "%y",
        "j": str(moment.day),
        "n": str(moment.month),
        "G": str(moment.hour),
        "P": "+00:00",
        "O": "+0000",
        "T": "UTC",
        "U": str(int(moment.timestamp())),
    }
    out, escaped = [], False
    for char in fmt:
        if escaped:
            out.append(char.replace("%", "%%"))
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out.append(codes.get(char, char.replace("%", "%%")))
    return moment.strftime("".join(out))


def money(value: float, currency: str) -> "Money":
    return Money(round(value, 2), currency)


class Money:
    def __init__(self, value: float, currency: str):
        self.value = value
        self.code = currency

    @property
    def currency(self):
        return {"id": presets.CURRENCIES.get(self.code, 0), "code": self.code}

    @property
    def formattedValue(self):
        return f"{self.value:.2f} {self.code}"

    @property
    def valueInCents(self):
        return round(self.value * 100)

    conversionRate = 1.0


def _net(gross: float, tax_percent: float) -> float:
    return gross / (1 + tax_percent / 100)


class ProductSizeView:
    def __init__(self, state, size: dict):
        self._state, self._size = state, size

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._size.get(name)

    @property
    def productVariant(self):
        return self._state.variants[self._size["variantId"]]

    @property
    def stockTotals(self):
        rows = [self._state.stock_row(self._size["id"], w) for w in self._state.warehouses]
        return (
            {key: sum(row[key] for row in rows) for key in rows[0]}
            if rows
            else {"physicalQuantity": 0, "allocatedQuantity": 0, "freeToAllocateQuantity": 0}
        )


class LineView:
    def __init__(self, state, order: dict, line: dict):
        self._state, self._order, self._line = state, order, line

    @property
    def typename(self):
        if self._line.get("bundleOf"):
            return "BundleItemOrderLine"
        return "BundleOrderLine" if self._size.get("bundleItems") else "ProductOrderLine"

    @property
    def items(self):
        return [
            LineView(self._state, self._order, line)
            for line in self._order["lines"]
            if line.get("bundleOf") == self._line["id"]
        ]

    id = property(lambda self: self._line["id"])
    quantity = property(lambda self: self._line["quantity"] - self._line["cancelledQuantity"])
    cancelledQuantity = property(lambda self: self._line["cancelledQuantity"])
    returnedQuantity = 0
    taxPercent = property(lambda self: self._line["taxPercent"])
    discountPercent = 0.0
    hasAnyDiscount = False
    comment = None

    @property
    def _size(self):
        return self._state.sizes[self._line["sizeId"]]

    size = property(lambda self: self._size["name"])
    productNumber = property(
        lambda self: self._state.products[self._size["productId"]]["productNumber"]
    )
    productName = property(lambda self: self._state.products[self._size["productId"]]["name"])
    productVariantName = property(
        lambda self: self._state.variants[self._size["variantId"]]["name"]
    )
    product = property(lambda self: self._state.products[self._size["productId"]])
    productVariant = property(lambda self: self._state.variants[self._size["variantId"]])
    productSize = property(lambda self: ProductSizeView(self._state, self._size))

    def _price(self, includingTax):
        gross = self._line["unitPrice"]
        return gross if includingTax else _net(gross, self._line["taxPercent"])

    def unitPrice(self, info, includingTax=True):
        return money(self._price(includingTax), self._order["currency"])

    def unitOriginalPrice(self, info, includingTax=True):
        return money(self._price(includingTax), self._order["currency"])

    def lineValue(self, info, includingTax=True):
        return money(self._price(includingTax) * self.quantity, self._order["currency"])


def order_sums(order: dict) -> dict:
    """Gross (tax-included) sums of an order: lines, shipping, discount, total and the tax in
    it. Prices are gross, as a DTC store in the EU shows them (`unitPrice(includingTax: true)`)."""
    lines = sum(
        line["unitPrice"] * (line["quantity"] - line["cancelledQuantity"])
        for line in order["lines"]
    )
    tax = sum(
        (line["unitPrice"] - _net(line["unitPrice"], line["taxPercent"]))
        * (line["quantity"] - line["cancelledQuantity"])
        for line in order["lines"]
    )
    rate = order["lines"][0]["taxPercent"] if order["lines"] else 0.0
    shipping, discount = order["shippingPrice"], order["discount"]
    tax += (shipping - _net(shipping, rate)) - (discount - _net(discount, rate))
    return {
        "lines": lines,
        "shipping": shipping,
        "discount": discount,
        "total": lines + shipping - discount,
        "tax": tax,
    }


class OrderView:
    def __init__(self, state, order: dict):
        self._state, self._order = state, order

    @property
    def typename(self):
        return "WholesaleOrder" if self._order["wholesale"] else "DirectToConsumerOrder"

    id = property(lambda self: self._order["id"])
    number = property(lambda self: self._order["number"])
    status = property(lambda self: self._order["status"])
    isOnHold = property(lambda self: self._order["isOnHold"])
    isLocked = property(lambda self: self._order["isLocked"])
    isWaitingForPayment = False
    otherComment = ""
    currencyBaseRate = 1.0
    purchaseOrderNumber = property(lambda self: self._order.get("purchaseOrderNumber"))

    def grandTotal(self, info, includingTax=True):
        sums = order_sums(self._order)
        value = sums["total"] if includingTax else sums["total"] - sums["tax"]
        return money(value, self._order["currency"])

    def createdAt(self, info, format=DEFAULT_DATE_FORMAT):
        return php_date(self._order["createdAt"], format)

    orderDate = createdAt

    def updatedAt(self, info, format=DEFAULT_DATE_FORMAT):
        return php_date(self._order["updatedAt"], format)

    @property
    def shippingAddress(self):
        return address(self._order["address"], self._order["email"])

    billingAddress = shippingAddress

    @property
    def discountsApplied(self):
        if not self._order["discount"]:
            return []
        return [
            {
                "typename": "AdminDiscount",
                "value": money(self._order["discount"], self._order["currency"]),
                "date": lambda info, format=DEFAULT_DATE_FORMAT: php_date(
                    self._order["createdAt"], format
                ),
            }
        ]

    @property
    def totals(self):
        """Quantities count the goods: product lines and bundle items, not the bundle line."""
        sums, currency = order_sums(self._order), self._order["currency"]
        goods = [line for line in self._order["lines"] if not self._state.is_bundle_line(line)]
        quantity = sum(line["quantity"] - line["cancelledQuantity"] for line in goods)
        shipped = sum(self._state.shipped_quantity(self._order, line["id"]) for line in goods)
        return {
            "quantity": quantity,
            "originalQuantity": sum(line["quantity"] for line in goods),
            "cancelledQuantity": sum(line["cancelledQuantity"] for line in goods),
            "unexpeditedQuantity": quantity - shipped,
            "lineValues": money(sums["lines"], currency),
            "handling": money(0, currency),
            "shipping": money(sums["shipping"], currency),
            "discounts": money(sums["discount"], currency),
            "taxAdded": money(0, currency),
            "taxDeducted": money(0, currency),
            "taxIncluded": money(sums["tax"], currency),
        }

    shippingPriceGroup = {"shippingOption": presets.SHIPPING_OPTION}
    paymentMethod = presets.PAYMENT_METHOD

    @property
    def market(self):
        return self._state.markets[self._order["marketId"]]

    @property
    def store(self):
        return self._state.stores[self._order["storeId"]]

    pricelist = presets.PRICELIST

    def lines(self, info, includeFullyCancelled=False):
        return [
            LineView(self._state, self._order, line)
            for line in self._order["lines"]
            if not line.get("bundleOf")
            and (includeFullyCancelled or line["quantity"] > line["cancelledQuantity"])
        ]

    @property
    def shipments(self):
        return [
            ShipmentView(self._state, self._state.shipments[i]) for i in self._order["shipmentIds"]
        ]

    @property
    def customer(self):
        return self._state.customers.get(self._order["email"])

    @property
    def account(self):
        return self._state.accounts.get(self._order.get("accountId"))

    @property
    def buyer(self):
        return self._state.customers.get(self._order["email"])


def address(fields: dict, email: str) -> dict:
    name, country_id = presets.COUNTRIES.get(fields["country"], (fields["country"], 0))
    return {
        **fields,
        "email": email,
        "country": {"id": country_id, "name": name, "code": fields["country"]},
    }


class ShipmentView:
    def __init__(self, state, shipment: dict):
        self._state, self._shipment = state, shipment

    @property
    def _order(self):
        return self._state.orders[self._shipment["orderNumber"]]

    @property
    def typename(self):
        return "WholesaleShipment" if self._order["wholesale"] else "DirectToConsumerShipment"

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._shipment.get(name)

    def _date(self, key, format):
        return php_date(self._shipment.get(key), format)

    def createdAt(self, info, format=DEFAULT_DATE_FORMAT):
        return self._date("createdAt", format)

    def updatedAt(self, info, format=DEFAULT_DATE_FORMAT):
        return self._date("updatedAt", format)

    def paidAt(self, info, format=DEFAULT_DATE_FORMAT):
        return self._date("paidAt", format)

    def capturedAt(self, info, format=DEFAULT_DATE_FORMAT):
        return self._date("capturedAt", format)

    def shippedAt(self, info, format=DEFAULT_DATE_FORMAT):
        return self._date("shippedAt", format)

    @property
    def carrierInformation(self):
        if not self._shipment.get("carrier") and not self._shipment.get("service"):
            return None
        return {
            "carrierName": self._shipment.get("carrier"),
            "serviceName": self._shipment.get("service"),
        }

    @property
    def lines(self):
        order = self._order
        by_id = {line["id"]: line for line in order["lines"]}
        return [
            {
                "id": shipped["id"],
                "quantity": shipped["quantity"],
                "lineValue": lambda info, includingTax=True, s=shipped: money(
                    LineView(self._state, order, by_id[s["lineId"]])._price(includingTax)
                    * s["quantity"],
                    order["currency"],
                ),
                "orderLine": LineView(self._state, order, by_id[shipped["lineId"]]),
            }
            for shipped in self._shipment["lines"]
        ]

    def grandTotal(self, info, includingTax=True):
        order = self._order
        by_id = {line["id"]: line for line in order["lines"]}
        value = sum(
            LineView(self._state, order, by_id[s["lineId"]])._price(includingTax) * s["quantity"]
            for s in self._shipment["lines"]
        )
        if order["shipmentIds"] and order["shipmentIds"][0] == self._shipment["id"]:
            value += order["shippingPrice"]  # shipping is paid with the first shipment
        return money(value, order["currency"])

    @property
    def shippingAddress(self):
        return address(self._order["address"], self._order["email"])

    @property
    def order(self):
        return OrderView(self._state, self._order)


class StockView:
    def __init__(self, state, size: dict, warehouse_id: int):
        self._state, self._size, self._warehouse_id = state, size, warehouse_id
        self._row = state.stock_row(size["id"], warehouse_id)

    productSize = property(lambda self: ProductSizeView(self._state, self._size))

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._row[name]


class WarehouseView:
    def __init__(self, state, warehouse: dict):
        self._state, self._warehouse = state, warehouse

    id = property(lambda self: self._warehouse["id"])
    name = property(lambda self: self._warehouse["name"])
    stockMaster = property(lambda self: self._warehouse["stockMaster"])

    def stock(self, info, limit=20, page=1):
        sizes = sorted(self._state.sizes.values(), key=lambda s: s["id"])
        return [
            StockView(self._state, size, self._warehouse["id"])
            for size in sizes[(page - 1) * limit : page * limit]
        ]


def event_view(state, event: dict) -> dict:
    target = None
    if event["objectType"] == "Order" and event["changeType"] != "DELETED":
        order = state.orders.get(event["objectReference"])
        target = OrderView(state, order) if order else None
    elif event["objectType"] == "Shipment" and event["changeType"] != "DELETED":
        shipment = state.shipments.get(event["objectReference"])
        target = ShipmentView(state, shipment) if shipment else None
    return {
        **event,
        "createdAt": lambda info, format=DEFAULT_DATE_FORMAT: php_date(event["createdAt"], format),
        "store": state.stores.get(event.get("storeId")),
        "market": state.markets.get(event.get("marketId")),
        "object": target,
    }
