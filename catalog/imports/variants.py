"""Variants of a matrix parent. A parent new in the file is created with its options and
variants inline; the variants' ids then come from one `variantOf` list, and their numbers,
EANs and fields from one bulk PATCH. Variants an existing parent lacks are added through its
options, option values (an array) and one createVariants call. Prices and references follow
per variant."""

from backoffice.xentral.client import XentralClient
from backoffice.xentral.errors import XentralConflict, XentralValidationError
from backoffice.xentral.params import filter_params
from catalog.errors import MatrixParentMissing, VariantNotCreated
from catalog.imports.bodies import (
    OPTION_NAMES,
    PRODUCTS,
    create_variants_body,
    inline_variants_body,
    options_body,
    variant_body,
    variant_choices,
    variants_patch_body,
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


def parent_matrix(row: ImportRow) -> tuple[list[dict], list[dict]]:
    """The options and inline variants a matrix parent new in the file is created with, from
    its variants' rows."""
    variants = list(
        ImportRow.objects.filter(
            product_import_id=row.product_import_id, data__variant_of=row.number
        )
        .exclude(action=RowAction.ERROR)
        .order_by("line")
    )
    with_values = [v.data for v in variants if variant_choices(v.data)]
    return options_body(_option_values_wanted(variants)), inline_variants_body(with_values)


def _variant_rows(row: ImportRow) -> list[ImportRow]:
    return list(
        ImportRow.objects.filter(
            product_import_id=row.product_import_id,
            data__variant_of=row.data["variant_of"],
            status=RowStatus.PENDING,
        )
        .exclude(action=RowAction.ERROR)
        .order_by("line")
    )


def variants_apply(row: ImportRow, client: XentralClient) -> None:
    """All pending variants of the row's parent, the row among them."""
    parent = Product.objects.filter(number=row.data["variant_of"]).first()
    if parent is None:
        raise MatrixParentMissing(
            f"The matrix parent {row.data['variant_of']} is not in Xentral; apply it first."
        )
    siblings = _variant_rows(row)
    missing = [v for v in siblings if not v.xentral_id]
    if missing:
        _bind_variants(client, parent.xentral_id, missing)
    bound = [v for v in siblings if v.xentral_id and v.status == RowStatus.PENDING]
    for variant in _patch_variants(client, bound):
        variant_client = client.bound(subject=variant)
        try:
            apply_extras(variant, variant_client)
            row_complete(variant, kind=row_kind(variant.data, is_parent=False))
        except ROW_FAULTS as fault:
            row_fail(variant, fault)
        finally:
            if variant.pk != row.pk:
                row_count_calls(variant, variant_client)
            else:
                client.calls_made += variant_client.calls_made


def _choice_key(choices: dict[str, str]) -> frozenset:
    return frozenset(choices.items())


def _bind_variants(client, parent_id: str, variants: list[ImportRow]) -> None:
    """Each variant row's Xentral id: the parent's variants are listed once (those created
    inline with a new parent are all there); the ones still missing are created with one
    createVariants call and the list is read again. A variant Xentral did not create fails
    alone."""
    existing = _existing_variants(client, parent_id)
    absent = [v for v in variants if _choice_key(variant_choices(v.data)) not in existing]
    if absent:
        values = _option_values(client, parent_id, absent)
        for variant in absent:
            row_step_done(variant, ImportStep.VARIANT_SENT)
        client.post(
            f"/api/v1/products/{parent_id}/actions/createVariants",
            create_variants_body(list(dict.fromkeys(_selection(v, values) for v in absent))),
        )
        existing = _existing_variants(client, parent_id)
    for variant in variants:
        found = existing.get(_choice_key(variant_choices(variant.data)))
        if found is None:
            row_fail(
                variant,
                VariantNotCreated(
                    f"Xentral did not create the variant {variant.number}; re-run the failed rows."
                ),
            )
        else:
            row_set(variant, xentral_id=found)


def _patch_variants(client, variants: list[ImportRow]) -> list[ImportRow]:
    """Numbers, EANs and fields of every variant in one bulk PATCH. Xentral refuses the whole
    array for one bad item (a taken number, an invalid value), so then each is sent alone and
    only the bad one fails. Returns the variants that are patched."""
    todo = [v for v in variants if ImportStep.VARIANT_FIELDS not in v.steps_done]
    if not todo:
        return variants
    try:
        client.patch(PRODUCTS, variants_patch_body([(v.xentral_id, v.data) for v in todo]))
    except (XentralConflict, XentralValidationError):
        return [v for v in variants if v not in todo or _patch_alone(client, v)]
    for variant in todo:
        row_step_done(variant, ImportStep.VARIANT_FIELDS)
    return variants


def _patch_alone(client, variant: ImportRow) -> bool:
    try:
        client.patch(f"{PRODUCTS}/{variant.xentral_id}", variant_body(variant.data))
    except ROW_FAULTS as fault:
        row_fail(variant, fault)
        return False
    row_step_done(variant, ImportStep.VARIANT_FIELDS)
    return True


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
    return tuple(values[(name, value)] for name, value in variant_choices(variant.data).items())


def _existing_variants(client, parent_id: str) -> dict[frozenset, str]:
    """The parent's variants by their option values' names -> variant id. `selectedOptions`
    lists the parent's options (`name`), each with the value this variant has."""
    params = filter_params(("variantOf", "equals", parent_id))
    return {
        frozenset(
            (option.get("name"), value.get("name"))
            for option in item.get("selectedOptions") or []
            for value in option.get("values") or []
        ): str(item["id"])
        for item in client.paginate(PRODUCTS, params=params)
    }
