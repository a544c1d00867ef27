"""Errors stored before unknown items kept their SKU or foreign number as a field: read it once
from the legacy message ("Item <label> not found"), so reports never have to."""

from django.db import migrations

LEGACY_PREFIX, LEGACY_SUFFIX = "Item ", " not found"


def structured_error(error: dict) -> dict:
    """The legacy unknown-item error with its label as a field; other errors unchanged."""
    message = error.get("message") or ""
    if error.get("code") != "unknown_sku" or "sku" in error or "external_number" in error:
        return error
    if not (message.startswith(LEGACY_PREFIX) and message.endswith(LEGACY_SUFFIX)):
        return error
    label = message[len(LEGACY_PREFIX) : -len(LEGACY_SUFFIX)]
    if str(error.get("field", "")).endswith(".external_number"):
        return {**error, "code": "unknown_external_number", "external_number": label}
    return {**error, "sku": label}


def _convert(errors: list) -> list:
    return [structured_error(e) if isinstance(e, dict) else e for e in errors or []]


def forwards(apps, schema_editor):
    OrderEvent = apps.get_model("orders", "OrderEvent")
    OrderRequest = apps.get_model("orders", "OrderRequest")
    for event in OrderEvent.objects.filter(kind="failed", data__icontains="unknown_sku"):
        converted = _convert(event.data.get("errors"))
        if converted != event.data.get("errors"):
            event.data = {**event.data, "errors": converted}
            event.save(update_fields=["data"])
    for order in OrderRequest.objects.filter(errors__icontains="unknown_sku"):
        converted = _convert(order.errors)
        if converted != order.errors:
            order.errors = converted
            order.save(update_fields=["errors"])


class Migration(migrations.Migration):
    dependencies = [("orders", "0003_webhook_events_and_outcome_kinds")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
