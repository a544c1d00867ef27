"""Xentral request bodies of an import row: the product, its changed fields, parts, variants."""

PRODUCTS = "/api/v2/products"
OPTION_NAMES = {"option_size": "Size", "option_colour": "Colour"}
# Columns that go into the product itself (a change to one of them costs one PATCH).
PRODUCT_COLUMNS = (
    "name", "project_id", "ean", "description", "is_stock_item", "sales_tax", "unit",
    "weight_kg", "length_cm", "width_cm", "height_cm", "categories", "is_jit", "bom",
)  # fmt: skip
MEASUREMENTS = (
    ("weight", "weight_kg", "kg"),
    ("length", "length_cm", "cm"),
    ("width", "width_cm", "cm"),
    ("height", "height_cm", "cm"),
)


def product_body(
    data: dict,
    *,
    parent_options: list[dict] | None = None,
    inline_variants: list[dict] | None = None,
) -> dict:
    """The create body of a product (a matrix parent when it has options, created with its
    variants inline when it has those)."""
    body = {"number": data["number"], **product_patch(data, PRODUCT_COLUMNS)}
    body.setdefault("project", {"id": "1"})
    if parent_options:
        body["isMatrixProduct"] = True
        body["options"] = parent_options
        if inline_variants:
            body["variants"] = inline_variants
    return body


def variant_choices(data: dict) -> dict[str, str]:
    """A variant row's option values: option name -> value name."""
    return {name: data[column] for column, name in OPTION_NAMES.items() if data.get(column)}


def inline_variants_body(variants_data: list[dict]) -> list[dict]:
    """product.createV2's inline `variants`: each names its option values by name (Xentral
    gives them numbers from the range and no EAN; the bulk PATCH sets both)."""
    return [
        {
            "options": [
                {"name": value, "option": {"name": option}}
                for option, value in variant_choices(data).items()
            ]
        }
        for data in variants_data
    ]


def variants_patch_body(variants: list[tuple[str, dict]]) -> list[dict]:
    """product.updateMultipleV2: (id, row data) of each variant -> its number and fields."""
    return [{"id": xentral_id, **variant_body(data)} for xentral_id, data in variants]


def variant_body(data: dict) -> dict:
    """A variant Xentral created bare gets its number and fields with one PATCH."""
    return {"number": data["number"], **product_patch(data, PRODUCT_COLUMNS)}


def product_patch(data: dict, columns) -> dict:
    """The product fields of the given columns, in Xentral's names."""
    body: dict = {}
    for column in columns:
        value = data.get(column)
        if column == "name":
            body["name"] = value
        elif column == "project_id" and value:
            body["project"] = {"id": value}
        elif column in ("ean", "description", "unit") and value:
            body[column] = value
        elif column == "is_stock_item" and value is not None:
            body["isStockItem"] = value
        elif column == "sales_tax" and value:
            body["salesTax"] = value
        elif column == "categories" and value:
            body["categories"] = [{"id": c} for c in value]
        elif column == "is_jit" and value is not None:
            body["isAssembledJustInTime"] = value
        elif column == "bom" and value:
            body["hasBillOfMaterials"] = True
    measurements = {
        name: {"value": float(data[column]), "unit": unit}
        for name, column, unit in MEASUREMENTS
        if column in columns and data.get(column) is not None
    }
    if measurements:
        body["measurements"] = measurements
    return body


def parts_body(bom: list, part_ids: dict[str, str]) -> list[dict]:
    """The parts of a kit: each component number of the row's `bom` -> its Xentral id."""
    return [
        {"part": {"id": part_ids[number]}, "amount": float(amount), "type": "shopping part"}
        for number, amount in bom
    ]


def options_body(values_by_option: dict[str, list[str]]) -> list[dict]:
    """A matrix parent's options with their values, in the order the file names them."""
    return [
        {"name": name, "values": [{"name": v} for v in values]}
        for name, values in values_by_option.items()
        if values
    ]


def create_variants_body(selections: list[tuple[str, ...]]) -> dict:
    """One createVariants call for every missing option-value selection."""
    return {"mode": "1", "variants": [{"options": [{"id": i} for i in key]} for key in selections]}
