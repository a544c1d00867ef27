"""The Centra connector's section of the mapping-health page: sizes Centra does not know, so
their stock is not pushed (tried again by the nightly resync)."""

from django.urls import reverse

from connectors.centra.selectors import StockPushState, stock_sizes_unknown

SHOWN = 200


def sections(*, target_id: str) -> list[dict]:
    rows = [
        [
            str(item.centra),
            item.product.number,
            item.product.ean,
            item.sent_as,
            item.error,
            item.unknown_since,
        ]
        for item in stock_sizes_unknown()[:SHOWN]
    ]
    return [
        {
            "title": "Sizes Centra does not know (their stock is not pushed)",
            "columns": ["Centra channel", "SKU", "EAN", "sent as", "Centra answered", "since"],
            "rows": rows,
            "link": {
                "url": f"{reverse('admin:centra_centrastockitem_changelist')}"
                f"?state={StockPushState.UNKNOWN.value}",
                "label": "Every product's stock push to Centra",
            },
        }
    ]
