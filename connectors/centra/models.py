"""State of the Centra connector: each Centra channel's configuration, the log of calls to
Centra's GraphQL Integration API, and the request/mutation buckets counted on the hub's side."""

from django.db import models

from backoffice.models import Channel, StaffAlert
from backoffice.outbound import outbound_url_validate
from connectors.centra.projects import project_map_validate


class CentraChannel(models.Model):
    """How the hub reaches one Centra environment for a channel, and how its orders map.

    The API token is write-only in the admin (never rendered, never logged); the connector's
    client sends it as the bearer token only."""

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="centra")
    graphql_url = models.URLField(
        "GraphQL endpoint",
        max_length=500,
        validators=[outbound_url_validate],
        help_text="https://your-brand.centra.com/graphql (plain http or a local address only for "
        "hosts in OUTBOUND_ALLOWED_HOSTS).",
    )
    api_token = models.CharField(max_length=500, help_text="Integration API token (write-only).")
    token_expires_on = models.DateField(
        null=True,
        blank=True,
        help_text="Centra tokens expire (30 days by default); the dashboard warns a week ahead.",
    )
    webhook_secret = models.CharField(
        max_length=200, help_text="Endpoint secret of Centra's webhook plugin (write-only)."
    )
    project_map = models.JSONField(
        "market/store -> project",
        default=dict,
        blank=True,
        validators=[project_map_validate],
        help_text='Xentral project id per Centra market or store: {"market:1": "2", '
        '"store:1": "3"}. An order\'s market is looked up first, then its store; orders of '
        "neither take the channel's project.",
    )
    payment_map = models.JSONField(
        "payment method mapping",
        default=dict,
        blank=True,
        help_text="Centra payment method uri -> the channel's payment code (mapped to Xentral "
        "by the channel's payment mapping). Unmapped uris are passed as they are.",
    )
    shipping_map = models.JSONField(
        "shipping option mapping",
        default=dict,
        blank=True,
        help_text="Centra shipping option uri -> the channel's shipping code. Unmapped uris "
        "are passed as they are.",
    )
    warehouse_map = models.JSONField(
        "warehouse mapping",
        default=dict,
        blank=True,
        help_text="Xentral warehouse id -> Centra warehouse id, for stock sent to Centra.",
    )
    confirm_orders = models.BooleanField(
        default=True, help_text="Lock and confirm the Centra order once Xentral has it."
    )
    capture_on_shipment = models.BooleanField(
        default=True, help_text="Capture the payment when the shipment is created in Centra."
    )
    wait_while_on_hold = models.BooleanField(
        "wait for held orders",
        default=True,
        help_text="Orders on hold or waiting for payment wait until Centra updates them.",
    )
    use_events_queue = models.BooleanField(
        "read Centra's events queue",
        default=False,
        help_text="A second safety net: every minute, read the order events Centra queued for "
        "the hub and confirm them once imported. Centra enables the queue on request; the "
        "token needs Event:read and Event:write.",
    )
    events_listening_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the hub subscribed to Centra's order events (setEventListeners); "
        "Centra queues nothing before.",
    )
    last_synced_at = models.DateTimeField(
        "last safety-net sync",
        null=True,
        blank=True,
        help_text="Orders updated since then are read by the next safety-net run.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Centra channel"
        ordering = ["channel__name"]
        permissions = [("test_centrachannel", "Can test the connection to Centra")]

    def __str__(self) -> str:
        return str(self.channel)


class CentraCallKind(models.TextChoices):
    QUERY = "query", "Query"
    MUTATION = "mutation", "Mutation"


class CentraCall(models.Model):
    """One call to Centra's GraphQL API as the client made it: the named document, its
    variables and the answer's excerpt. Tokens and headers are never stored."""

    centra = models.ForeignKey(
        CentraChannel, on_delete=models.CASCADE, related_name="calls", null=True
    )
    at = models.DateTimeField(db_index=True)
    operation = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=CentraCallKind.choices)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.FloatField(default=0)
    variables = models.JSONField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True, default="")
    error = models.TextField(blank=True, default="")
    subject_type = models.CharField(max_length=100, blank=True, default="")
    subject_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.operation} -> {self.status}"


class CentraRateWindow(models.Model):
    """Calls counted per Centra environment, bucket (requests, mutations), interval and fixed
    window, shared by every process: Centra's limits hold for the whole environment."""

    environment = models.CharField(max_length=500, help_text="The GraphQL endpoint.")
    bucket = models.CharField(max_length=10)
    interval_s = models.PositiveIntegerField()
    window = models.BigIntegerField(help_text="Unix time // interval.")
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "bucket", "interval_s", "window"],
                name="centra_rate_window_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.bucket}/{self.interval_s}s window {self.window}: {self.calls}"


class CentraEventStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored (not an order)"
    FAILED = "failed", "Failed"


class CentraEventSource(models.TextChoices):
    WEBHOOK = "webhook", "Webhook"
    QUEUE = "queue", "Events queue"


