"""Catalog admin: the product index, imports (upload, dry run, apply, progress, re-run failed
rows) and external-reference mappings with a health view."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from backoffice.csv_export import csv_response
from backoffice.models import XentralName, XentralNameKind
from backoffice.xentral.errors import XentralError
from backoffice.xentral.names import xentral_name_choices, xentral_name_label, xentral_names
from catalog.errors import CatalogError, ImportNotApplicable
from catalog.import_review import cell_text, import_summary, review_page, rows_in_error
from catalog.imports.apply import import_apply, import_rerun_failed
from catalog.imports.dry_run import import_create
from catalog.models import ExternalReference, ImportEvent, ImportStatus, Product, ProductImport
from catalog.parsing import COLUMNS, CatalogFileError
from catalog.references import external_reference_add, external_reference_deactivate
from catalog.selectors import import_progress, mapping_health

UPLOAD_PERMISSION = "catalog.add_productimport"
APPLY_PERMISSION = "catalog.apply_productimport"


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "ean", "kind", "sales_tax", "is_disabled", "xentral_id")
    list_filter = ("kind", "sales_tax", "is_disabled", "is_stock_item")
    search_fields = ("number", "ean", "name", "xentral_id", "references__number")
    readonly_fields = [f.name for f in Product._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # the index mirrors Xentral; products come from sync and imports

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a product deleted here would come back with the next sync


class ImportEventInline(admin.TabularInline):
    model = ImportEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "user", "channel", "message")
    readonly_fields = fields
    verbose_name_plural = "history"

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class UploadForm(forms.Form):
    file = forms.FileField(help_text="CSV (UTF-8, ',' or ';') or JSON {\"rows\": [...]}")


@admin.register(ProductImport)
class ProductImportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "filename", "status", "progress_bar", "calls_used", "channel")
    list_filter = ("status", "channel")
    search_fields = ("filename", "rows__number")
    readonly_fields = (
        "filename",
        "status",
        "channel",
        "created_by",
        "calls_used",
        "created_at",
        "started_at",
        "finished_at",
        "progress_bar",
    )
    inlines = [ImportEventInline]
    change_form_template = "admin/catalog/productimport/change_form.html"
    actions = ["apply_imports", "rerun_failed"]

    def has_add_permission(self, request) -> bool:
        return False  # uploads go through the upload page, which shows the dry run

    def has_upload_permission(self, request) -> bool:
        return request.user.has_perm(UPLOAD_PERMISSION)

    def has_apply_permission(self, request) -> bool:
        """Applying and re-running failed rows write to Xentral."""
        return request.user.has_perm(APPLY_PERMISSION)

    def has_change_permission(self, request, obj=None) -> bool:
        # Nothing of an import is edited in a form (so no Save); applying is its own permission.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        """Only a dry run nobody applied may be discarded; an applied import is history."""
        if obj is None or obj.status not in (ImportStatus.PENDING, ImportStatus.CHECKED):
            return False
        return request.user.has_perm("catalog.delete_productimport")

    @admin.display(description="progress")
    def progress_bar(self, obj):
        if obj.status in (ImportStatus.PENDING, ImportStatus.CHECKED):
            progress = import_progress(obj)
            return format_html("<small>{}</small>", progress["summary"])
        summary = import_summary(obj)
        return format_html(
            '<div style="display:flex;width:160px;height:10px;background:#eee;border-radius:3px;'
            'overflow:hidden"><div style="width:{}%;background:#2e7d32"></div>'
            '<div style="width:{}%;background:#c62828"></div></div>'
            "<small>{} of {} applied, {} failed</small>",
            summary["applied_percent"],
            summary["failed_percent"],
            summary["applied"],
            summary["to_apply"],
            summary["failed"],
        )

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="catalog_upload"),
            path(
                "<uuid:import_id>/failed.csv",
                self.admin_site.admin_view(self.failed_rows_view),
                name="catalog_import_failed_rows",
            ),
            path(
                "<uuid:import_id>/apply/",
                self.admin_site.admin_view(self.apply_view),
                name="catalog_import_apply",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        if not self.has_upload_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        file_errors = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                product_import = import_create(
                    content=upload.file, filename=upload.name, user=request.user
                )
            except CatalogFileError as exc:
                file_errors = exc.errors
            else:
                self.message_user(request, "Dry run running: this page shows its progress.")
                return redirect("admin:catalog_productimport_change", product_import.pk)
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "file_errors": file_errors,
            "title": "Upload a catalog",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/catalog/productimport/upload.html", context)

    def failed_rows_view(self, request, import_id):
        """Rows in error as a CSV to fix and upload again: the catalog columns only (an unknown
        column would reject the file), formula-looking cells neutralised."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        product_import = get_object_or_404(ProductImport, pk=import_id)
        return csv_response(
            filename=f"import-{product_import.pk}-errors.csv",
            header=COLUMNS,
            rows=(
                [cell_text(row.data.get(c), c) for c in COLUMNS]
                for row in rows_in_error(product_import).order_by("line").iterator()
            ),
        )

    def apply_view(self, request, import_id):
        if not self.has_apply_permission(request):
            raise PermissionDenied
        product_import = get_object_or_404(ProductImport, pk=import_id)
        if request.method == "POST":
            if request.POST.get("rerun"):
                count = import_rerun_failed(product_import=product_import, user=request.user)
                self.message_user(request, f"{count} failed row(s) queued again.")
            else:
                self._apply(request, product_import)
        return redirect("admin:catalog_productimport_change", product_import.pk)

    def _apply(self, request, product_import: ProductImport) -> None:
        try:
            import_apply(product_import=product_import, user=request.user)
        except ImportNotApplicable as exc:
            self.message_user(request, f"{product_import}: {exc}", messages.ERROR)
        else:
            self.message_user(
                request, f"{product_import}: applying in the background; its page shows progress."
            )

    @admin.action(description="Apply the selected imports", permissions=["apply"])
    def apply_imports(self, request, queryset):
        for product_import in queryset:
            self._apply(request, product_import)

    @admin.action(description="Re-run failed rows", permissions=["apply"])
    def rerun_failed(self, request, queryset):
        total = sum(import_rerun_failed(product_import=i, user=request.user) for i in queryset)
        self.message_user(request, f"{total} failed row(s) queued again.")

    def changelist_view(self, request, extra_context=None):
        extra = {"upload_url": reverse("admin:catalog_upload")}
        if not self.has_upload_permission(request):
            extra = {}
        return super().changelist_view(request, extra_context={**(extra_context or {}), **extra})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        product_import = get_object_or_404(ProductImport, pk=object_id)
        errors_only = bool(request.GET.get("errors"))
        summary = import_summary(product_import)
        status = product_import.status
        extra = {
            "can_apply": self.has_apply_permission(request) and status == ImportStatus.CHECKED,
            # Rows the dry run rejected are fixed in the file, not re-run.
            "can_rerun": self.has_apply_permission(request)
            and status == ImportStatus.DONE_WITH_ERRORS
            and summary["failed"] > 0,
            "summary": summary,
            "dry_run": status == ImportStatus.CHECKED,
            "errors_only": errors_only,
            "rows": review_page(
                product_import, errors_only=errors_only, page=request.GET.get("page", 1)
            ),
            "failed_csv_url": reverse("admin:catalog_import_failed_rows", args=[product_import.pk])
            if summary["errors"] or summary["failed"]
            else "",
        }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})


