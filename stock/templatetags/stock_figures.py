"""Template filters and tags of the stock pages: figures as people write them, warehouse names."""

from decimal import Decimal

from django import template

from stock.selectors import sales_channel_names, warehouse_names

register = template.Library()


@register.filter
def figure(value) -> str:
    """A stock figure without trailing zeros and never rounded (`22.0000` -> `22`,
    `0.1250` -> `0.125`); no figure is `-`."""
    if value is None or value == "":
        return "-"
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    text = format(number.normalize(), "f")
    return "0" if text == "-0" else text


@register.inclusion_tag("admin/stock/warehouse_rows.html")
def warehouse_rows(rows) -> dict:
    """Per-warehouse figures with the warehouse's name (the id stays visible for Xentral)."""
    names = warehouse_names()
    return {"rows": [{"name": names.get(r.warehouse_id), "row": r} for r in rows]}


@register.inclusion_tag("admin/stock/channel_rows.html")
def channel_rows(rows) -> dict:
    """Per-sales-channel settings with the hub channels selling through each."""
    names = sales_channel_names()
    return {"rows": [{"name": names.get(r.sales_channel_id), "row": r} for r in rows]}
