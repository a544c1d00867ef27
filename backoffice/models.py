"""Core state shared by every app: channels, their API keys, and the log of Xentral calls."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from backoffice.outbound import outbound_url_validate


class Scope(models.TextChoices):
    ORDERS_WRITE = "orders:write", "Create orders"
    ORDERS_READ = "orders:read", "Read orders"
    STOCK_READ = "stock:read", "Read stock"
    CATALOG_WRITE = "catalog:write", "Import catalogs"
    CATALOG_READ = "catalog:read", "Resolve products"


class Purpose(models.TextChoices):
    """Why a call to Xentral is made; the shared rate budget is kept per purpose."""

    ORDER = "order", "Order"
    CATALOG = "catalog", "Catalog import"
    STOCK = "stock", "Stock polling"
    SYNC = "sync", "Index sync"
    FULFILMENT = "fulfilment", "Fulfilment polling"


class ChannelKind(models.TextChoices):
    """How a channel reaches the hub: it calls the unified API itself, or a connector
    (connectors/<platform>) speaks its platform's API for it."""

    API = "api", "Unified API"
    CENTRA = "centra", "Centra"


class Channel(models.Model):
    """A system that sends orders or reads stock: a B2B portal, a web shop, a marketplace."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(
        max_length=20,
        choices=ChannelKind.choices,
        default=ChannelKind.API,
        help_text="Unified API: the channel posts orders itself; otherwise a connector does.",
    )
    is_active = models.BooleanField(default=True)
    project_id = models.CharField(
        "Xentral project id", max_length=20, default="1", help_text="Project of created orders."
    )
    sales_channel_id = models.CharField(
        "Xentral sales channel id", max_length=20, blank=True, default=""
    )
    allow_customer_creation = models.BooleanField(
        default=False, help_text="Create unknown customers in Xentral instead of failing."
    )
    allow_customer_number = models.BooleanField(
        default=False,
        help_text="May order for a Xentral customer by its number (and see customer ids).",
    )
    payment_map = models.JSONField(
        default=dict, blank=True, help_text="Shop payment code -> Xentral payment method id."
    )
    shipping_map = models.JSONField(
        default=dict, blank=True, help_text="Shop shipping code -> Xentral shipping method id."
    )
    payment_default = models.CharField(
        "default payment method id", max_length=20, blank=True, default=""
    )
    shipping_default = models.CharField(
        "default shipping method id", max_length=20, blank=True, default=""
    )
    number_later = models.BooleanField(
        default=False,
        help_text="Answer as soon as Xentral accepts an order; its number follows by the "
        "order.updated webhook (one Xentral call less per order).",
    )
    shipping_cost_sku = models.CharField(
        "shipping cost product (SKU)",
        max_length=100,
        blank=True,
        default="",
        help_text="Xentral product the order's shipping costs are booked on.",
    )
    discount_sku = models.CharField(
        "discount product (SKU)",
        max_length=100,
        blank=True,
        default="",
        help_text="Xentral product the order's discounts are booked on.",
    )
    webhook_url = models.URLField(
        max_length=500,
        blank=True,
        default="",
        validators=[outbound_url_validate],
        help_text="https only; the address must be public (see OUTBOUND_ALLOWED_HOSTS).",
    )
    webhook_secret = models.CharField(
        max_length=200, blank=True, default="", help_text="Required when a webhook URL is set."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.webhook_url and not self.webhook_secret:
            # Unsigned webhooks could be forged by anyone who learns the receiver's URL.
            raise ValidationError({"webhook_secret": "A webhook URL needs a secret to sign with."})


class ApiKey(models.Model):
    """A channel's credential. The key is shown once; only its SHA-256 hash is stored."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, blank=True, default="")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]
        permissions = [("revoke_apikey", "Can revoke API key")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.channel})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class XentralCall(models.Model):
    """One call to Xentral, as the client made it. Tokens and headers are never stored."""

    at = models.DateTimeField(db_index=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    query = models.TextField(blank=True, default="")
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.FloatField(default=0)
    rate_limit_remaining = models.IntegerField(null=True, blank=True)
    purpose = models.CharField(max_length=10, choices=Purpose.choices, db_index=True)
    subject_type = models.CharField(max_length=100, blank=True, default="")
    subject_id = models.CharField(max_length=64, blank=True, default="")
    request_body = models.JSONField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True, default="")
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


class RateWindow(models.Model):
    """Calls counted per fixed rate-limit window and purpose, shared by every process."""

    window = models.BigIntegerField(help_text="Window number: Unix time // window length.")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["window", "purpose"], name="rate_window_per_purpose")
        ]

    def __str__(self) -> str:
        return f"window {self.window} {self.purpose}: {self.calls}"


