"""The order payload as channels send it, validated strictly, and the one order representation."""

from decimal import Decimal

from rest_framework import serializers
from rest_framework.reverse import reverse

from orders.errors import PUBLIC_ERROR_KEYS
from orders.models import FulfilmentStatus, OrderRequest

MAX_ITEMS = 500
MAX_DISCOUNTS = 20
REQUIRED_MESSAGES = {
    "required": "Required field '{field}' is missing",
    "null": "Required field '{field}' is missing",
    "blank": "Required field '{field}' is missing",
}


class StrictSerializer(serializers.Serializer):
    """Rejects unknown fields (code `unknown_field`) and text sent as another JSON type (DRF
    would turn `0` into "0"), and says which required field is missing."""

    def __init_subclass__(cls, **kwargs):
        # Once per class, into the arguments each instance's fields are copied from: setting
        # them on every instance's fields cost a third of validating an order.
        super().__init_subclass__(**kwargs)
        for name, field in cls._declared_fields.items():
            field._kwargs["error_messages"] = {
                **field._kwargs.get("error_messages", {}),
                **{
                    code: template.format(field=name)
                    for code, template in REQUIRED_MESSAGES.items()
                },
            }

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, dict):
            unknown = {
                key: [serializers.ErrorDetail(f"Unknown field '{key}'", code="unknown_field")]
                for key in data
                if key not in self.fields
            }
            unknown.update(
                (key, [serializers.ErrorDetail("Not a valid string.", code="invalid")])
                for key, value in data.items()
                if isinstance(self.fields.get(key), serializers.CharField)
                and value is not None
                and not isinstance(value, str)
            )
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **unknown}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


def _optional_char(max_length: int = 255, **kwargs) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_null=True, allow_blank=True, **kwargs
    )


class CountryField(serializers.RegexField):
    def __init__(self, *, error_messages: dict | None = None, **kwargs):
        super().__init__(
            r"^[A-Z]{2}$",
            error_messages={
                "invalid": "Use an ISO 3166-1 alpha-2 country code, e.g. DE",
                **(error_messages or {}),
            },
            **kwargs,
        )


ADDRESS_FIELDS = ("name", "street", "zip", "city", "country")


class CustomerSerializer(StrictSerializer):
    email = serializers.EmailField(required=False, allow_null=True, allow_blank=True)
    number = _optional_char(50)
    name = _optional_char()
    company = _optional_char()
    vat_id = _optional_char(50)
    phone = _optional_char(50)
    street = _optional_char()
    zip = _optional_char(20)
    city = _optional_char()
    country = CountryField(required=False, allow_null=True, allow_blank=True)

    def validate(self, attrs):
        if not attrs.get("email") and not attrs.get("number"):
            raise serializers.ValidationError(
                {
                    "email": [
                        serializers.ErrorDetail(
                            REQUIRED_MESSAGES["required"].format(field="email"), code="required"
                        )
                    ]
                }
            )
        creatable = self.context.get("allow_customer_creation", False) and not attrs.get("number")
        if creatable:
            missing = {
                name: [
                    serializers.ErrorDetail(
                        REQUIRED_MESSAGES["required"].format(field=name), code="required"
                    )
                ]
                for name in ADDRESS_FIELDS
                if not attrs.get(name)
            }
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


class DeliveryAddressSerializer(StrictSerializer):
    name = serializers.CharField(max_length=255)
    company = _optional_char()
    street = serializers.CharField(max_length=255)
    zip = serializers.CharField(max_length=20)
    city = serializers.CharField(max_length=255)
    country = CountryField()


