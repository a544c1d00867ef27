"""Catalog state: the hub's index of Xentral products (more models join it with imports)."""

from django.db import models


class ProductKind(models.TextChoices):
    SIMPLE = "simple", "Simple"
    MATRIX_PARENT = "matrix_parent", "Matrix parent"
    VARIANT = "variant", "Variant"
    BOM = "bom", "Bill of materials"
    JIT = "jit", "Just-in-time assembly"
    SERVICE = "service", "Service"


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
