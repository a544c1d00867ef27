"""Staff's workplace for orders: find what failed, read why, fix the payload, resubmit."""

import json
import threading

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince
from rest_framework.exceptions import ValidationError

from backoffice.api.problems import flatten_errors
from catalog.selectors import product_suggestions
from orders import selectors
from orders.admin_review import (
    ErrorCodeFilter,
    NeedsAttentionFilter,
    edit_diff,
    error_with_links,
    first_error,
    methods_named,
    pretty_json,
    short_message,
)
from orders.errors import OrderResubmitRefused, ReferenceCannotChange
from orders.fix_form import OrderFixForms, PayloadForm, ResolveForm
from orders.models import (
    CustomerLink,
    OrderEvent,
    OrderRequest,
    OrderStatus,
    WebhookDelivery,
)
from orders.serializers import validated_payload
from orders.services import (
    RESUBMITTABLE,
    ResubmitVia,
    order_is_resubmittable,
    order_resolve,
    order_resubmit,
)

RESUBMIT_PERMISSION = "orders.resubmit_orderrequest"
RESUBMIT_LIMIT_S = 10.0


def _run_with_limit(fn, **kwargs):
    """Run a resubmission at once but stop waiting after the limit; the attempt finishes (or
    is re-queued by the sweeper) in the background."""
    outcome: dict = {}

    def target():
        try:
            outcome["order"] = fn(**kwargs)
        except Exception as exc:  # reported to staff below; the order's state is in the row
            outcome["error"] = exc
        finally:
            close_old_connections()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(RESUBMIT_LIMIT_S)
    return outcome


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "message", "user", "changes")
    readonly_fields = fields
    verbose_name_plural = "timeline"

    @admin.display(description="what staff changed")
    def changes(self, obj):
        return edit_diff(obj) or "-"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OrderRequest)
