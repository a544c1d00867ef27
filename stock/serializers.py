"""Shapes of the stock API's answers, for the OpenAPI schema (the views build plain dicts)."""

from rest_framework import serializers


class WarehouseFigureSerializer(serializers.Serializer):
    id = serializers.CharField()
    physical = serializers.CharField(help_text="Decimal as a string")


class StockSerializer(serializers.Serializer):
    sku = serializers.CharField()
    available = serializers.CharField(
        help_text="What this channel may sell: its sales channel's pseudo stock when set, else "
        "max(0, sellable + correction)"
    )
    sellable = serializers.CharField()
    physical = serializers.CharField()
    reserved = serializers.CharField()
    warehouses = WarehouseFigureSerializer(many=True)
    snapshot_at = serializers.DateTimeField(help_text="When Xentral last reported a change")


class StockListSerializer(serializers.Serializer):
    data = StockSerializer(many=True)
    unknown = serializers.ListField(
        child=serializers.CharField(), help_text="Requested SKUs the hub holds no stock for"
    )