class ItemSerializer(StrictSerializer):
    sku = serializers.CharField(max_length=100, required=False)
    external_number = serializers.CharField(max_length=100, required=False)
    target = serializers.CharField(max_length=20, required=False)
    quantity = serializers.DecimalField(
        max_digits=14, decimal_places=4, min_value=Decimal("0.0001"), coerce_to_string=True
    )
    price = serializers.DecimalField(
        max_digits=14,
        decimal_places=4,
        min_value=Decimal("0"),
        required=False,
        allow_null=True,
        coerce_to_string=True,
    )

    def validate(self, attrs):
        if attrs.get("sku"):
            if attrs.get("external_number") or attrs.get("target"):
                raise serializers.ValidationError(
                    {
                        "sku": [
                            serializers.ErrorDetail(
                                "Send either 'sku' or 'external_number' with 'target'",
                                code="invalid",
                            )
                        ]
                    }
                )
            return attrs
        if attrs.get("external_number") or attrs.get("target"):
            missing = [name for name in ("external_number", "target") if not attrs.get(name)]
            if missing:
                raise serializers.ValidationError(
                    {
                        name: [
                            serializers.ErrorDetail(
                                REQUIRED_MESSAGES["required"].format(field=name), code="required"
                            )
                        ]
                        for name in missing
                    }
                )
            return attrs
        raise serializers.ValidationError(
            {
                "sku": [
                    serializers.ErrorDetail(
                        REQUIRED_MESSAGES["required"].format(field="sku"), code="required"
                    )
                ]
            }
        )


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=14, decimal_places=4, coerce_to_string=True, **kwargs
    )


class DiscountSerializer(StrictSerializer):
    """An order-level discount (a voucher, a basket rebate): net or gross like the lines."""

    amount = _money(min_value=Decimal("0.0001"))
    name = _optional_char()


class OrderPayloadSerializer(StrictSerializer):
    """What a channel posts to `/api/v1/orders`; the validated data is stored as the payload."""

    reference = serializers.CharField(min_length=1, max_length=64)
    customer = CustomerSerializer()
    delivery_address = DeliveryAddressSerializer(required=False, allow_null=True)
    items = ItemSerializer(
        many=True,
        allow_empty=False,
        max_length=MAX_ITEMS,
        error_messages={
            "empty": "At least one item is required",
            "max_length": f"At most {MAX_ITEMS} items",
        },
    )
    shipping = _optional_char(50)
    payment = _optional_char(50)
    payment_status = _optional_char(50)
    currency = serializers.RegexField(
        r"^[A-Z]{3}$",
        required=False,
        default="EUR",
        error_messages={"invalid": "Use an ISO 4217 code, e.g. EUR"},
    )
    prices = serializers.ChoiceField(choices=["net", "gross"], required=False, default="net")
    # What the customer paid beyond the lines; left out of the stored payload when not sent,
    # so the payload (and its hash) of an order without them is as it always was.
    shipping_costs = _money(min_value=Decimal("0"), required=False, allow_null=True)
    discounts = DiscountSerializer(
        many=True,
        required=False,
        max_length=MAX_DISCOUNTS,
        error_messages={"max_length": f"At most {MAX_DISCOUNTS} discounts"},
    )
    notes = _optional_char(5000)
    custom_fields = serializers.DictField(required=False, default=dict)

    def validate(self, attrs):
        # Where every line has a price, the discounts may not take the order below zero.
        lines = attrs["items"]
        discounts = sum((d["amount"] for d in attrs.get("discounts") or []), Decimal(0))
        if not discounts or any(line.get("price") is None for line in lines):
            return attrs
        worth = sum((line["price"] * line["quantity"] for line in lines), Decimal(0))
        worth += attrs.get("shipping_costs") or Decimal(0)
        if discounts > worth:
            raise serializers.ValidationError(
                {
                    "discounts": [
                        serializers.ErrorDetail(
                            f"The discounts ({discounts:.2f}) exceed what the order is worth "
                            f"({worth:.2f})",
                            code="invalid",
                        )
                    ]
                }
            )
        return attrs


def validated_payload(data, *, allow_customer_creation: bool) -> dict:
    """The JSON-ready validated payload (decimals as strings); raises ValidationError."""
    serializer = OrderPayloadSerializer(
        data=data, context={"allow_customer_creation": allow_customer_creation}
    )
    if not serializer.is_valid():
        raise serializers.ValidationError(_api_codes(serializer.errors))
    return _plain(serializer.validated_data)


