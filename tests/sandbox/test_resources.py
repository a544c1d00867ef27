"""The sandbox's resources behave as Xentral's: stock and reservations, variants, bills of
materials, external references, customers, prices and the demo preset."""

IMPORT = {
    "date": "2026-11-23",
    "externalOrderNumber": "SHOP-1",
    "project": {"id": "1"},
    "financials": {"paymentMethod": {"id": "1"}, "currency": "EUR"},
    "delivery": {"shippingMethod": {"id": "1"}},
}


def _seed_shop(sandbox, physical=10):
    seeded = sandbox.seed(
        products=[{"name": "Mug", "number": "MUG", "stock": {"1": physical}}],
        customers=[{"firstname": "Erika", "lastname": "Muster", "email": "e@example.com"}],
        paymentMethods=[{"type": "paypal", "designation": "PayPal"}],
        shippingMethods=[{"type": "dhl", "designation": "DHL"}],
    )
    return seeded["products"][0], seeded["customers"][0]


def _import(sandbox, product, customer, quantity):
    body = {
        **IMPORT,
        "customer": {"id": customer["id"]},
        "positions": [{"product": {"id": product["id"]}, "quantity": quantity}],
    }
    return sandbox.api("POST", "/api/v1/salesOrders/actions/import", json=body)


def test_sales_order_import_reserves_stock_and_raises_open_orders(sandbox):
    product, customer = _seed_shop(sandbox, physical=10)
    response = _import(sandbox, product, customer, 4)
    assert response.status_code == 201
    order_id = response.headers["Location"].rsplit("/", 1)[-1]
    order = sandbox.api("GET", f"/api/v1/salesOrders/{order_id}").json()["data"]
    totals = sandbox.api("GET", f"/api/v1/products/{product['id']}/stocks").json()["data"]["totals"]
    assert (totals["physical"], totals["reserved"], totals["sellable"]) == (10, 4, 6)
    assert totals["openSalesOrders"] == 4
    [reservation] = sandbox.api("GET", f"/api/v1/products/{product['id']}/reservations").json()[
        "data"
    ]
    assert reservation["reason"] == f"Sales order {order['documentNumber']}"
    assert reservation["amount"] == "4.00"
    assert reservation["customer"]["number"] == customer["number"]


def test_import_reserves_at_most_what_is_sellable(sandbox):
    product, customer = _seed_shop(sandbox, physical=3)
    _import(sandbox, product, customer, 5)
    totals = sandbox.api("GET", f"/api/v1/products/{product['id']}/stocks").json()["data"]["totals"]
    assert (totals["reserved"], totals["sellable"], totals["openSalesOrders"]) == (3, 0, 5)


def test_import_validates_required_unknown_and_referenced_fields(sandbox):
    _seed_shop(sandbox)
    body = {**IMPORT, "customer": {"id": "999"}, "positions": [{"product": {"id": "999"}}],
            "paymentStatus": "paid"}  # fmt: skip
    response = sandbox.api("POST", "/api/v1/salesOrders/actions/import", json=body)
    assert response.status_code == 400
    violations = response.json()["violations"]
    assert violations["paymentStatus"] == ["This field was not expected."]
    assert "customer" in violations
    assert "product" in violations["positions"]["0"]
    assert "quantity" in violations["positions"]["0"]
    assert sandbox.state()["salesOrders"] == []


def test_sales_orders_are_found_by_external_order_number(sandbox):
    product, customer = _seed_shop(sandbox)
    _import(sandbox, product, customer, 1)
    params = {"filter[0][key]": "externalOrderNumber", "filter[0][op]": "equals",
              "filter[0][value]": "SHOP-1"}  # fmt: skip
    [found] = sandbox.api("GET", "/api/v1/salesOrders", params=params).json()["data"]
    assert found["externalOrderNumber"] == "SHOP-1"
    assert found["status"] == "released"


def test_control_stock_changes_physical_stock_count_and_updated_at(sandbox):
    product, _ = _seed_shop(sandbox, physical=10)
    sandbox.set_stock("MUG", "1", 40)
    view = sandbox.api("GET", f"/api/v2/products/{product['id']}").json()["data"]
    assert view["stockCount"] == 40
    assert view["updatedAt"] > product["updatedAt"]
    stocks = sandbox.api("GET", f"/api/v1/products/{product['id']}/stocks").json()["data"]
    assert stocks["warehouses"] == [{"id": "1", "physical": 40}]


