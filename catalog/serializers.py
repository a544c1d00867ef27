"""Shapes of the catalog API, for the OpenAPI schema (the views build plain dicts)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import ImportStatus, RowAction, RowStatus
from catalog.parsing import COLUMNS, REQUIRED


class CatalogUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV (UTF-8, ',' or ';', a header row naming the columns) or JSON "
        '{"rows": [...]}; formula-looking values are kept as given'
    )


@extend_schema_field(
    {"nullable": True, "anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}
)
class CellField(serializers.Field):
    """A cell as a CSV file would hold it: text, a number or true/false, read as its text."""


@extend_schema_field(
    {
        "anyOf": [
            {"type": "string", "minLength": 1, "pattern": r"\S"},
            {"type": "number"},
            {"type": "boolean"},
        ]
    }
)
class RequiredCellField(serializers.Field):
    """A cell that must not be empty."""


def _column(name: str) -> serializers.Field:
    if name in REQUIRED:
        return RequiredCellField()
    return CellField(required=False)


class CatalogRowSerializer(serializers.Serializer):
    """One product; the values are read as in a CSV file (see docs/catalog.md)."""

    def get_fields(self):
        return {name: _column(name) for name in COLUMNS}


class CatalogJsonSerializer(serializers.Serializer):
    rows = CatalogRowSerializer(many=True, allow_empty=False)


class ImportProgressSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    finished = serializers.IntegerField(help_text="Rows checked (dry run) or finished (apply)")
    percent = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    by_action = serializers.DictField(child=serializers.IntegerField())
    calls_used = serializers.IntegerField()
    seconds_left = serializers.IntegerField()
    summary = serializers.CharField(help_text="e.g. 'Dry run running: 2000 of 50000 rows'")


class ImportRowResultSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    number = serializers.CharField()
    action = serializers.ChoiceField(choices=RowAction.choices)
    status = serializers.ChoiceField(choices=RowStatus.choices)
    xentral_id = serializers.CharField(allow_null=True)
    errors = serializers.ListField(child=serializers.CharField())
    calls = serializers.IntegerField()


class ImportLinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    apply = serializers.URLField()


class ImportSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    filename = serializers.CharField()
    status = serializers.ChoiceField(
        choices=ImportStatus.choices,
        help_text="pending while the dry run runs, checked when it can be applied",
    )
    created_at = serializers.DateTimeField()
    progress = ImportProgressSerializer()
    rows = ImportRowResultSerializer(many=True)
    links = ImportLinksSerializer()


class ResolvedProductSerializer(serializers.Serializer):
    product_id = serializers.CharField()
    number = serializers.CharField()
    ean = serializers.CharField()
    name = serializers.CharField()