API_CODES = {"required", "invalid", "unknown_field"}


def _api_codes(detail):
    """The API promises three codes: required, invalid, unknown_field; list errors keyed by
    position become lists so paths read `items[1].sku`."""
    if isinstance(detail, dict):
        if detail and all(isinstance(key, int) for key in detail):
            items = [{} for _ in range(max(detail) + 1)]
            for index, value in detail.items():
                items[index] = _api_codes(value)
            return items
        return {key: _api_codes(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_api_codes(item) for item in detail]
    code = getattr(detail, "code", "invalid")
    if code in ("null", "blank"):
        code = "required"
    return serializers.ErrorDetail(str(detail), code=code if code in API_CODES else "invalid")


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


class XentralPartSerializer(serializers.Serializer):
    order_id = serializers.CharField(allow_null=True)
    order_number = serializers.CharField(allow_null=True)
    customer_id = serializers.CharField(allow_null=True)
    customer_number = serializers.CharField(allow_null=True)
    customer_created = serializers.BooleanField()


class ErrorSerializer(serializers.Serializer):
    field = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class ShipmentLineSerializer(serializers.Serializer):
    sku = serializers.CharField()
    quantity = serializers.FloatField()


class ShipmentSerializer(serializers.Serializer):
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    tracking_url = serializers.URLField(allow_null=True)
    shipped_at = serializers.DateTimeField(allow_null=True)
    lines = ShipmentLineSerializer(many=True)


class FulfilmentSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=FulfilmentStatus.choices)
    shipments = ShipmentSerializer(many=True)


class OrderSerializer(serializers.Serializer):
    """The one order representation: API answers, GET and webhooks."""

    id = serializers.UUIDField()
    reference = serializers.CharField()
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    errors = ErrorSerializer(many=True)
    xentral = XentralPartSerializer()
    fulfilment = FulfilmentSerializer()
    created_at = serializers.DateTimeField()
    links = serializers.DictField(child=serializers.URLField())


def public_errors(errors: list[dict]) -> list[dict]:
    """The errors as the API documents them (`field`, `code`, `message`)."""
    return [{key: error.get(key, "") for key in PUBLIC_ERROR_KEYS} for error in errors or []]


def order_representation(order: OrderRequest, *, request=None, base_url: str = "") -> dict:
    path = reverse("orders:order-detail", kwargs={"id": order.id})
    if request is not None:
        url = request.build_absolute_uri(path)
    else:
        url = f"{base_url.rstrip('/')}{path}"
    # A channel learns a customer's Xentral ids only for a customer its order created, or
    # when it may order by customer number: never another channel's customer's.
    reveal = order.customer_created or order.channel.allow_customer_number
    return {
        "id": str(order.id),
        "reference": order.reference,
        "status": order.status,
        "attempts": order.attempts,
        "next_attempt_at": order.next_attempt_at.isoformat() if order.next_attempt_at else None,
        "errors": public_errors(order.errors),
        "xentral": {
            "order_id": order.xentral_order_id or None,
            "order_number": order.xentral_order_number or None,
            "customer_id": (order.xentral_customer_id or None) if reveal else None,
            "customer_number": (order.xentral_customer_number or None) if reveal else None,
            "customer_created": order.customer_created,
        },
        "fulfilment": fulfilment_representation(order),
        "created_at": order.created_at.isoformat(),
        "links": {"self": url},
    }


def fulfilment_representation(order: OrderRequest) -> dict:
    """`{"status", "shipments": [{carrier, tracking_number, tracking_url, shipped_at, lines}]}`"""
    return {
        "status": order.fulfilment_status,
        "shipments": [
            {
                "carrier": s.carrier,
                "tracking_number": s.tracking_number,
                "tracking_url": s.tracking_url or None,
                "shipped_at": s.shipped_at.isoformat() if s.shipped_at else None,
                "lines": [{"sku": line["sku"], "quantity": line["quantity"]} for line in s.lines],
            }
            for s in order.shipments.all()
        ],
    }