class CentraEvent(models.Model):
    """One event of a verified Centra webhook delivery (`{"type", "action", "date", "id"}`;
    for orders `id` is the order number), or one order event read from Centra's events queue
    (`changeType` as the action, `createdAt` as the date), stored once however often it comes."""

    centra = models.ForeignKey(CentraChannel, on_delete=models.CASCADE, related_name="events")
    source = models.CharField(
        max_length=10, choices=CentraEventSource.choices, default=CentraEventSource.WEBHOOK
    )
    type = models.CharField(max_length=30)
    action = models.CharField(max_length=30)
    object_id = models.CharField(max_length=64)
    date = models.CharField(max_length=40, help_text="The event's date as Centra sent it.")
    status = models.CharField(
        max_length=10,
        choices=CentraEventStatus.choices,
        default=CentraEventStatus.RECEIVED,
        db_index=True,
    )
    error = models.TextField(blank=True, default="")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["centra", "type", "action", "object_id", "date"],
                name="centra_event_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.action} {self.object_id}"


class CentraOrderState(models.TextChoices):
    WAITING = "waiting", "Waiting (on hold or for payment in Centra)"
    SUBMITTED = "submitted", "Submitted to the order pipeline"
    INVALID = "invalid", "Cannot be mapped (see error)"
    CONFIRMED = "confirmed", "Locked and confirmed in Centra"


class CentraOrder(models.Model):
    """A Centra order bound to the hub's order: its number, the Centra line behind each
    unified item (for shipments), and how far the exchange with Centra went."""

    centra = models.ForeignKey(CentraChannel, on_delete=models.CASCADE, related_name="orders")
    number = models.PositiveBigIntegerField(help_text="Centra's order number (the reference).")
    order = models.OneToOneField(
        "orders.OrderRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="centra_order",
    )
    state = models.CharField(max_length=10, choices=CentraOrderState.choices)
    lines = models.JSONField(
        default=list, blank=True, help_text='[{"line_id", "sku", "quantity"}] per Centra line'
    )
    error = models.TextField(blank=True, default="")
    centra_updated_at = models.CharField(max_length=40, blank=True, default="")
    project_id = models.CharField(
        "Xentral project id",
        max_length=20,
        blank=True,
        default="",
        help_text="The project the channel's market/store mapping chose for this order; empty: "
        "the channel's project.",
    )
    project_rule = models.CharField(
        max_length=30,
        blank=True,
        default="",
        help_text='The mapping key that chose it ("market:3").',
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["centra", "number"], name="centra_order_once")
        ]

    def __str__(self) -> str:
        return f"Centra order {self.number}"


class CentraShipmentState(models.TextChoices):
    PENDING = "pending", "Not created in Centra yet"
    CREATED = "created", "Created in Centra, not completed"
    UNPAID = "unpaid", "Created in Centra, not paid there: waits for staff (see error)"
    COMPLETED = "completed", "Completed in Centra with its tracking number"
    FAILED = "failed", "Centra refused it (see error)"


class CentraShipment(models.Model):
    """A Xentral shipment bound to the Centra shipment made for it. The Centra id is saved the
    moment Centra returns it, before the completing call, so a retry completes the same
    shipment instead of creating a second one."""

    shipment = models.OneToOneField(
        "orders.Shipment", on_delete=models.CASCADE, related_name="centra_shipment"
    )
    centra_order = models.ForeignKey(
        CentraOrder, on_delete=models.CASCADE, related_name="shipments"
    )
    centra_id = models.PositiveBigIntegerField(null=True, blank=True, unique=True)
    state = models.CharField(
        max_length=10, choices=CentraShipmentState.choices, default=CentraShipmentState.PENDING
    )
    lines = models.JSONField(
        default=list, blank=True, help_text='[{"line_id", "quantity"}] sent to Centra'
    )
    create_attempted = models.BooleanField(
        default=False, help_text="A create was sent: look for its shipment before another."
    )
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="A worker is at it until then."
    )
    error = models.TextField(blank=True, default="")
    alert = models.ForeignKey(
        StaffAlert,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff alert opened while Centra waits for payment; resolved on completion.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Centra shipment"
        permissions = [("retry_centrashipment", "Can retry a shipment in Centra")]

    def __str__(self) -> str:
        return f"Centra shipment {self.centra_id or '-'} for {self.shipment}"


class CentraStockItem(models.Model):
    """One product's stock as a Centra channel is believed to hold it (per Centra warehouse),
    and whether a push is owed. `version` moves with every change, so a push that read older
    figures never clears a newer debt."""

    centra = models.ForeignKey(CentraChannel, on_delete=models.CASCADE, related_name="stock_items")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    quantities = models.JSONField(
        default=dict, blank=True, help_text="Centra warehouse id -> quantity Centra holds."
    )
    due = models.BooleanField(default=False, db_index=True)
    force = models.BooleanField(default=False, help_text="Resync: send every warehouse.")
    version = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, default="")
    claimed_until = models.DateTimeField(null=True, blank=True)
    pushed_at = models.DateTimeField(null=True, blank=True)
    sent_as = models.CharField(max_length=120, blank=True, default="")
    unknown_since = models.DateTimeField(
        null=True, blank=True, help_text="Centra answered that it has no such size."
    )
    error = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = "Centra stock item"
        constraints = [
            models.UniqueConstraint(fields=["centra", "product"], name="centra_stock_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.product_id} in {self.centra}"


class CentraStockSync(models.Model):
    """A Centra channel's stock push: whether a push task is queued (so a burst of changes
    enqueues one), and when pushes and the nightly resync last ran."""

    centra = models.OneToOneField(
        CentraChannel, on_delete=models.CASCADE, related_name="stock_sync"
    )
    push_queued_at = models.DateTimeField(null=True, blank=True)
    last_push_at = models.DateTimeField(null=True, blank=True)
    last_resync_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return f"stock sync of {self.centra}"
