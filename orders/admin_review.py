"""What staff read when reviewing orders in the admin: the error that stopped an order with a
link to its fix, a filter with counts by error code, and staff edits as field diffs."""

import json
import re

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from backoffice.models import XentralNameKind
from backoffice.xentral.names import xentral_name_label, xentral_names
from orders import selectors
from orders.errors import OrderErrorCode
from orders.models import OrderEventKind, OrderRequest
from orders.payload_diff import payload_diff
from orders.selectors import error_code_counts

SHORT_MESSAGE = 60
ITEM_FIELD = re.compile(r"^items\[(\d+)\]")


def pretty_json(value) -> str:
    return format_html(
        "<pre style='white-space:pre-wrap'>{}</pre>",
        json.dumps(value, indent=2, ensure_ascii=False),
    )


def first_error(order: OrderRequest) -> dict | None:
    return order.errors[0] if order.errors else None


def short_message(order: OrderRequest) -> str:
    error = first_error(order)
    if error is None:
        return ""
    message = error.get("message") or ""
    if len(message) > SHORT_MESSAGE:
        message = message[: SHORT_MESSAGE - 1] + "…"
    more = len(order.errors) - 1
    return f"{message} (+{more} more)" if more else message


def _item(order: OrderRequest, field: str) -> dict:
    """The payload item an error's field (`items[2].sku`) points at."""
    match = ITEM_FIELD.match(field or "")
    items = order.payload.get("items") or []
    index = int(match.group(1)) if match else -1
    return items[index] if 0 <= index < len(items) else {}


def fix_links(order: OrderRequest, error: dict) -> list[tuple[str, str]]:
    """`(label, url)` of the admin pages where the cause of this error is fixed."""
    code = error.get("code")
    item = _item(order, error.get("field"))
    sku = error.get("sku") or item.get("sku") or ""
    if code in (
        OrderErrorCode.UNKNOWN_SKU,
        OrderErrorCode.DISABLED_PRODUCT,
        OrderErrorCode.MATRIX_PARENT,
    ):
        return [("find the product", _url("admin:catalog_product_changelist", q=sku))]
    if code == OrderErrorCode.UNKNOWN_EXTERNAL_NUMBER:
        number = error.get("external_number") or item.get("external_number") or ""
        target = error.get("target") or item.get("target") or ""
        return [
            (
                "map this foreign number",
                _url("admin:catalog_externalreference_add", number=number, target_id=target),
            ),
            ("mapping health", _url("admin:catalog_health", target=target or "1")),
        ]
    if code in (OrderErrorCode.UNMAPPED_PAYMENT, OrderErrorCode.UNMAPPED_SHIPPING):
        channel = reverse("admin:backoffice_channel_change", args=[order.channel_id])
        return [("map it on the channel", channel)]
    if code in (OrderErrorCode.TAX_CONFIGURATION, OrderErrorCode.XENTRAL_CONFIGURATION):
        return [("open configuration alerts", _url("admin:backoffice_staffalert_changelist"))]
    return []


def _url(name: str, **query: str) -> str:
    query = {k: v for k, v in query.items() if v}
    return reverse(name) + (f"?{urlencode(query)}" if query else "")


def error_with_links(order: OrderRequest, error: dict) -> str:
    links = format_html_join(
        " · ", '<a class="fix-link" href="{}">{}</a>', ((u, t) for t, u in fix_links(order, error))
    )
    return format_html(
        "<code>{}</code> {}: {} {}",
        error.get("code"),
        error.get("field") or "order",
        error.get("message"),
        links,
    )


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("yes", "Needs attention"), *selectors.AttentionReason.choices]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        reason = None if self.value() == "yes" else self.value()
        if reason is not None and reason not in selectors.AttentionReason.values:
            return queryset.none()
        needing = selectors.orders_needing_attention(reason=reason)
        return queryset.filter(pk__in=needing.values("pk"))


class ErrorCodeFilter(admin.SimpleListFilter):
    """The first error's code, each with how many orders it stopped ("12 x unknown_sku")."""

    title = "error code"
    parameter_name = "error_code"

    def lookups(self, request, model_admin):
        counts = error_code_counts(model_admin.get_queryset(request))
        return [(code, f"{n} \N{MULTIPLICATION SIGN} {code}") for code, n in counts]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(errors__0__code=self.value())
        return queryset


def edit_diff(event) -> str:
    """A staff resubmission with a corrected payload as `field: before → after` rows."""
    if event.kind != OrderEventKind.RESUBMITTED or "previous_payload" not in event.data:
        return ""
    changes = payload_diff(event.data["previous_payload"], event.data.get("payload") or {})
    if not changes:
        return ""
    return format_html(
        '<table class="edit-diff">{}</table>',
        format_html_join(
            "",
            "<tr><td><code>{}</code></td><td>{}</td><td>→</td><td><strong>{}</strong></td></tr>",
            changes,
        ),
    )


def methods_named(order: OrderRequest) -> list[tuple[str, str, str]]:
    """`(kind, shop code, Xentral method)` for the order's payment and shipping: the channel's
    mapping read by name from the cache; a code the channel does not map is matched against
    Xentral's method types and names when the order is sent."""
    channel = order.channel
    rows = []
    for kind, key, mapping, default, name_kind in (
        ("payment", "payment", channel.payment_map, channel.payment_default,
         XentralNameKind.PAYMENT_METHOD),
        ("shipping", "shipping", channel.shipping_map, channel.shipping_default,
         XentralNameKind.SHIPPING_METHOD),
    ):  # fmt: skip
        names = xentral_names(name_kind)
        code = order.payload.get(key) or ""
        if code in mapping:
            method = xentral_name_label(names, mapping[code])
        elif code:
            method = "not mapped: matched by Xentral's type or name"
        else:
            method = f"channel default: {xentral_name_label(names, default) or 'none'}"
        rows.append((kind, code or "-", method))
    return rows
