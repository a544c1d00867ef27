"""The orders' section of the mapping-health page: SKUs that made orders fail as unknown."""

from orders.selectors import unknown_skus_seen


def sections(*, target_id: str) -> list[dict]:
    rows = [[seen["sku"], seen["orders"], seen["last_seen"]] for seen in unknown_skus_seen()]
    return [
        {
            "title": "SKUs seen in orders but unknown",
            "columns": ["SKU", "orders", "last seen"],
            "rows": rows,
        }
    ]