def test_seeded_stock_sits_on_the_warehouses_default_location(sandbox):
    sandbox.seed(warehouses=[{"designation": "Second"}])
    [product] = sandbox.seed(products=[{"name": "Mug", "number": "MUG", "stock": {"2": 7}}])[
        "products"
    ]
    [row] = sandbox.api("GET", f"/api/v1/products/{product['id']}/storageLocations").json()["data"]
    assert row["amount"] == "7.00"
    assert row["storageLocation"]["warehouse"]["id"] == "2"
    location_id = row["storageLocation"]["id"]
    items = sandbox.api("GET", f"/api/v2/warehouses/2/storageLocations/{location_id}/items").json()[
        "data"
    ]
    assert items[0]["sku"] == "MUG"
    assert items[0]["quantity"] == 7


def test_bill_of_materials_parts_and_producible(sandbox):
    sandbox.seed(
        products=[
            {"name": "Cup", "number": "CUP", "stock": {"1": 9}},
            {"name": "Lid", "number": "LID", "stock": {"1": 4}},
            {"name": "Set", "number": "SET"},
        ]
    )
    ids = {p["number"]: p["id"] for p in sandbox.state()["products"]}
    parts = [
        {"part": {"id": ids["CUP"]}, "amount": 1, "type": "shopping part"},
        {"part": {"id": ids["LID"]}, "amount": 2},
    ]
    assert (
        sandbox.api("POST", f"/api/v2/products/{ids['SET']}/parts", json=parts).status_code == 201
    )
    listed = sandbox.api("GET", f"/api/v1/products/{ids['SET']}/parts").json()["data"]
    assert listed == [
        {"id": listed[0]["id"], "amount": "1.0000", "type": "shopping part",
         "product": {"id": ids["CUP"], "name": "Cup", "number": "CUP"}},
        {"id": listed[1]["id"], "amount": "2.0000", "type": "shopping part",
         "product": {"id": ids["LID"], "name": "Lid", "number": "LID"}},
    ]  # fmt: skip
    totals = sandbox.api("GET", f"/api/v1/products/{ids['SET']}/stocks").json()["data"]["totals"]
    assert totals["producible"] == 2
    bad = sandbox.api("POST", f"/api/v2/products/{ids['SET']}/parts", json=[{"amount": 1}])
    assert bad.status_code == 400


def test_matrix_product_options_and_create_variants(sandbox):
    body = {
        "name": "Shirt",
        "number": "SHIRT",
        "project": {"id": "1"},
        "isMatrixProduct": True,
        "options": [{"name": "Size", "values": [{"name": "S"}, {"name": "M"}]}],
    }
    location = sandbox.api("POST", "/api/v2/products", json=body).headers["Location"]
    parent_id = location.rsplit("/", 1)[-1]
    [size] = sandbox.api("GET", f"/api/v1/products/{parent_id}/options").json()["data"]
    assert set(size) == {"id", "name", "sort", "createdAt"}
    values = sandbox.api("GET", f"/api/v1/products/{parent_id}/options/{size['id']}/values")
    variants = {
        "mode": "2",
        "variants": [{"options": [{"id": v["id"]}]} for v in values.json()["data"]],
    }
    response = sandbox.api(
        "POST", f"/api/v1/products/{parent_id}/actions/createVariants", json=variants
    )
    assert response.status_code == 201
    assert response.content == b""
    children = [p for p in sandbox.state()["products"] if p.get("variantOf")]
    assert sorted(p["number"] for p in children) == ["SHIRT-M", "SHIRT-S"]
    assert {p["variantOf"]["id"] for p in children} == {parent_id}
    unknown = {"mode": "1", "variants": [{"options": [{"id": "999"}]}]}
    bad = sandbox.api("POST", f"/api/v1/products/{parent_id}/actions/createVariants", json=unknown)
    assert bad.status_code == 400


def test_external_references_and_targets(sandbox):
    sandbox.seed(
        externalReferenceTargets=[{"name": "Shop"}], products=[{"name": "M", "number": "M"}]
    )
    product_id = sandbox.state()["products"][0]["id"]
    body = {"name": "shop id", "number": "SHOP-77", "target": {"id": "1"}, "isActive": True}
    response = sandbox.api("POST", f"/api/v1/products/{product_id}/externalReferences", json=body)
    assert response.status_code == 201
    [ref] = sandbox.api("GET", f"/api/v1/products/{product_id}/externalReferences").json()["data"]
    assert ref["number"] == "SHOP-77"
    params = {"filter[0][key]": "externalReferenceNumber", "filter[0][op]": "equals",
              "filter[0][value]": "SHOP-77"}  # fmt: skip
    [found] = sandbox.api("GET", "/api/v2/products", params=params).json()["data"]
    assert found["id"] == product_id
    targets = sandbox.api("GET", "/api/v1/externalReferenceTargets").json()["data"]
    assert [t["name"] for t in targets] == ["Shop"]


