"""OpenAPI rules of the order payload that its serializers check in `validate()` and in their
decimal fields, so a request valid under the schema is one the API accepts."""

from copy import deepcopy

from orders.serializers import MAX_DISCOUNTS, MAX_ITEMS

TEXT = {"type": "string", "minLength": 1, "pattern": r"\S"}
# Decimals are strings of at most 10 integer and 4 decimal places; a quantity is above zero.
POSITIVE_QUANTITY = r"^(0*[1-9][0-9]{0,9}(\.[0-9]{1,4})?|0{0,10}\.[0-9]{0,3}[1-9])$"
PRICE = r"^[0-9]{1,10}(\.[0-9]{1,4})?$"
# What Django's email validator takes, as a pattern (the `email` format alone allows more).
EMAIL = (
    r"^[A-Za-z0-9_%+-]{1,30}(\.[A-Za-z0-9_%+-]{1,30}){0,2}"
    r"@[A-Za-z0-9]{1,20}(-[A-Za-z0-9]{1,20}){0,2}(\.[A-Za-z0-9]{1,20}){0,2}\.[A-Za-z]{2,10}$"
)
EMAIL_FIELD = {"type": "string", "format": "email", "pattern": EMAIL}


def order_request_rules(result, generator, request, public):
    """Postprocessing hook: an item names `sku`, or `external_number` with `target`; a customer
    has a `number`, or an `email` and the address; at least one item, at most MAX_ITEMS."""
    schemas = result.get("components", {}).get("schemas", {})
    if "OrderPayloadRequest" not in schemas:
        return result
    properties = schemas["OrderPayloadRequest"]["properties"]
    properties["items"].update(minItems=1, maxItems=MAX_ITEMS)
    properties["shipping_costs"] = {"nullable": True, **_decimal(PRICE, minimum=0)}
    properties["discounts"]["maxItems"] = MAX_DISCOUNTS
    properties["discounts"]["description"] = (
        "Order-level discounts, net or gross like the lines; where every item has a price, "
        "together at most the items' value plus the shipping costs."
    )
    schemas["DiscountRequest"]["properties"]["amount"] = _decimal(POSITIVE_QUANTITY, minimum=1)
    _item_rules(schemas["ItemRequest"])
    _customer_rules(schemas["CustomerRequest"])
    return result


def _decimal(pattern: str, *, minimum: int) -> dict:
    """A decimal is a string, or a whole JSON number."""
    return {
        "anyOf": [
            {"type": "string", "format": "decimal", "pattern": pattern},
            {"type": "integer", "minimum": minimum, "maximum": 9_999_999_999},
        ]
    }


def _item_rules(item: dict) -> None:
    properties = item.pop("properties")
    # A decimal is a string, or a whole JSON number.
    properties["quantity"] = {
        "anyOf": [
            {"type": "string", "format": "decimal", "pattern": POSITIVE_QUANTITY},
            {"type": "integer", "minimum": 1, "maximum": 9_999_999_999},
        ]
    }
    properties["price"] = {
        "nullable": True,
        "anyOf": [
            {"type": "string", "format": "decimal", "pattern": PRICE},
            {"type": "integer", "minimum": 0, "maximum": 9_999_999_999},
        ],
    }
    common = {k: properties[k] for k in ("quantity", "price")}
    item.pop("required", None)
    item.pop("additionalProperties", None)
    item["oneOf"] = [
        {
            "type": "object",
            "title": "By SKU",
            "properties": {"sku": properties["sku"], **deepcopy(common)},
            "required": ["sku", "quantity"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "title": "By a foreign number",
            "properties": {
                "external_number": properties["external_number"],
                "target": properties["target"],
                **deepcopy(common),
            },
            "required": ["external_number", "target", "quantity"],
            "additionalProperties": False,
        },
    ]


def _customer_rules(customer: dict) -> None:
    customer["description"] = (
        "An existing customer by `number`, or by `email` with the address (name, street, zip, "
        "city, country), from which the hub creates the customer when the channel may. A "
        "channel that may not create customers also accepts `email` alone."
    )
    customer["properties"]["email"] = {
        "nullable": True,
        "oneOf": [EMAIL_FIELD, {"type": "string", "maxLength": 0}],
    }
    address = dict.fromkeys(("name", "street", "zip", "city"), TEXT)
    customer["anyOf"] = [
        {"required": ["number"], "properties": {"number": TEXT}},
        {
            "required": ["email", "name", "street", "zip", "city", "country"],
            "properties": {
                "email": EMAIL_FIELD,
                **address,
                "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
            },
        },
    ]
