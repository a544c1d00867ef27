"""Orders as channels sent them, their timeline, customer bindings and webhook deliveries."""

import uuid

from django.conf import settings
from django.db import models

from backoffice.models import Channel


class OrderStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    QUEUED = "queued", "Queued for retry"
    PROCESSING = "processing", "Processing"
    CREATED = "created", "Created in Xentral"
    FAILED = "failed", "Failed"
    RESOLVED = "resolved", "Resolved by staff"
    CANCELLED = "cancelled", "Cancelled by the channel before Xentral"


class FulfilmentStatus(models.TextChoices):
    """What became of the order in Xentral's warehouse (orders/fulfilment.py moves it)."""

    OPEN = "open", "Open"
    PARTLY_SHIPPED = "partly_shipped", "Partly shipped"
    SHIPPED = "shipped", "Shipped"
    CANCELLED = "cancelled", "Cancelled"


class OrderRequest(models.Model):
    """One order as the channel sent it, and what became of it in Xentral."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="orders")
    reference = models.CharField(max_length=64)
    payload = models.JSONField(help_text="The validated payload as the channel sent it.")
    payload_hash = models.CharField(max_length=64)
    customer_email = models.CharField(max_length=254, blank=True, default="", db_index=True)
    skus = models.TextField(blank=True, default="", help_text="SKUs of the items, for search.")
    payment_status = models.CharField(max_length=50, blank=True, default="")
    custom_fields = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=12, choices=OrderStatus.choices, default=OrderStatus.RECEIVED, db_index=True
    )
    xentral_order_id = models.CharField(max_length=20, blank=True, default="")
    xentral_order_number = models.CharField(max_length=50, blank=True, default="", db_index=True)
    xentral_customer_id = models.CharField(max_length=20, blank=True, default="")
    xentral_customer_number = models.CharField(max_length=50, blank=True, default="")
    customer_created = models.BooleanField(default=False)
    errors = models.JSONField(default=list, blank=True)
    last_error = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    import_attempted = models.BooleanField(
        default=False, help_text="An import call was sent once: look the order up before another."
    )
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    claimed_by = models.CharField(
        max_length=200,
        blank=True,
        default="",
        editable=False,
        help_text="The worker (host:pid) holding the claim; empty for a web request.",
    )
    fulfilment_status = models.CharField(
        max_length=16,
        choices=FulfilmentStatus.choices,
        default=FulfilmentStatus.OPEN,
        db_index=True,
    )
    # What the fulfilment poll last saw of the Xentral order; a change means "read it again".
    xentral_status = models.CharField(max_length=20, blank=True, default="")
    xentral_updated_at = models.CharField(max_length=40, blank=True, default="")
    fulfilment_checked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "reference"], name="order_reference_per_channel"
            )
        ]
        permissions = [("resubmit_orderrequest", "Can resubmit and resolve orders")]

    def __str__(self) -> str:
        return f"{self.channel} {self.reference}"


class OrderEventKind(models.TextChoices):
    RECEIVED = "received", "Received"
    STATUS = "status", "Status changed"
    CUSTOMER_FOUND = "customer_found", "Customer found"
    CUSTOMER_CREATED = "customer_created", "Customer created"
    XENTRAL_CALL = "xentral_call", "Xentral call"
    CREATED = "created", "Created in Xentral"
    FAILED = "failed", "Failed"
    RETRY_SCHEDULED = "retry_scheduled", "Retry scheduled"
    RESUBMITTED = "resubmitted", "Resubmitted"
    RESOLVED = "resolved", "Resolved"
    WEBHOOK_DELIVERED = "webhook_delivered", "Webhook delivered"
    WEBHOOK_RETRY = "webhook_retry", "Webhook retry scheduled"
    WEBHOOK_FAILED = "webhook_failed", "Webhook given up"
    SHIPPED = "shipped", "Shipment sent"
    FULFILMENT = "fulfilment", "Fulfilment changed"
    CANCELLED = "cancelled", "Cancelled"


class OrderEvent(models.Model):
    """A step in an order's timeline; payload changes keep the old payload in `data`."""

    order = models.ForeignKey(OrderRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=20, choices=OrderEventKind.choices)
    message = models.TextField(blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message[:60]}"


class CustomerLinkKind(models.TextChoices):
    EMAIL = "email", "E-mail"
    NUMBER = "number", "Customer number"


class CustomerLinkStatus(models.TextChoices):
    PENDING = "pending", "Being created by an order"
    COMPLETE = "complete", "Complete (created with its address, or found)"


class CustomerLink(models.Model):
    """A normalised e-mail or customer number bound to a Xentral customer (any channel). While
    an order creates the customer the link is pending: the steps done are recorded on it, and
    only a complete link is used by other orders."""

    kind = models.CharField(max_length=10, choices=CustomerLinkKind.choices)
    value = models.CharField(max_length=254)
    xentral_customer_id = models.CharField(max_length=20, blank=True, default="")
    xentral_customer_number = models.CharField(max_length=50, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=CustomerLinkStatus.choices, default=CustomerLinkStatus.COMPLETE
    )
    claimed_by = models.UUIDField(
        null=True, blank=True, editable=False, help_text="The order creating the customer."
    )
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    create_attempted = models.BooleanField(
        default=False, help_text="A create was sent: search before sending another."
    )
    address_added = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="customer_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.value} -> {self.xentral_customer_id}"


class WebhookStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Gave up"


class WebhookEvent(models.TextChoices):
    """What a webhook tells the channel; the status machine sends one per decided order."""

    ORDER_CREATED = "order.created", "Order created"
    ORDER_FAILED = "order.failed", "Order failed"
    ORDER_SHIPPED = "order.shipped", "Order shipped (one per shipment)"
    ORDER_CANCELLED = "order.cancelled", "Order cancelled"
    ORDER_UPDATED = "order.updated", "Order updated"


class WebhookDelivery(models.Model):
    """One webhook event for one order to the channel's URL, retried with backoff."""

    order = models.ForeignKey(OrderRequest, on_delete=models.CASCADE, related_name="webhooks")
    event = models.CharField(max_length=30, choices=WebhookEvent.choices)
    url = models.URLField(max_length=500)
    body = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=WebhookStatus.choices, default=WebhookStatus.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    signature_timestamp = models.BigIntegerField(null=True, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The user whose action decided the order, if a user's.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} -> {self.url} ({self.status})"


class Shipment(models.Model):
    """One shipment of an order as Xentral reported it, with the lines of its delivery note."""

    order = models.ForeignKey(OrderRequest, on_delete=models.CASCADE, related_name="shipments")
    xentral_id = models.CharField(max_length=20, unique=True)
    delivery_note_id = models.CharField(max_length=20, db_index=True)
    carrier = models.CharField(max_length=100, blank=True, default="")
    tracking_number = models.CharField(max_length=200, blank=True, default="")
    tracking_url = models.URLField(max_length=500, blank=True, default="")
    shipped_at = models.DateTimeField(null=True, blank=True)
    lines = models.JSONField(default=list, blank=True, help_text='[{"sku", "quantity"}]')
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shipped_at", "id"]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}".strip()
