"""Admin pages of the shared core: channels and their keys, the Xentral call log, alerts,
and the dashboard on the admin index. Every action and custom page checks the permission it
needs; secrets are never shown on a page a viewer can open."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from backoffice import admin_events  # noqa: F401 (registers the Xentral event pages)
from backoffice.dashboard import dashboard_context
from backoffice.models import ApiKey, Channel, Scope, StaffAlert, XentralCall, XentralNameKind
from backoffice.services import api_key_create, api_key_revoke, staff_alerts_resolve
from backoffice.xentral.names import xentral_name_choices, xentral_name_label, xentral_names

ADD_API_KEY_PERMISSION = "backoffice.add_apikey"
REVOKE_API_KEY_PERMISSION = "backoffice.revoke_apikey"
RESOLVE_ALERT_PERMISSION = "backoffice.resolve_staffalert"

_index = admin.site.index


def _index_with_dashboard(request, extra_context=None):
    return _index(request, extra_context={**(extra_context or {}), "hub": dashboard_context()})


admin.site.index = _index_with_dashboard
admin.site.site_header = "Xentral Hub"
admin.site.site_title = "Xentral Hub"
admin.site.index_title = "Back office"
# Staff lists take the window's width: at 1280 pixels Django's app navigation beside the lists
# left the orders list 630 pixels and ran six other lists off to the right. The index lists
# every page, and the breadcrumbs lead back to it.
admin.site.enable_nav_sidebar = False


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    fields = ("name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # keys are made on the channel's "create an API key" page, shown once


class ChannelForm(forms.ModelForm):
    """The webhook secret is write-only: never sent back to the browser, blank keeps it."""

    webhook_secret = forms.CharField(
        required=False,
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Required when a webhook URL is set. Leave empty to keep the current secret.",
    )

    # Defaults chosen by name from Xentral's methods (cached daily: backoffice/xentral/names.py).
    payment_default = forms.ChoiceField(required=False, label="default payment method")
    shipping_default = forms.ChoiceField(required=False, label="default shipping method")

    class Meta:
        model = Channel
        # The admin adds the other fields from its fieldsets (with its https URL default).
        fields = ("webhook_secret",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field, kind in (
            ("payment_default", XentralNameKind.PAYMENT_METHOD),
            ("shipping_default", XentralNameKind.SHIPPING_METHOD),
        ):
            if field in self.fields:
                current = getattr(self.instance, field, "") or ""
                self.fields[field].choices = [("", "none"), *xentral_name_choices(kind, current)]

    def clean_webhook_secret(self) -> str:
        return self.cleaned_data["webhook_secret"] or self.instance.webhook_secret


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, required=False, help_text="Who or what uses it.")
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Give the key only what its user needs.",
    )


def _methods_table(obj, mapping: dict | None, default: str | None, kind: XentralNameKind) -> str:
    """The channel's shop codes with the Xentral method each maps to, by name."""
    if obj is None:
        return "-"
    names = xentral_names(kind)
    rows = [(code, xentral_name_label(names, xid)) for code, xid in sorted((mapping or {}).items())]
    rows.append(("(default)", xentral_name_label(names, default) or "none"))
    return format_html(
        "<table class='methods'><tr><th>shop code</th><th>Xentral method</th></tr>{}</table>",
        format_html_join("", "<tr><td><code>{}</code></td><td>{}</td></tr>", rows),
    )


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = (
        "name",
        "kind",
        "is_active",
        "project_id",
        "sales_channel_id",
        "allow_customer_creation",
    )
    list_filter = ("kind", "is_active", "allow_customer_creation")
    search_fields = ("name",)
    inlines = [ApiKeyInline]
    actions = ["create_api_key"]
    readonly_fields = ("webhook_secret_state", "payment_methods", "shipping_methods")
    change_form_template = "admin/backoffice/channel/change_form.html"
    # Django 6's default already: a webhook URL typed without a scheme is https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_fieldsets(self, request, obj=None):
        # A viewer sees whether a secret is set, never the secret; an editor may replace it.
        editable = self.has_change_permission(request, obj) if obj else True
        webhook = ("webhook_url", "webhook_secret" if editable else "webhook_secret_state")
        return (
            (
                None,
                {
                    "fields": (
                        "name",
                        "kind",
                        "is_active",
                        "project_id",
                        "sales_channel_id",
                        "number_later",
                    )
                },
            ),
            ("Customers", {"fields": ("allow_customer_creation", "allow_customer_number")}),
            (
                "Payment and shipping",
                {
                    "fields": (
                        "payment_methods",
                        "payment_map",
                        "payment_default",
                        "shipping_methods",
                        "shipping_map",
                        "shipping_default",
                        "shipping_cost_sku",
                        "discount_sku",
                    )
                },
            ),
            ("Webhook", {"fields": webhook}),
        )

    @admin.display(description="payment methods")
    def payment_methods(self, obj) -> str:
        return _methods_table(obj, obj and obj.payment_map, obj and obj.payment_default,
                              XentralNameKind.PAYMENT_METHOD)  # fmt: skip

    @admin.display(description="shipping methods")
    def shipping_methods(self, obj) -> str:
        return _methods_table(obj, obj and obj.shipping_map, obj and obj.shipping_default,
                              XentralNameKind.SHIPPING_METHOD)  # fmt: skip

    @admin.display(description="webhook secret")
    def webhook_secret_state(self, obj) -> str:
        return "set" if obj and obj.webhook_secret else "not set"

    def has_add_api_key_permission(self, request) -> bool:
        return request.user.has_perm(ADD_API_KEY_PERMISSION)

    def get_urls(self):
        return [
            path(
                "<int:object_id>/api-key/",
                self.admin_site.admin_view(self.api_key_view),
                name="backoffice_channel_api_key",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_create_api_key": self.has_add_api_key_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Create an API key (choose its scopes)", permissions=["add_api_key"])
    def create_api_key(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select one channel to create a key for.", messages.ERROR)
            return None
        url = reverse("admin:backoffice_channel_api_key", args=[queryset.get().pk])
        return HttpResponseRedirect(url)

    def api_key_view(self, request, object_id):
        """Choose the scopes; the new key is shown once, in this response only: never in a
        message (a cookie or the session) and never again (only its hash is stored)."""
        if not self.has_add_api_key_permission(request):
            raise PermissionDenied
        channel = get_object_or_404(Channel, pk=object_id)
        form = ApiKeyForm(request.POST or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": channel,
            "form": form,
            "title": f"New API key for {channel}",
        }
        if request.method != "POST" or not form.is_valid():
            return TemplateResponse(request, "admin/backoffice/channel/api_key_form.html", context)
        api_key, raw_key = api_key_create(
            channel=channel,
            scopes=form.cleaned_data["scopes"],
            name=form.cleaned_data["name"] or f"admin {timezone.now():%Y-%m-%d}",
        )
        self.log_addition(request, api_key, [{"added": {}}])
        # admin_view marks every admin page never_cache (Cache-Control: no-store, private).
        return TemplateResponse(
            request,
            "admin/backoffice/channel/api_key_created.html",
            {**context, "api_key": api_key, "raw_key": raw_key},
        )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = (
        "prefix",
        "channel",
        "name",
        "scopes",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("channel", "revoked_at")
    search_fields = ("prefix", "name", "channel__name")
    readonly_fields = ("channel", "prefix", "created_at", "last_used_at", "revoked_at")
    fields = ("channel", "name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm(REVOKE_API_KEY_PERMISSION)

    @admin.action(description="Revoke the selected keys", permissions=["revoke"])
    def revoke(self, request, queryset):
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        self.message_user(request, f"{queryset.count()} key(s) revoked.")


@admin.register(XentralCall)
class XentralCallAdmin(admin.ModelAdmin):
    list_display = ("at", "method", "path", "status", "duration_ms", "purpose", "subject_type")
    list_filter = ("purpose", "method", "status")
    search_fields = ("path", "subject_id")
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the call log is evidence of what the hub sent; it is not edited by hand


@admin.register(StaffAlert)
class StaffAlertAdmin(admin.ModelAdmin):
    list_display = ("opened_at", "kind", "message", "resolved_at")
    list_filter = ("kind", ("resolved_at", admin.EmptyFieldListFilter))
    actions = ["resolve"]

    def has_add_permission(self, request) -> bool:
        return False  # the hub opens alerts

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # resolving is the only change, through the action that records who

    def has_resolve_permission(self, request) -> bool:
        return request.user.has_perm(RESOLVE_ALERT_PERMISSION)

    @admin.action(description="Mark as resolved", permissions=["resolve"])
    def resolve(self, request, queryset):
        count = staff_alerts_resolve(alerts=list(queryset), user=request.user)
        self.message_user(request, f"{count} alert(s) resolved.")