def test_customers_are_created_found_by_email_and_get_addresses(sandbox):
    body = {"customerType": "person", "firstname": "Max", "lastname": "Muster",
            "contactDetails": {"email": "max@example.com"}, "project": {"id": "1"}}  # fmt: skip
    location = sandbox.api("POST", "/api/v2/customers", json=body).headers["Location"]
    customer_id = location.rsplit("/", 1)[-1]
    params = {"filter[0][key]": "email", "filter[0][op]": "equals",
              "filter[0][value]": "max@example.com"}  # fmt: skip
    [found] = sandbox.api("GET", "/api/v2/customers", params=params).json()["data"]
    assert found["id"] == customer_id
    assert found["number"].isdigit()
    address = {"type": "masterdata", "street": "Weg 1", "zip": "12345", "city": "Ort",
               "country": "DE"}  # fmt: skip
    assert (
        sandbox.api("POST", f"/api/v2/customers/{customer_id}/addresses", json=address).status_code
        == 201
    )
    bad = sandbox.api(
        "POST", f"/api/v2/customers/{customer_id}/addresses", json={**address, "country": "Germany"}
    )
    assert bad.status_code == 400


def test_purchase_price_needs_a_supplier(sandbox):
    [product] = sandbox.seed(products=[{"name": "M", "number": "M"}])["products"]
    body = {"product": {"id": product["id"]}, "fromQuantity": 1,
            "price": {"amount": "2.00", "currency": "EUR"}}  # fmt: skip
    response = sandbox.api("POST", "/api/v2/purchasePrices", json=body)
    assert response.status_code == 400
    assert response.json()["messages"] == ["Supplier missing and no standard supplier defined."]
    ok = sandbox.api("POST", "/api/v2/purchasePrices", json={**body, "supplier": {"id": "3"}})
    assert ok.status_code == 201


def test_v3_sales_price_answers_its_data(sandbox):
    [product] = sandbox.seed(products=[{"name": "M", "number": "M"}])["products"]
    body = {"product": {"id": product["id"]}, "price": {"amount": "9.99", "currency": "EUR"},
            "quantity": 1}  # fmt: skip
    response = sandbox.api("POST", "/api/v3/salesPrices", json=body)
    assert response.status_code == 201
    assert response.json()["data"]["price"]["amount"] == "9.99"
    listed = sandbox.api("GET", "/api/v3/salesPrices", params={"page": 1, "perPage": 10}).json()
    assert len(listed["data"]) == 1
    assert listed["meta"]["total"] == 1


def test_demo_preset(sandbox):
    sandbox.seed_demo()
    state = sandbox.state()
    numbers = {p["number"] for p in state["products"]}
    assert {"ART-001", "ART-200", "SHIRT", "KIT-001", "SHIRT-M-Red"} <= numbers
    assert {m["type"] for m in state["paymentMethods"]} == {"paypal", "invoice"}
    assert {m["type"] for m in state["shippingMethods"]} == {"dhl_standard", "pickup"}
    assert [c["contactDetails"]["email"] for c in state["customers"]] == ["kunde@example.com"]
    assert len(state["warehouses"]) == 3
    assert state["salesChannels"]
    assert state["externalReferenceTargets"]
    art = next(p for p in state["products"] if p["number"] == "ART-001")
    assert art["ean"]
    assert art["stockCount"] > 0


def test_warehouse_storage_locations_are_counted_and_items_are_not_paged(sandbox):
    sandbox.seed(products=[{"name": f"P{i}", "number": f"P-{i:02d}", "stock": {"1": i + 1}}
                           for i in range(12)])  # fmt: skip
    locations = sandbox.api("GET", "/api/v1/warehouses/1/storageLocations").json()
    assert locations["extra"] == {"totalCount": 1, "page": {"number": 1, "size": 10}}
    [location] = locations["data"]
    items = sandbox.api("GET", f"/api/v2/warehouses/1/storageLocations/{location['id']}/items")
    body = items.json()
    assert len(body["data"]) == 12
    assert body["extra"] == {"totalCount": 12, "page": {"number": 1, "size": 12}}


def test_shipping_methods_name_their_module_and_project(sandbox):
    sandbox.seed(shippingMethods=[{"type": "dhl", "designation": "DHL", "module": "dhl_paket"},
                                  {"type": "pickup", "designation": "Pick-up"}])  # fmt: skip
    methods = sandbox.api("GET", "/api/v1/shippingMethods").json()["data"]
    assert [(m["type"], m["module"], m["project"]) for m in methods] == [
        ("dhl", "dhl_paket", None),
        ("pickup", "pickup", None),
    ]