class ReferenceForm(forms.ModelForm):
    # Targets by name, from Xentral's list (cached daily); an id given in the URL stays selectable.
    target_id = forms.ChoiceField(label="target")

    class Meta:
        model = ExternalReference
        fields = ("target_id", "number", "product")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = str(self.data.get("target_id") or self.initial.get("target_id") or "")
        self.fields["target_id"].choices = xentral_name_choices(
            XentralNameKind.REFERENCE_TARGET, current
        )


class TargetFilter(admin.SimpleListFilter):
    title = "target"
    parameter_name = "target_id"

    def lookups(self, request, model_admin):
        names = xentral_names(XentralNameKind.REFERENCE_TARGET)
        used = ExternalReference.objects.order_by().values_list("target_id", flat=True).distinct()
        return [(t, xentral_name_label(names, t)) for t in sorted(set(used) | set(names))]

    def queryset(self, request, queryset):
        return queryset.filter(target_id=self.value()) if self.value() else queryset


@admin.register(ExternalReference)
class ExternalReferenceAdmin(admin.ModelAdmin):
    list_display = ("number", "target", "product", "product_ean", "is_active", "created_at")
    list_filter = (TargetFilter, "is_active")
    search_fields = ("number", "product__number", "product__ean", "product__name")
    autocomplete_fields = ("product",)
    form = ReferenceForm
    actions = ["deactivate"]

    @admin.display(description="EAN")
    def product_ean(self, obj):
        return obj.product.ean

    @admin.display(description="target", ordering="target_name")
    def target(self, obj):
        name = getattr(obj, "target_name", None)
        return f"{name} (#{obj.target_id})" if name else f"#{obj.target_id}"

    def get_queryset(self, request):
        # The target's name in the same query (cached from Xentral), not one lookup per row.
        names = XentralName.objects.filter(
            kind=XentralNameKind.REFERENCE_TARGET, xentral_id=OuterRef("target_id")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("product")
            .annotate(target_name=Subquery(names.values("name")[:1]))
        )

    def get_fields(self, request, obj=None):
        return ("target", "number", "product", "is_active") if obj else super().get_fields(request)

    def get_readonly_fields(self, request, obj=None):
        return ("target", "number", "product", "is_active") if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            saved = external_reference_add(
                product=obj.product, target_id=obj.target_id, number=obj.number
            )
        except (CatalogError, XentralError) as exc:
            self.message_user(request, f"Not saved: {exc}", messages.ERROR)
            return
        obj.pk = saved.pk

    @admin.action(description="Deactivate (in the hub and in Xentral)", permissions=["change"])
    def deactivate(self, request, queryset):
        for reference in queryset.filter(is_active=True):
            try:
                external_reference_deactivate(reference=reference)
            except XentralError as exc:
                self.message_user(request, f"{reference}: {exc.problem_text}", messages.ERROR)

    def get_urls(self):
        return [
            path("health/", self.admin_site.admin_view(self.health_view), name="catalog_health"),
            *super().get_urls(),
        ]

    def health_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        target = request.GET.get("target", "1")
        context = {
            **self.admin_site.each_context(request),
            "sections": mapping_health(target_id=target),
            "target": target,
            "targets": xentral_name_choices(XentralNameKind.REFERENCE_TARGET, target),
            "title": "Mapping health",
            "opts": self.model._meta,
        }
        return render(request, "admin/catalog/health.html", context)
