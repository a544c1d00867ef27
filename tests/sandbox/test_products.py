"""Products answer as Xentral's documents describe them: documented fields only, matrix
options without values, values read per option and created as an array, createVariants'
numbering modes, inline options and variants, and bulk updates."""

import pytest

SHIRT = {
    "name": "Shirt",
    "number": "SHIRT",
    "project": {"id": "1"},
    "isMatrixProduct": True,
    "options": [
        {"name": "Size", "values": [{"name": "S"}, {"name": "M"}]},
        {"name": "Colour", "values": [{"name": "Red"}]},
    ],
}


def _create(sandbox, body) -> str:
    response = sandbox.api("POST", "/api/v2/products", json=body)
    assert response.status_code == 201, response.text
    return response.headers["Location"].rsplit("/", 1)[-1]


def _values(sandbox, product_id) -> dict[str, str]:
    """value name -> id over all options of a matrix parent."""
    options = sandbox.api("GET", f"/api/v1/products/{product_id}/options").json()["data"]
    found = {}
    for option in options:
        path = f"/api/v1/products/{product_id}/options/{option['id']}/values"
        found.update({v["name"]: v["id"] for v in sandbox.api("GET", path).json()["data"]})
    return found


def _variants(sandbox, parent_id) -> list[dict]:
    params = {"filter[0][key]": "variantOf", "filter[0][op]": "equals",
              "filter[0][value]": parent_id}  # fmt: skip
    return sandbox.api("GET", "/api/v2/products", params=params).json()["data"]


def test_product_answers_unit_measurements_and_project_as_objects(sandbox):
    body = {"name": "Mug", "number": "MUG", "project": {"id": "1"}, "unit": "Stk",
            "measurements": {"weight": {"value": 0.4, "unit": "kg"}}}  # fmt: skip
    product_id = _create(sandbox, body)
    view = sandbox.api("GET", f"/api/v2/products/{product_id}").json()["data"]
    assert view["unit"] == {"name": "Stk"}
    assert view["measurements"] == {"weight": {"value": 0.4, "unit": "kg"}}
    assert view["project"] == {"id": "1", "name": "Standard project"}
    assert "createdAt" not in view
    [listed] = sandbox.api("GET", "/api/v2/products").json()["data"]
    assert listed == view


def test_options_list_holds_no_values_and_values_are_read_per_option(sandbox):
    parent_id = _create(sandbox, SHIRT)
    options = sandbox.api("GET", f"/api/v1/products/{parent_id}/options").json()["data"]
    assert [(o["name"], o["sort"]) for o in options] == [("Size", 0), ("Colour", 0)]
    assert all(set(o) == {"id", "name", "sort", "createdAt"} for o in options)
    path = f"/api/v1/products/{parent_id}/options/{options[0]['id']}/values"
    values = sandbox.api("GET", path).json()["data"]
    assert [(v["name"], v["sort"]) for v in values] == [("S", 1), ("M", 2)]


def test_option_create_takes_only_documented_fields(sandbox):
    parent_id = _create(sandbox, {**SHIRT, "options": []})
    path = f"/api/v1/products/{parent_id}/options"
    refused = sandbox.api("POST", path, json={"name": "Fit", "values": []})
    assert refused.status_code == 400
    assert refused.json()["violations"] == {"values": ["This field was not expected."]}
    created = sandbox.api("POST", path, json={"name": "Fit", "sort": 3})
    assert created.status_code == 201
    assert created.content == b""
    assert created.headers["Content-Type"].startswith("text/html")
    [fit] = sandbox.api("GET", path).json()["data"]
    assert (fit["name"], fit["sort"]) == ("Fit", 3)
    assert created.headers["Location"].endswith(f"{path}/{fit['id']}")


def test_option_values_are_created_as_an_array_and_answered_204_without_location(sandbox):
    parent_id = _create(sandbox, {**SHIRT, "options": [{"name": "Size", "values": []}]})
    [size] = sandbox.api("GET", f"/api/v1/products/{parent_id}/options").json()["data"]
    path = f"/api/v1/products/{parent_id}/options/{size['id']}/values"
    one = sandbox.api("POST", path, json={"name": "XL"})
    assert one.status_code == 400
    response = sandbox.api("POST", path, json=[{"name": "XL", "sort": 4}, {"name": "XXL"}])
    assert response.status_code == 204
    assert response.content == b""
    assert "Location" not in response.headers
    assert "Content-Type" not in response.headers
    values = sandbox.api("GET", path).json()["data"]
    assert [(v["name"], v["sort"]) for v in values] == [("XL", 4), ("XXL", 1)]


@pytest.mark.parametrize(
    ("mode", "extra", "numbers"),
    [
        ("1", {}, ["100001", "100002"]),
        ("2", {}, ["SHIRT-S-Red", "SHIRT-M-Red"]),
        ("3", {}, ["SHIRT001", "SHIRT002"]),
        ("4", {"prefixSeparator": "_", "prefixDigits": 2, "prefixNextNumber": "7"},
         ["SHIRT_07", "SHIRT_08"]),
    ],
)  # fmt: skip
def test_create_variants_numbers_by_mode_and_answers_an_empty_201(sandbox, mode, extra, numbers):
    parent_id = _create(sandbox, {**SHIRT, "number": "SHIRT"})
    values = _values(sandbox, parent_id)
    body = {"mode": mode, **extra, "variants": [
        {"options": [{"id": values["S"]}, {"id": values["Red"]}]},
        {"options": [{"id": values["M"]}, {"id": values["Red"]}]},
    ]}  # fmt: skip
    path = f"/api/v1/products/{parent_id}/actions/createVariants"
    response = sandbox.api("POST", path, json=body)
    assert response.status_code == 201
    assert response.content == b""
    assert response.headers["Content-Type"].startswith("text/html")
    assert [v["number"] for v in _variants(sandbox, parent_id)] == numbers
    again = sandbox.api("POST", path, json=body)
    assert again.status_code == 201
    assert len(_variants(sandbox, parent_id)) == 2, "a selection that exists is not made twice"


