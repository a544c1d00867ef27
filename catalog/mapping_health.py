"""The catalog's sections of the mapping-health page: unmapped products and duplicates."""

from catalog.selectors import (
    eans_on_several_products,
    products_with_several_references,
    products_without_mapping,
)

UNMAPPED_SHOWN = 200


def sections(*, target_id: str) -> list[dict]:
    unmapped = products_without_mapping(target_id=target_id)[:UNMAPPED_SHOWN] if target_id else []
    duplicates = [
        [
            f"active references of a product for target {r['target_id']}",
            r["product__number"],
            r["n"],
        ]
        for r in products_with_several_references()
    ]
    duplicates += [
        ["EAN on several products", r["ean"], r["n"]] for r in eans_on_several_products()
    ]
    return [
        {
            "title": f"Products without a mapping for target {target_id}",
            "columns": ["SKU", "EAN", "name"],
            "rows": [[p.number, p.ean, p.name] for p in unmapped],
        },
        {"title": "Duplicates", "columns": ["what", "value", "count"], "rows": duplicates},
    ]
