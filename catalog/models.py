"""Catalog state: the hub's index of Xentral products (more models join it with imports)."""

import uuid

from django.conf import settings
from django.db import models


class ProductKind(models.TextChoices):
    SIMPLE = "simple", "Simple"
    MATRIX_PARENT = "matrix_parent", "Matrix parent"
    VARIANT = "variant", "Variant"
    BOM = "bom", "Bill of materials"
    JIT = "jit", "Just-in-time assembly"
    SERVICE = "service", "Service"


def product_kind(
    *, matrix_parent: bool, variant: bool, jit: bool, bom: bool, stock_item: bool
) -> ProductKind:
    """The one rule for a product's kind, whether read from Xentral or from an import row."""
    if matrix_parent:
        return ProductKind.MATRIX_PARENT
    if variant:
        return ProductKind.VARIANT
    if jit:
        return ProductKind.JIT
    if bom:
        return ProductKind.BOM
    if not stock_item:
        return ProductKind.SERVICE
    return ProductKind.SIMPLE


class SalesTax(models.TextChoices):
    STANDARD = "standard", "Standard"
    REDUCED = "reduced", "Reduced"
    FREE = "free", "Tax free"


class Product(models.Model):
    """A Xentral product as the hub knows it: resolves SKUs without calling Xentral."""

    xentral_id = models.CharField(max_length=20, unique=True)
    number = models.CharField("SKU", max_length=100, unique=True)
    ean = models.CharField(max_length=50, blank=True, default="", db_index=True)
    name = models.CharField(max_length=255, blank=True, default="")
    kind = models.CharField(max_length=20, choices=ProductKind.choices, default=ProductKind.SIMPLE)
    sales_tax = models.CharField(max_length=10, choices=SalesTax.choices, default=SalesTax.STANDARD)
    is_stock_item = models.BooleanField(default=True)
    is_disabled = models.BooleanField(default=False)
    stock_count = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    xentral_updated_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} ({self.name})" if self.name else self.number


class ProductIndexSync(models.Model):
    """Where the product index sync stands: one row, holding the `updatedAt` cursor."""

    cursor = models.DateTimeField(
        null=True, blank=True, help_text="Newest Xentral updatedAt seen; the next sync starts here."
    )
    last_full_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_stored = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "product index sync"

    def __str__(self) -> str:
        return f"product index sync (cursor {self.cursor})"

    @classmethod
    def load(cls) -> "ProductIndexSync":
        state, _ = cls.objects.get_or_create(pk=1)
        return state

    def record(self, *, full: bool, cursor, stored: int) -> None:
        from django.utils import timezone

        now = timezone.now()
        self.cursor = cursor
        self.last_run_at = now
        self.last_stored = stored
        if full:
            self.last_full_at = now
        self.save()


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Dry run running"
    CHECKED = "checked", "Dry run ready"
    APPLYING = "applying", "Applying"
    DONE = "done", "Done"
    DONE_WITH_ERRORS = "done_with_errors", "Done with errors"


class RowAction(models.TextChoices):
    UNCHECKED = "unchecked", "Not checked yet"
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    UNCHANGED = "unchanged", "Unchanged"
    ERROR = "error", "Error"


class RowStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class ImportStep(models.TextChoices):
    """Sub-steps of applying a row, recorded in `ImportRow.steps_done` as each is done."""

    PRODUCT_SENT = "product_sent", "Product create sent"
    BOUND_EXISTING = "bound_existing", "Bound to the existing product"
    PATCH = "patch", "Product fields patched"
    SALES_PRICE = "sales_price", "Sales price"
    PURCHASE_PRICE = "purchase_price", "Purchase price"
    REFERENCE = "ref", "External reference"
    VARIANT_SENT = "variant_sent", "Variants create sent"
    VARIANT_FIELDS = "variant_fields", "Variant fields patched"
    PARTS = "parts", "Parts"

    @staticmethod
    def reference(target_id: str, number: str) -> str:
        """One step per external reference of a row."""
        return f"{ImportStep.REFERENCE}:{target_id}:{number}"


class ProductImport(models.Model):
    """One uploaded catalog file: its rows, their dry run and the progress of applying them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.ForeignKey(
        "backoffice.Channel", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    filename = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.CHECKED
    )
    calls_used = models.PositiveIntegerField(default=0)
    row_count = models.PositiveIntegerField(default=0, help_text="Rows in the uploaded file.")
    rows_checked = models.PositiveIntegerField(default=0, help_text="Rows the dry run classified.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("apply_productimport", "Can apply import to Xentral")]

    def __str__(self) -> str:
        return f"{self.filename or 'import'} ({self.created_at:%Y-%m-%d %H:%M})"


class ImportFile(models.Model):
    """An uploaded catalog file waiting for its dry run; the database holds it so a worker on
    another host reads it, and the dry run deletes it once its rows are stored."""

    product_import = models.OneToOneField(
        ProductImport, primary_key=True, on_delete=models.CASCADE, related_name="file"
    )
    content = models.BinaryField()
    size = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"file of {self.product_import_id} ({self.size} bytes)"


class ImportRow(models.Model):
    """One product of an import: what the file says, what the dry run decided, what happened."""

    product_import = models.ForeignKey(ProductImport, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField(help_text="Row number in the file (header = 1).")
    number = models.CharField(max_length=100)
    data = models.JSONField()
    content_hash = models.CharField(max_length=64)
    action = models.CharField(max_length=10, choices=RowAction.choices)
    status = models.CharField(max_length=10, choices=RowStatus.choices, default=RowStatus.PENDING)
    xentral_id = models.CharField(max_length=20, blank=True, default="")
    steps_done = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["line"]
        constraints = [
            models.UniqueConstraint(fields=["product_import", "number"], name="one_row_per_number")
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.action})"


class ImportEventKind(models.TextChoices):
    CHECKED = "checked", "Dry run done"
    APPLIED = "applied", "Apply started"
    RERUN = "rerun", "Failed rows re-run"
    FINISHED = "finished", "Finished"


class ImportEvent(models.Model):
    """A status change of an import, with who caused it (a staff user or a channel over the
    API) and when."""

    product_import = models.ForeignKey(
        ProductImport, on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=20, choices=ImportEventKind.choices)
    message = models.TextField(blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    channel = models.ForeignKey(
        "backoffice.Channel", null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.at:%Y-%m-%d %H:%M})"


class CatalogEntry(models.Model):
    """What the hub last applied to Xentral for a product number, so an unchanged row costs
    nothing and a changed one patches only what changed."""

    number = models.CharField(max_length=100, unique=True)
    xentral_id = models.CharField(max_length=20)
    content_hash = models.CharField(max_length=64)
    applied_data = models.JSONField()
    applied_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "catalog entries"

    def __str__(self) -> str:
        return self.number


class ExternalReference(models.Model):
    """A foreign number of a product for one external-reference target (a shop, a marketplace)
    -> the Xentral product. Xentral cannot search by it, so the hub keeps it."""

    target_id = models.CharField("Xentral target id", max_length=20)
    number = models.CharField("foreign number", max_length=100)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="references")
    xentral_reference_id = models.CharField(max_length=20, blank=True, default="")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["target_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["target_id", "number"], name="one_product_per_number"),
            models.UniqueConstraint(
                fields=["target_id", "product"],
                condition=models.Q(is_active=True),
                name="one_active_number_per_product",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_id}:{self.number} -> {self.product.number}"
