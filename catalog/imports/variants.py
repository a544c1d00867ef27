"""Variants of a matrix parent: the parent's options, one createVariants call for the variants
Xentral lacks, then per variant its number and fields, prices and references."""

from backoffice.xentral.client import XentralClient
from backoffice.xentral.params import filter_params
from catalog.errors import MatrixParentMissing, VariantNotCreated
from catalog.imports.bodies import (
    OPTION_NAMES,
    PRODUCTS,
    create_variants_body,
    options_body,
    variant_body,
)
from catalog.imports.steps import (
    ROW_FAULTS,
    apply_extras,
    row_complete,
    row_count_calls,
    row_fail,
    row_kind,
    row_set,
    row_step_done,
)
from catalog.models import ImportRow, ImportStep, Product, RowAction, RowStatus


def _option_values_wanted(variants) -> dict[str, list[str]]:
    """Option name -> the values the variants use, once each, in file order."""
    return {
        name: list(dict.fromkeys(v.data[column] for v in variants if v.data[column]))
        for column, name in OPTION_NAMES.items()
    }


def parent_options(row: ImportRow) -> list[dict]:
    """The options a matrix parent in the file is created with, from its variants' rows."""
    variants = ImportRow.objects.filter(
        product_import_id=row.product_import_id, data__variant_of=row.number
    ).exclude(action=RowAction.ERROR)
    return options_body(_option_values_wanted(variants))


def _variant_rows(row: ImportRow) -> list[ImportRow]:
    return list(
        ImportRow.objects.filter(
            product_import_id=row.product_import_id,
            data__variant_of=row.data["variant_of"],
            status=RowStatus.PENDING,
        ).exclude(action=RowAction.ERROR)
    )


def variants_apply(row: ImportRow, client: XentralClient) -> None:
    """All pending variants of the row's parent, the row among them."""
    parent = Product.objects.filter(number=row.data["variant_of"]).first()
    if parent is None:
        raise MatrixParentMissing(
            f"The matrix parent {row.data['variant_of']} is not in Xentral; apply it first."
        )
    siblings = _variant_rows(row)
    values = _option_values(client, parent.xentral_id, siblings)
    missing = [v for v in siblings if not v.xentral_id]
    if missing:
        _create_variants(client, parent.xentral_id, missing, values)
    for variant in siblings:
        variant_client = client.bound(subject=variant)
        try:
            if ImportStep.VARIANT_FIELDS not in variant.steps_done:
                variant_client.patch(f"{PRODUCTS}/{variant.xentral_id}", variant_body(variant.data))
                row_step_done(variant, ImportStep.VARIANT_FIELDS)
            apply_extras(variant, variant_client)
            row_complete(variant, kind=row_kind(variant.data, is_parent=False))
        except ROW_FAULTS as fault:
            row_fail(variant, fault)
        finally:
            if variant.pk != row.pk:
                row_count_calls(variant, variant_client)
            else:
                client.calls_made += variant_client.calls_made


def _options_path(parent_id: str) -> str:
    return f"/api/v1/products/{parent_id}/options"


def _option_values(client, parent_id: str, variants: list[ImportRow]) -> dict[tuple, str]:
    """(option name, value name) -> option-value id, creating what the parent lacks. The
    options list carries no values: they are read per option, and the missing ones are created
    in one call (an array, answered 204 without ids), then read again."""
    options = {o["name"]: o for o in client.paginate(_options_path(parent_id))}
    ids = {}
    for name, wanted in _option_values_wanted(variants).items():
        if not wanted:
            continue
        if name not in options:
            client.create(_options_path(parent_id), {"name": name})
            options = {o["name"]: o for o in client.paginate(_options_path(parent_id))}
        path = f"{_options_path(parent_id)}/{options[name]['id']}/values"
        known = _values_by_name(client, path)
        missing = [value for value in wanted if value not in known]
        if missing:
            client.post(path, [{"name": value} for value in missing])
            known = _values_by_name(client, path)
        ids.update({(name, value): known[value] for value in wanted})
    return ids


def _values_by_name(client, path: str) -> dict[str, str]:
    """An option's values; the operation declares no paging, so one call reads them all."""
    return {v["name"]: str(v["id"]) for v in (client.get(path) or {}).get("data") or []}


def _selection(variant: ImportRow, values: dict) -> tuple[str, ...]:
    return tuple(
        values[(name, variant.data[column])]
        for column, name in OPTION_NAMES.items()
        if variant.data[column]
    )


def _create_variants(client, parent_id: str, variants: list[ImportRow], values: dict) -> None:
    wanted = {_selection(v, values): v for v in variants}
    existing = _existing_variants(client, parent_id)
    to_create = [key for key in wanted if key not in existing]
    for variant in variants:
        row_step_done(variant, ImportStep.VARIANT_SENT)
    if to_create:
        client.post(
            f"/api/v1/products/{parent_id}/actions/createVariants",
            create_variants_body(to_create),
        )
        existing = _existing_variants(client, parent_id)
    for key, variant in wanted.items():
        if key not in existing:
            raise VariantNotCreated(
                f"Xentral did not create the variant {variant.number}; re-run the failed rows."
            )
        row_set(variant, xentral_id=existing[key])


def _existing_variants(client, parent_id: str) -> dict[tuple, str]:
    """Selection (option-value ids) -> variant id. `selectedOptions` lists the parent's
    options, each with the value this variant has."""
    params = filter_params(("variantOf", "equals", parent_id))
    return {
        tuple(
            str(value["id"])
            for option in item.get("selectedOptions") or []
            for value in option.get("values") or []
        ): str(item["id"])
        for item in client.paginate(PRODUCTS, params=params)
    }
