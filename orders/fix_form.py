"""The fix-and-resubmit form of a failed order: customer, delivery address, items and the
channel's shipping and payment codes as fields, turned back into an order payload."""

from django import forms

from backoffice.models import Channel, XentralNameKind
from backoffice.xentral.names import xentral_name_choices, xentral_name_label, xentral_names

CUSTOMER_FIELDS = (
    "email", "number", "name", "company", "vat_id", "phone", "street", "zip", "city", "country",
)  # fmt: skip
DELIVERY_FIELDS = ("name", "company", "street", "zip", "city", "country")
ITEM_FIELDS = ("sku", "external_number", "target", "quantity", "price")


def _text(label: str = "", **attrs) -> forms.CharField:
    return forms.CharField(
        required=False, label=label or None, widget=forms.TextInput(attrs={"size": 24, **attrs})
    )


class CustomerForm(forms.Form):
    email = _text("e-mail", type="email")
    number = _text("customer number")
    name = _text()
    company = _text()
    vat_id = _text("VAT id")
    phone = _text()
    street = _text()
    zip = _text("postcode", size=8)
    city = _text()
    country = _text("country (ISO code)", size=4)


class DeliveryAddressForm(forms.Form):
    name = _text()
    company = _text()
    street = _text()
    zip = _text("postcode", size=8)
    city = _text()
    country = _text("country (ISO code)", size=4)


class ItemForm(forms.Form):
    # The datalist is filled from the product index as staff type (see the template).
    sku = _text("SKU", list="sku-options", autocomplete="off", **{"class": "sku-input"})
    external_number = _text("foreign number", size=14)
    target = forms.ChoiceField(required=False, label="target")
    quantity = _text("quantity", size=6)
    price = _text("price", size=8)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Targets by name (cached from Xentral); the item's own id stays selectable.
        current = str(self.data.get(self.add_prefix("target")) or self.initial.get("target") or "")
        self.fields["target"].choices = [
            ("", "-"),
            *xentral_name_choices(XentralNameKind.REFERENCE_TARGET, current=current),
        ]


class PayloadForm(forms.Form):
    """The advanced view: the raw payload as JSON."""

    payload = forms.CharField(widget=forms.Textarea(attrs={"rows": 30, "cols": 100}))


class ResolveForm(forms.Form):
    reason = forms.CharField(max_length=500)


ItemFormSet = forms.formset_factory(ItemForm, extra=1, can_delete=True)


def _method_choices(
    mapping: dict, default_id: str, current: str, names: dict[str, str]
) -> list[tuple[str, str]]:
    """The channel's mapped codes with the Xentral method each names; the order's own code stays
    selectable when the channel does not map it (the hub then matches it against Xentral's method
    types and names)."""
    default = xentral_name_label(names, default_id)
    empty = f"channel default: {default}" if default else "none (no default)"
    choices = [("", empty)] + [
        (code, f"{code} → {xentral_name_label(names, mapping[code])}") for code in sorted(mapping)
    ]
    if current and current not in mapping:
        choices.append((current, f"{current} (not in the channel's map: matched in Xentral)"))
    return choices


class MethodsForm(forms.Form):
    shipping = forms.ChoiceField(required=False, label="shipping method")
    payment = forms.ChoiceField(required=False, label="payment method")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 30}))

    def __init__(self, *args, channel: Channel, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shipping"].choices = _method_choices(
            channel.shipping_map,
            channel.shipping_default,
            current.get("shipping") or "",
            xentral_names(XentralNameKind.SHIPPING_METHOD),
        )
        self.fields["payment"].choices = _method_choices(
            channel.payment_map,
            channel.payment_default,
            current.get("payment") or "",
            xentral_names(XentralNameKind.PAYMENT_METHOD),
        )


class OrderFixForms:
    """The four parts of the form, bound together; `payload()` merges them into the order's
    payload, keeping what the form does not show (currency, prices, custom fields...)."""

    def __init__(self, *, order, data=None):
        payload = order.payload
        self.original = payload
        customer = payload.get("customer") or {}
        delivery = payload.get("delivery_address") or {}
        items = [{k: _shown(item.get(k)) for k in ITEM_FIELDS} for item in payload["items"]]
        self.customer = CustomerForm(
            data, prefix="customer", initial={k: _shown(customer.get(k)) for k in CUSTOMER_FIELDS}
        )
        self.delivery = DeliveryAddressForm(
            data, prefix="delivery", initial={k: _shown(delivery.get(k)) for k in DELIVERY_FIELDS}
        )
        self.items = ItemFormSet(data, prefix="items", initial=items)
        self.methods = MethodsForm(
            data,
            prefix="order",
            channel=order.channel,
            current=payload,
            initial={k: payload.get(k) or "" for k in ("shipping", "payment", "notes")},
        )

    def is_valid(self) -> bool:
        parts = (self.customer, self.delivery, self.items, self.methods)
        results = [part.is_valid() for part in parts]  # every part, so each shows its errors
        return all(results)

    def payload(self) -> dict:
        payload = dict(self.original)
        payload["customer"] = _merged(
            self.original.get("customer") or {}, self.customer.cleaned_data
        )
        delivery = {k: v for k, v in self.delivery.cleaned_data.items() if v}
        if delivery:
            payload["delivery_address"] = _merged(
                self.original.get("delivery_address") or {}, self.delivery.cleaned_data
            )
        else:
            payload.pop("delivery_address", None)
        originals = self.original["items"]
        items = []
        for index, form in enumerate(self.items.forms):
            data = form.cleaned_data
            if not data or data.get("DELETE") or not any(data.get(k) for k in ITEM_FIELDS):
                continue
            before = originals[index] if index < len(originals) else {}
            items.append(_merged(before, {k: data.get(k, "") for k in ITEM_FIELDS}))
        payload["items"] = items
        for key, value in self.methods.cleaned_data.items():
            payload[key] = value or None
            if not value and key not in self.original:
                payload.pop(key)
        return payload


def _shown(value) -> str:
    """A payload value as a form shows it (fixed-point numbers without trailing zeros)."""
    if value is None:
        return ""
    text = str(value)
    if "." in text and text.replace(".", "", 1).isdigit():
        text = text.rstrip("0").rstrip(".")
    return text


def _merged(before: dict, fields: dict) -> dict:
    """The part as it was, with the form's values: a value staff cleared is removed, one the
    form leaves as it was keeps its stored form (so `2.0000` is not reported as a change)."""
    merged = dict(before)
    for key, value in fields.items():
        value = value.strip() if isinstance(value, str) else value
        if value in ("", None):
            merged.pop(key, None)
        elif _shown(before.get(key)) != value:
            merged[key] = value
    return merged
