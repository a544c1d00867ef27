"""Stock: `setStock` sets physical stock per warehouse and size ([ERP] "Set absolute values",
[SCH:stocksetinput]); reading goes through `productSizes { stockTotals }` and `warehouses
{ stock }` (views.py).

Judgement calls (docs/centra-fidelity.md): a negative quantity or an unknown size is a
userError and nothing is written (the whole mutation is refused); a quantity below what is
allocated is raised to the allocated quantity with a userWarning, as the REST API does it
silently (CENTRA.md §2).
"""

from connectors.centra.sandbox.views import ProductSizeView, StockView, WarehouseView


def set_stock(ctx, input):
    state = ctx.state
    warehouse_id = (input["warehouse"] or {}).get("id")
    if warehouse_id not in state.warehouses:
        return ctx.payload(
            [ctx.error(f"Warehouse {warehouse_id} not found", "input", "warehouse")],
            stockChanges=[],
        )
    if not input.get("productSizes") and not input.get("productVariants"):
        return ctx.payload(
            [ctx.error("Provide productSizes or productVariants", "input")], stockChanges=[]
        )
    errors, targets = [], []
    for index, entry in enumerate(input.get("productSizes") or []):
        size, problem = state.find_size(entry["productSize"])
        where = ("input", "productSizes", index)
        if problem:
            errors.append(ctx.error(problem, *where, "productSize"))
        elif size is None:
            wanted = next(v for v in entry["productSize"].values() if v is not None)
            errors.append(ctx.error(f"Product size {wanted} not found", *where, "productSize"))
        elif entry["quantity"] < 0:
            errors.append(
                ctx.error("Stock value must be greater or equal to 0", *where, "quantity")
            )
        else:
            targets.append((size, entry["quantity"], where))
    for index, entry in enumerate(input.get("productVariants") or []):
        variant_id = entry["productVariant"].get("id")
        where = ("input", "productVariants", index)
        if variant_id not in state.variants:
            errors.append(
                ctx.error(f"Product variant {variant_id} not found", *where, "productVariant")
            )
            continue
        for level_index, level in enumerate(entry["sizeStockLevels"]):
            size_where = (*where, "sizeStockLevels", level_index)
            given = {k: v for k, v in level["size"].items() if v is not None}
            size = next(
                (
                    s
                    for s in state.sizes.values()
                    if s["variantId"] == variant_id
                    and len(given) == 1
                    and s.get("id" if "id" in given else "name") == next(iter(given.values()))
                ),
                None,
            )
            if size is None:
                errors.append(ctx.error("Size not found on the variant", *size_where, "size"))
            elif level["quantity"] < 0:
                errors.append(
                    ctx.error("Stock value must be greater or equal to 0", *size_where, "quantity")
                )
            else:
                targets.append((size, level["quantity"], size_where))
    if errors:
        return ctx.payload(errors, stockChanges=[])
    warnings = []
    for size, quantity, where in targets:
        allocated = state.allocated(size["id"], warehouse_id)
        if quantity < allocated:
            warnings.append(
                ctx.error(
                    f"Quantity {quantity} for {size['SKU']} is below the allocated {allocated}; "
                    f"set to {allocated}",
                    *where,
                    "quantity",
                )
            )
            quantity = allocated
        state.physical[(size["id"], warehouse_id)] = quantity
    state.stock_changes += 1
    return ctx.payload([], warnings=warnings, stockChanges=[{"id": 4000 + state.stock_changes}])


# --- queries -------------------------------------------------------------------------------------
def warehouses(ctx, limit=20, page=1):
    ctx.check_limit(limit, page)
    rows = sorted(ctx.state.warehouses.values(), key=lambda w: w["id"])
    return [WarehouseView(ctx.state, w) for w in rows[(page - 1) * limit : page * limit]]


def product_sizes(ctx, where=None, limit=20, page=1):
    ctx.check_limit(limit, page)
    where = where or {}
    sizes = sorted(ctx.state.sizes.values(), key=lambda s: s["id"])
    if where.get("id") is not None:
        sizes = [s for s in sizes if s["id"] in where["id"]]
    for field in ("SKU", "EAN"):
        match = where.get(field)
        if match is not None:
            if len([v for v in match.values() if v is not None]) != 1:
                ctx.fail(f"{field}: Exactly one input field should be provided")
            sizes = [s for s in sizes if s.get(field) == match.get("equals")]
    return [ProductSizeView(ctx.state, s) for s in sizes[(page - 1) * limit : page * limit]]


__all__ = ["StockView", "product_sizes", "set_stock", "warehouses"]