class OrderRequestAdmin(admin.ModelAdmin):
    list_display = (
        "order",
        "state",
        "error",
        "customer_email",
        "xentral_number",
        "attempts",
        "age",
    )
    list_filter = (
        NeedsAttentionFilter,
        ErrorCodeFilter,
        "status",
        "fulfilment_status",
        "channel",
        "created_at",
    )
    search_fields = ("reference", "customer_email", "skus", "xentral_order_number")
    date_hierarchy = "created_at"
    list_select_related = ("channel",)
    actions = ["resubmit_selected"]
    inlines = [OrderEventInline]
    readonly_fields = (
        "id",
        "channel",
        "reference",
        "status",
        "error_list",
        "attempts",
        "next_attempt_at",
        "last_error",
        "xentral_order_id",
        "xentral_order_number",
        "xentral_customer_id",
        "xentral_customer_number",
        "customer_created",
        "methods",
        "payment_status",
        "created_at",
        "payload_pretty",
        "custom_fields",
        "xentral_calls",
        "webhook_list",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_resubmit_permission(self, request) -> bool:
        return request.user.has_perm(RESUBMIT_PERMISSION)

    @admin.display(description="age")
    def age(self, obj):
        return timesince(obj.created_at, timezone.now())

    @admin.display(description="order / channel", ordering="reference")
    def order(self, obj):
        return format_html("{}<div class='quiet'>{}</div>", obj.reference, obj.channel.name)

    @admin.display(description="status", ordering="status")
    def state(self, obj):
        # Once in Xentral, what became of it there (open, shipped...) under the hub's status.
        if obj.status != OrderStatus.CREATED or not obj.fulfilment_status:
            return obj.get_status_display()
        return format_html(
            "{}<div class='quiet'>{}</div>",
            obj.get_status_display(),
            obj.get_fulfilment_status_display(),
        )

    @admin.display(description="Xentral no.", ordering="xentral_order_number")
    def xentral_number(self, obj):
        return obj.xentral_order_number or "-"

    @admin.display(description="error")
    def error(self, obj):
        # Code and message in one column: the list must fit a 1280-pixel window.
        error = first_error(obj)
        if not error:
            return ""
        return format_html(
            "<code>{}</code><div class='why'>{}</div>", error["code"], short_message(obj)
        )

    @admin.display(description="errors")
    def error_list(self, obj):
        if not obj.errors:
            return "-"
        return format_html(
            "<ul class='order-errors'>{}</ul>",
            format_html_join("", "<li>{}</li>", ((error_with_links(obj, e),) for e in obj.errors)),
        )

    @admin.display(description="payment and shipping")
    def methods(self, obj):
        return format_html(
            "<table class='methods'><tr><th></th><th>shop code</th><th>Xentral method</th></tr>"
            "{}</table>",
            format_html_join(
                "", "<tr><th>{}</th><td><code>{}</code></td><td>{}</td></tr>", methods_named(obj)
            ),
        )

    @admin.display(description="payload")
    def payload_pretty(self, obj):
        return pretty_json(obj.payload)

    @admin.display(description="Xentral calls for this order")
    def xentral_calls(self, obj):
        calls = selectors.xentral_calls_for_order(order=obj)
        if not calls:
            return "-"
        return format_html(
            "<table><tr><th>at</th><th>call</th><th>status</th><th>ms</th><th>error</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((c.at, c.method, c.path, c.status, round(c.duration_ms), c.error) for c in calls),
            ),
        )

    @admin.display(description="webhooks")
    def webhook_list(self, obj):
        deliveries = obj.webhooks.all()
        if not deliveries:
            return "-"
        return format_html_join(
            "",
            "<div>{} {}: {} (attempts {}, HTTP {})</div>",
            ((d.event, d.url, d.status, d.attempts, d.response_code) for d in deliveries),
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("sku-search/", wrap(self.sku_search_view), name="orders_sku_search"),
            path("<uuid:object_id>/fix/", wrap(self.fix_view), name="orders_orderrequest_fix"),
            path(
                "<uuid:object_id>/resubmit/",
                wrap(self.resubmit_view),
                name="orders_orderrequest_resubmit",
            ),
            path(
                "<uuid:object_id>/resolve/",
                wrap(self.resolve_view),
                name="orders_orderrequest_resolve",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_resubmit": self.has_resubmit_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _change_url(self, order) -> str:
        return reverse("admin:orders_orderrequest_change", args=[order.pk])

    def _order_to_resubmit(self, request, object_id):
        """The order and None, or a redirect saying why it cannot be resubmitted."""
        if not self.has_resubmit_permission(request):
            raise PermissionDenied
        order = get_object_or_404(OrderRequest.objects.select_related("channel"), pk=object_id)
        if order_is_resubmittable(order=order):
            return order, None
        allowed = " or ".join(RESUBMITTABLE[ResubmitVia.STAFF])
        messages.error(request, f"Only {allowed} orders can be resubmitted ({order.status}).")
        return order, HttpResponseRedirect(self._change_url(order))

    def sku_search_view(self, request):
        """SKU suggestions from the product index for the fix form's item fields."""
        if not self.has_resubmit_permission(request):
            raise PermissionDenied
        return JsonResponse({"products": product_suggestions(query=request.GET.get("q", ""))})

    def fix_view(self, request, object_id):
        """The order as a form (customer, addresses, items, methods); the raw payload editor
        stays one link away for what the form does not cover."""
        order, refusal = self._order_to_resubmit(request, object_id)
        if refusal is not None:
            return refusal
        forms_ = OrderFixForms(order=order, data=request.POST if request.method == "POST" else None)
        errors: list[dict] = []
        if request.method == "POST" and forms_.is_valid():
            try:
                payload = validated_payload(
                    forms_.payload(), allow_customer_creation=order.channel.allow_customer_creation
                )
            except ValidationError as exc:
                errors = flatten_errors(exc.detail)
            else:
                refused = self._resubmit(request, order, payload=payload)
                if refused is None:
                    return HttpResponseRedirect(self._change_url(order))
                errors = [{"field": "reference", "code": "invalid", "message": str(refused)}]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": order,
            "forms": forms_,
            "payload_errors": errors,
            "error_rows": [error_with_links(order, e) for e in order.errors],
            "sku_search_url": reverse("admin:orders_sku_search"),
            "title": f"Fix and resubmit {order.reference}",
        }
        return TemplateResponse(request, "admin/orders/orderrequest/fix.html", context)

    def resubmit_view(self, request, object_id):
        order, refusal = self._order_to_resubmit(request, object_id)
        if refusal is not None:
            return refusal
        errors: list[dict] = []
        if request.method == "POST":
            form = PayloadForm(request.POST)
            if form.is_valid():
                try:
                    data = json.loads(form.cleaned_data["payload"])
                    payload = validated_payload(
                        data, allow_customer_creation=order.channel.allow_customer_creation
                    )
                except json.JSONDecodeError as exc:
                    errors = [{"field": "", "code": "invalid", "message": f"Not JSON: {exc}"}]
                except ValidationError as exc:
                    errors = flatten_errors(exc.detail)
                else:
                    refused = self._resubmit(request, order, payload=payload)
                    if not isinstance(refused, ReferenceCannotChange):
                        return HttpResponseRedirect(self._change_url(order))
                    errors = [{"field": "reference", "code": "invalid", "message": str(refused)}]
        else:
            form = PayloadForm(
                initial={"payload": json.dumps(order.payload, indent=2, ensure_ascii=False)}
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": order,
            "form": form,
            "payload_errors": errors,
            "title": f"Edit and resubmit {order.reference}",
        }
        return TemplateResponse(request, "admin/orders/orderrequest/resubmit.html", context)

    def _resubmit(self, request, order, *, payload=None) -> OrderResubmitRefused | None:
        """Run the resubmission and tell staff how it went; a refusal is returned, not shown,
        so the form can show it next to the payload."""
        outcome = _run_with_limit(
            order_resubmit, order_id=order.pk, payload=payload, user=request.user
        )
        if isinstance(outcome.get("error"), ReferenceCannotChange):
            return outcome["error"]
        if "error" in outcome:
            messages.error(request, f"{order.reference}: resubmission failed: {outcome['error']}")
            return None
        result = outcome.get("order")
        if result is None:
            messages.warning(
                request, f"{order.reference}: still processing after {RESUBMIT_LIMIT_S:.0f} s."
            )
        elif result.status == OrderStatus.CREATED:
            messages.success(
                request, f"{order.reference}: created in Xentral as {result.xentral_order_number}."
            )
        elif result.status == OrderStatus.QUEUED:
            messages.warning(
                request, f"{order.reference}: Xentral is unavailable; queued for retry."
            )
        else:
            text = "; ".join(e["message"] for e in result.errors) or result.status
            messages.error(request, f"{order.reference}: {result.status}: {text}")
        return None

    def resolve_view(self, request, object_id):
        if not self.has_resubmit_permission(request):
            raise PermissionDenied
        order = get_object_or_404(OrderRequest, pk=object_id)
        form = ResolveForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if order_resolve(
                order_id=order.pk, user=request.user, reason=form.cleaned_data["reason"]
            ):
                messages.success(request, f"{order.reference} marked resolved.")
            else:
                messages.error(request, f"{order.reference} cannot be resolved ({order.status}).")
            return HttpResponseRedirect(self._change_url(order))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": order,
            "form": form,
            "title": f"Mark {order.reference} resolved",
        }
        return TemplateResponse(request, "admin/orders/orderrequest/resolve.html", context)

    @admin.action(description="Resubmit selected failed or queued orders", permissions=["resubmit"])
    def resubmit_selected(self, request, queryset):
        for order in queryset.filter(status__in=RESUBMITTABLE[ResubmitVia.STAFF]):
            self._resubmit(request, order)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("event", "order", "url", "status", "attempts", "response_code", "created_at")
    list_filter = ("status", "event")
    search_fields = ("order__reference", "url")
    readonly_fields = (
        "order",
        "event",
        "url",
        "status",
        "attempts",
        "next_attempt_at",
        "response_code",
        "last_error",
        "signature_timestamp",
        "created_at",
        "delivered_at",
        "body",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the record of what a channel was sent


@admin.register(CustomerLink)
class CustomerLinkAdmin(admin.ModelAdmin):
    list_display = ("value", "kind", "xentral_customer_id", "xentral_customer_number", "created_at")
    list_filter = ("kind",)
    search_fields = ("value", "xentral_customer_number")

    def has_add_permission(self, request) -> bool:
        return False  # links are learned from Xentral's answers, never typed in