class XentralFeature(models.TextChoices):
    """Beta endpoints the hub may use where an instance offers them."""

    V3_CUSTOMER_CREATE = "v3_customer_create", "V3 customer create (beta)"


class XentralFeatureOff(models.Model):
    """A beta feature a Xentral instance refused (403/404): not tried again before `until`,
    by any process."""

    instance = models.CharField(max_length=255, help_text="The Xentral URL (XENTRAL_URL).")
    feature = models.CharField(max_length=40, choices=XentralFeature.choices)
    until = models.DateTimeField()
    reason = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instance", "feature"], name="feature_off_per_instance")
        ]

    def __str__(self) -> str:
        return f"{self.feature} off on {self.instance} until {self.until:%Y-%m-%d %H:%M}"


class StaffAlert(models.Model):
    """Something staff must act on that no order or import row owns (e.g. a rejected token)."""

    class Kind(models.TextChoices):
        XENTRAL_AUTH = "xentral_auth", "Xentral rejected the hub's token"
        CONFIGURATION = "configuration", "Hub configuration fault"
        WORKER = "worker", "No worker is sweeping or orders are overdue"
        OTHER = "other", "Other"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    message = models.TextField()
    opened_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        permissions = [("resolve_staffalert", "Can resolve staff alert")]

    def __str__(self) -> str:
        return self.message[:80]


class StaffAlertEvent(models.Model):
    """The history of an alert: opened, seen again, resolved (by whom)."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        RESOLVED = "resolved", "Resolved"

    alert = models.ForeignKey(StaffAlert, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class WorkerHeartbeat(models.Model):
    """When a worker process last swept: monitors and claim release read it to tell a live
    worker from a dead one."""

    worker = models.CharField(max_length=200, unique=True, help_text="host:pid of the process")
    swept_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker} at {self.swept_at:%Y-%m-%d %H:%M:%S}"


class XentralWebhook(models.Model):
    """The hub's own registration at Xentral (`manage.py xentral_webhooks --subscribe`): the
    webhook's id there and the signature key the hub generated, which never leaves the hub
    except in that registration."""

    xentral_id = models.CharField(max_length=20, blank=True, default="")
    name = models.CharField(max_length=100, default="Xentral Hub")
    url = models.URLField(max_length=255)
    signature_key = models.CharField(max_length=100, editable=False)
    events = models.JSONField(default=list, blank=True)
    subscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [("subscribe_xentralwebhook", "Can subscribe the hub to Xentral's events")]

    def __str__(self) -> str:
        return f"{self.name} -> {self.url}"


class XentralEventStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed"


class XentralEvent(models.Model):
    """One verified delivery from Xentral, stored raw before anything acts on it; a repeated
    delivery (same SHA-256 of the raw body) is stored once."""

    body_sha256 = models.CharField(max_length=64, unique=True)
    type = models.CharField(max_length=120, db_index=True)
    body = models.JSONField(default=dict, blank=True)
    raw = models.TextField()
    status = models.CharField(
        max_length=10,
        choices=XentralEventStatus.choices,
        default=XentralEventStatus.RECEIVED,
        db_index=True,
    )
    error = models.TextField(blank=True, default="")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # A handler that raised is run again (only the handlers that failed) with backoff.
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    failed_handlers = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "Xentral event"
        ordering = ["-received_at", "-id"]
        permissions = [("retry_xentralevent", "Can retry Xentral events")]

    def __str__(self) -> str:
        return f"{self.type} at {self.received_at:%Y-%m-%d %H:%M:%S}"


class XentralNameKind(models.TextChoices):
    PAYMENT_METHOD = "payment_method", "Payment method"
    SHIPPING_METHOD = "shipping_method", "Shipping method"
    REFERENCE_TARGET = "reference_target", "External reference target"


class XentralName(models.Model):
    """A Xentral id staff would otherwise read bare (a payment or shipping method, an external
    reference target) with its label, cached by a daily schedule so no page calls Xentral."""

    kind = models.CharField(max_length=20, choices=XentralNameKind.choices)
    xentral_id = models.CharField(max_length=20)
    code = models.CharField(max_length=100, blank=True, default="", help_text="Xentral's type.")
    name = models.CharField(max_length=200)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name", "xentral_id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "xentral_id"], name="one_name_per_xentral_id")
        ]

    def __str__(self) -> str:
        return f"{self.name} (#{self.xentral_id})"
