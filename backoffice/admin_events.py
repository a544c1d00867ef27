"""Admin pages of Xentral's events: the stored events with their handlers' outcome, "retry
now" for failed ones, and the dashboard's "Subscribe to Xentral events" (POST only)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from backoffice.models import XentralEvent, XentralEventStatus
from backoffice.xentral.errors import XentralError
from backoffice.xentral.events import xentral_events_retry
from backoffice.xentral.subscription import xentral_webhook_subscribe

RETRY_EVENT_PERMISSION = "backoffice.retry_xentralevent"
SUBSCRIBE_PERMISSION = "backoffice.subscribe_xentralwebhook"


class RetryFilter(admin.SimpleListFilter):
    title = "retry"
    parameter_name = "retry"

    def lookups(self, request, model_admin):
        return [
            ("scheduled", "Failed, retried by a worker"),
            ("exhausted", "Failed, retries used up"),
        ]

    def queryset(self, request, queryset):
        failed = queryset.filter(status=XentralEventStatus.FAILED)
        if self.value() == "scheduled":
            return failed.exclude(next_attempt_at=None)
        if self.value() == "exhausted":
            return failed.filter(next_attempt_at=None)
        return queryset


@admin.register(XentralEvent)
class XentralEventAdmin(admin.ModelAdmin):
    list_display = ("received_at", "type", "status", "attempts", "next_attempt_at", "error_line")
    list_filter = ("status", RetryFilter, "type")
    search_fields = ("type", "raw")
    date_hierarchy = "received_at"
    actions = ["retry_now"]
    fields = ("type", "status", "received_at", "processed_at", "attempts", "next_attempt_at",
              "failed_handlers", "error", "body", "raw")  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False  # events come from Xentral only

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the stored event is the evidence of what Xentral sent

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm(RETRY_EVENT_PERMISSION)

    @admin.display(description="error")
    def error_line(self, obj) -> str:
        first = obj.error.splitlines()[0] if obj.error else ""
        return first[:100] + ("…" if len(first) > 100 else "")

    @admin.action(description="Retry now (the handlers that failed)", permissions=["retry"])
    def retry_now(self, request, queryset):
        count = xentral_events_retry(event_ids=list(queryset.values_list("pk", flat=True)))
        skipped = queryset.count() - count
        note = f"; {skipped} not failed, left as they were" if skipped else ""
        self.message_user(request, f"{count} event(s) handed to a worker again{note}.")

    def get_urls(self):
        return [
            path(
                "subscribe/",
                self.admin_site.admin_view(require_POST(self.subscribe_view)),
                name="backoffice_xentral_subscribe",
            ),
            *super().get_urls(),
        ]

    def subscribe_view(self, request):
        """What `manage.py xentral_webhooks --subscribe` does, from the dashboard's button."""
        if not request.user.has_perm(SUBSCRIBE_PERMISSION):
            raise PermissionDenied
        try:
            registration = xentral_webhook_subscribe()
        except XentralError as exc:
            self.message_user(
                request, f"Xentral refused the subscription: {exc.problem_text}", messages.ERROR
            )
        else:
            self.message_user(
                request,
                f"Subscribed as webhook {registration.xentral_id} to {registration.url} for "
                f"{len(registration.events)} event type(s).",
            )
        return HttpResponseRedirect(reverse("admin:index"))