def test_variants_show_their_selected_options_in_the_documented_shape(sandbox):
    parent_id = _create(sandbox, SHIRT)
    values = _values(sandbox, parent_id)
    body = {"mode": "2", "variants": [{"options": [{"id": values["M"]}, {"id": values["Red"]}]}]}
    sandbox.api("POST", f"/api/v1/products/{parent_id}/actions/createVariants", json=body)
    [variant] = _variants(sandbox, parent_id)
    options = sandbox.api("GET", f"/api/v1/products/{parent_id}/options").json()["data"]
    assert variant["variantOf"] == {"id": parent_id}
    assert variant["isVariant"] is True
    medium = {"id": values["M"], "name": "M", "sort": 2}
    red = {"id": values["Red"], "name": "Red", "sort": 1}
    assert variant["selectedOptions"] == [
        {"id": options[0]["id"], "name": "Size", "values": [medium]},
        {"id": options[1]["id"], "name": "Colour", "values": [red]},
    ]
    parent = sandbox.api("GET", f"/api/v2/products/{parent_id}").json()["data"]
    assert parent["variants"] == [
        {"id": variant["id"], "options": [{"id": values["M"]}, {"id": values["Red"]}]}
    ]


def test_inline_variants_get_numbers_from_the_range_and_the_201_names_the_parent(sandbox):
    body = {**SHIRT, "variants": [
        {"options": [{"name": "S", "option": {"name": "Size"}},
                     {"name": "Red", "option": {"name": "Colour"}}]},
        {"name": "Shirt M red", "options": [{"name": "M", "option": {"name": "Size"}},
                                            {"name": "Red", "option": {"name": "Colour"}}]},
    ]}  # fmt: skip
    response = sandbox.api("POST", "/api/v2/products", json=body)
    assert response.status_code == 201
    parent_id = response.headers["Location"].rsplit("/", 1)[-1]
    assert sandbox.api("GET", f"/api/v2/products/{parent_id}").json()["data"]["number"] == "SHIRT"
    variants = _variants(sandbox, parent_id)
    assert [(v["number"], v["name"], v["ean"]) for v in variants] == [
        ("100001", "Shirt S Red", ""),
        ("100002", "Shirt M red", ""),
    ]


def test_inline_variants_must_name_inline_option_values(sandbox):
    body = {**SHIRT, "variants": [{"options": [{"name": "XL", "option": {"name": "Size"}}]}]}
    response = sandbox.api("POST", "/api/v2/products", json=body)
    assert response.status_code == 400
    assert response.json()["violations"] == {
        "variants": {"0": {"options": ["Each option must name a value of 'options'."]}}
    }
    assert sandbox.state()["products"] == []


def test_bulk_patch_changes_many_products_and_answers_204(sandbox):
    first, second = sandbox.seed(
        products=[{"name": "A", "number": "A"}, {"name": "B", "number": "B"}]
    )["products"]
    body = [{"id": first["id"], "number": "A-1", "ean": "4000000000017"},
            {"id": second["id"], "number": "B-1"}]  # fmt: skip
    response = sandbox.api("PATCH", "/api/v2/products", json=body)
    assert response.status_code == 204
    assert response.content == b""
    products = {p["id"]: p for p in sandbox.api("GET", "/api/v2/products").json()["data"]}
    assert (products[first["id"]]["number"], products[first["id"]]["ean"]) == (
        "A-1",
        "4000000000017",
    )
    assert products[second["id"]]["number"] == "B-1"


def test_bulk_patch_refuses_unknown_ids_and_taken_numbers(sandbox):
    first, _ = sandbox.seed(products=[{"name": "A", "number": "A"}, {"name": "B", "number": "B"}])[
        "products"
    ]
    unknown = sandbox.api("PATCH", "/api/v2/products", json=[{"id": "999", "name": "X"}])
    assert unknown.status_code == 400
    assert unknown.json()["violations"] == {"0": {"id": ["Product not found."]}}
    taken = sandbox.api("PATCH", "/api/v2/products", json=[{"id": first["id"], "number": "B"}])
    assert taken.status_code == 409
    assert taken.json()["messages"] == ["A product with this number exists already."]
    numbers = sorted(p["number"] for p in sandbox.state()["products"])
    assert numbers == ["A", "B"]


def test_a_products_storage_locations_carry_amounts_as_strings(sandbox):
    [product] = sandbox.seed(products=[{"name": "Mug", "number": "MUG", "stock": {"1": 7.5}}])[
        "products"
    ]
    [row] = sandbox.api("GET", f"/api/v1/products/{product['id']}/storageLocations").json()["data"]
    assert row["amount"] == "7.50"
    assert row["product"] == {"id": product["id"]}
    assert row["storageLocation"]["warehouse"] == {"id": "1", "name": "Main warehouse"}
