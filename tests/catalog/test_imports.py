"""Catalog imports over real HTTP (client -> hub -> sandbox): every column, dry run, apply,
variants, BOM, references, resume after a crash, 409 bind, re-runs, and file faults."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from catalog.imports import apply
from catalog.imports.apply import import_apply, import_rerun_failed, import_run_chunk
from catalog.imports.dry_run import import_create, import_dry_run_step
from catalog.models import (
    CatalogEntry,
    ExternalReference,
    ImportEventKind,
    ImportRow,
    ImportStatus,
    Product,
    ProductImport,
    RowAction,
    RowStatus,
)
from tests.factories import channel_with_key

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hub(live_server, sandbox):
    sandbox.seed(externalReferenceTargets=[{"name": "Shop"}])
    channel, key = channel_with_key()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    session.base = f"{live_server.url}/api/v1/catalog"
    session.channel = channel
    return session


def upload_csv(hub, content: bytes, name="catalog.csv"):
    return hub.post(f"{hub.base}/imports", files={"file": (name, content, "text/csv")})


def run_dry_run(import_id: str) -> None:
    """What the django-q2 worker does with the upload's queued dry run (step after step)."""
    while import_dry_run_step(import_id=import_id):
        pass


def upload_checked(hub, content: bytes, name="catalog.csv"):
    """Upload (answered pending), let the worker run the dry run, then read the import."""
    response = upload_csv(hub, content, name)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "pending"
    run_dry_run(response.json()["id"])
    return hub.get(response.headers["Location"])


def by_number(state, collection="products"):
    return {p["number"]: p for p in state[collection]}


def test_csv_with_every_column_dry_runs_then_applies_completely(hub, sandbox):
    response = upload_checked(hub, (SAMPLES / "catalog.csv").read_bytes())
    assert response.status_code == 200, response.text
    body = response.json()
    assert {r["number"]: r["action"] for r in body["rows"]} == {
        "MUG-001": "create", "TEA-001": "create", "HOODIE": "create",
        "HOODIE-S-BLACK": "create", "HOODIE-M-BLACK": "create", "GIFT-SET": "create",
    }  # fmt: skip
    assert sandbox.requests(method="POST") == [], "a dry run writes nothing"

    applied = hub.post(f"{hub.base}/imports/{body['id']}/apply")
    assert applied.status_code == 202
    import_run_chunk(import_id=body["id"])  # the job's step, as the worker runs it
    while import_run_chunk(import_id=body["id"]):
        pass
    result = hub.get(f"{hub.base}/imports/{body['id']}").json()
    assert result["status"] == "done", result
    assert {r["status"] for r in result["rows"]} == {"done"}

    state = sandbox.state()
    products = by_number(state)
    mug = products["MUG-001"]
    assert mug["ean"] == "4006381333931"
    assert mug["categories"] == [{"id": "3"}, {"id": "7"}]
    assert mug["measurements"]["weight"] == {"value": 0.35, "unit": "kg"}
    assert products["TEA-001"]["salesTax"] == "reduced"
    assert products["HOODIE"]["isMatrixProduct"] is True
    for variant in ("HOODIE-S-BLACK", "HOODIE-M-BLACK"):
        assert products[variant]["variantOf"] == {"id": products["HOODIE"]["id"]}
    gift = products["GIFT-SET"]
    assert gift["isAssembledJustInTime"] is True
    assert gift["isStockItem"] is False
    prices = {p["product"]["id"]: p["price"]["amount"] for p in state["salesPrices"]}
    assert prices[mug["id"]] == "10", "11.90 gross at 19 % is 10.00 net"
    assert Decimal(prices[products["TEA-001"]["id"]]) == Decimal("4.1963")
    [purchase] = [p for p in state["purchasePrices"] if p["product"]["id"] == mug["id"]]
    assert purchase["supplier"] == {"id": "5"}
    refs = {r["number"]: r["productId"] for r in state["externalReferences"]}
    assert refs["SHOP-MUG-1"] == mug["id"]
    assert ExternalReference.objects.get(number="SHOP-HOODIE-S-BLACK").product.number == (
        "HOODIE-S-BLACK"
    )
    parts = sandbox.api("GET", f"/api/v1/products/{gift['id']}/parts").json()["data"]
    assert {(p["product"]["id"], p["product"]["number"], p["amount"]) for p in parts} == {
        (mug["id"], "MUG-001", "1.0000"),
        (products["TEA-001"]["id"], "TEA-001", "2.0000"),
    }
    assert (
        Product.objects.get(number="HOODIE-M-BLACK").xentral_id == products["HOODIE-M-BLACK"]["id"]
    )


def test_json_import_is_the_same_as_csv(hub, sandbox):
    response = hub.post(f"{hub.base}/imports", data=(SAMPLES / "catalog.json").read_bytes(),
                        headers={"Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 202, response.text
    run_dry_run(response.json()["id"])
    import_apply(product_import=ProductImport.objects.get(pk=response.json()["id"]), run_now=True)
    assert set(by_number(sandbox.state())) == {
        "MUG-001", "TEA-001", "HOODIE", "HOODIE-S-BLACK", "HOODIE-M-BLACK", "GIFT-SET",
    }  # fmt: skip


def test_second_run_of_the_same_file_is_unchanged_and_costs_no_calls(hub, sandbox):
    content = (SAMPLES / "catalog.csv").read_bytes()
    first = import_create(run_now=True, content=content, filename="a.csv")
    import_apply(product_import=first, run_now=True)
    sandbox.clear_requests()
    second = import_create(run_now=True, content=content, filename="a.csv")
    assert set(second.rows.values_list("action", flat=True)) == {RowAction.UNCHANGED}
    import_apply(product_import=second, run_now=True)
    assert sandbox.requests() == []
    assert set(second.rows.values_list("status", flat=True)) == {RowStatus.SKIPPED}


def test_changed_row_patches_only_what_changed(hub, sandbox):
    content = b"number,name,ean,sales_price\nA-1,Alpha,111,10\n"
    import_apply(product_import=import_create(run_now=True, content=content), run_now=True)
    sandbox.clear_requests()
    changed = import_create(
        run_now=True, content=b"number,name,ean,sales_price\nA-1,Alpha v2,111,10\n"
    )
    assert changed.rows.get().action == RowAction.UPDATE
    import_apply(product_import=changed, run_now=True)
    [patch] = sandbox.requests(method="PATCH")
    assert patch["body"] == {"name": "Alpha v2"}
    assert sandbox.requests(method="POST") == [], "the price did not change"


def test_resume_after_a_crash_creates_nothing_twice(hub, sandbox, monkeypatch):
    content = (SAMPLES / "catalog.csv").read_bytes()
    product_import = import_create(run_now=True, content=content)
    real_apply_extras = apply.apply_extras
    calls = {"n": 0}

    def crash_on_third_row(row, client):
        calls["n"] += 1
        if calls["n"] == 3:
            raise SystemExit("worker killed")
        return real_apply_extras(row, client)

    monkeypatch.setattr(apply, "apply_extras", crash_on_third_row)
    with pytest.raises(SystemExit):
        import_apply(product_import=product_import, run_now=True)
    monkeypatch.setattr(apply, "apply_extras", real_apply_extras)
    # The worker died mid-job: the job runs again, as django-q2 hands out an unfinished task.
    while import_run_chunk(import_id=product_import.pk):
        pass

    product_import.refresh_from_db()
    assert product_import.status == "done"
    state = sandbox.state()
    numbers = [p["number"] for p in state["products"]]
    assert len(numbers) == len(set(numbers)) == 6
    price_products = [p["product"]["id"] for p in state["salesPrices"]]
    assert len(price_products) == len(set(price_products))
    ref_numbers = [r["number"] for r in state["externalReferences"]]
    assert len(ref_numbers) == len(set(ref_numbers)) == 5


def test_a_create_whose_answer_was_lost_is_found_by_number_on_resume(hub, sandbox):
    product_import = import_create(run_now=True, content=b"number,name\nLOST-1,Lost answer\n")
    sandbox.faults(failNext=[{"method": "POST", "path": "/api/v2/products", "drop": True}])
    import_apply(product_import=product_import, run_now=True)
    row = product_import.rows.get()
    assert row.status == RowStatus.FAILED
    assert "not available" in row.errors[0]
    assert import_rerun_failed(product_import=product_import, run_now=True) == 1
    row.refresh_from_db()
    assert row.status == RowStatus.DONE
    assert [p["number"] for p in sandbox.state()["products"]] == ["LOST-1"]


def test_409_binds_to_the_existing_product(hub, sandbox):
    [existing] = sandbox.seed(products=[{"name": "Already there", "number": "DUP-1"}])["products"]
    product_import = import_create(run_now=True, content=b"number,name\nDUP-1,Already there\n")
    # The index did not know it, but the dry run asked Xentral: it is an update.
    assert product_import.rows.get().action == RowAction.UPDATE
    ImportRow.objects.filter(product_import=product_import).update(
        action=RowAction.CREATE, xentral_id=""
    )
    import_apply(product_import=product_import, run_now=True)
    row = product_import.rows.get()
    assert row.status == RowStatus.DONE
    assert row.xentral_id == existing["id"]
    assert "bound_existing" in row.steps_done
    assert len(sandbox.state()["products"]) == 1


def test_rerun_retries_only_failed_rows(hub, sandbox):
    content = b"number,name,sales_price\nR-1,One,5\nR-2,Two,6\n"
    product_import = import_create(run_now=True, content=content)
    sandbox.faults(failNext=[{"method": "POST", "path": "/api/v3/salesPrices", "status": 400}])
    import_apply(product_import=product_import, run_now=True)
    rows = {r.number: r for r in product_import.rows.all()}
    assert rows["R-1"].status == RowStatus.FAILED
    assert "Xentral refused POST /api/v3/salesPrices" in rows["R-1"].errors[0]
    assert rows["R-2"].status == RowStatus.DONE
    sandbox.clear_requests()
    assert import_rerun_failed(product_import=product_import, run_now=True) == 1
    posts = [e["path"] for e in sandbox.requests(method="POST")]
    assert posts == ["/api/v3/salesPrices"], "R-1's product existed; only its price was sent"
    assert product_import.rows.get(number="R-1").status == RowStatus.DONE


def test_a_gross_price_in_a_category_without_a_rate_is_a_row_error(hub, sandbox, settings):
    settings.TAX_RATES = {"standard": Decimal(19)}
    content = (
        b"number,name,sales_tax,sales_price,prices\n"
        b"NET-1,Net,reduced,5,net\n"
        b"GROSS-1,Gross,reduced,5.35,gross\n"
        b"GROSS-2,Gross standard,,11.90,gross\n"
    )
    response = upload_checked(hub, content)
    assert response.status_code == 200, response.text
    rows = {r["number"]: r for r in response.json()["rows"]}
    assert rows["GROSS-1"]["action"] == "error"
    assert rows["GROSS-1"]["errors"] == [
        "The gross sales_price cannot be made net: Sales tax category 'reduced' has no rate "
        "in TAX_RATES (known: standard)."
    ]
    assert (rows["NET-1"]["action"], rows["GROSS-2"]["action"]) == ("create", "create")
    import_apply(product_import=ProductImport.objects.get(pk=response.json()["id"]), run_now=True)
    state = sandbox.state()
    assert sorted(by_number(state)) == ["GROSS-2", "NET-1"]
    assert sorted(p["price"]["amount"] for p in state["salesPrices"]) == ["10", "5"]


def test_an_applied_import_cannot_be_applied_again(hub, sandbox):
    created = upload_checked(hub, b"number,name,sales_price\nTWICE-1,Twice,5\n").json()
    apply_url = f"{hub.base}/imports/{created['id']}/apply"
    assert hub.post(apply_url).status_code == 202
    again = hub.post(apply_url)
    assert again.status_code == 202, "asking again while it runs answers its progress"
    assert again.json()["status"] == "applying"
    while import_run_chunk(import_id=created["id"]):
        pass
    sandbox.clear_requests()
    done = hub.post(apply_url)
    assert done.status_code == 409
    assert done.headers["Content-Type"] == "application/problem+json"
    assert done.json()["detail"] == (
        "The import was applied already; upload the file again to apply it again."
    )
    assert sandbox.requests() == []
    product_import = ProductImport.objects.get(pk=created["id"])
    assert product_import.status == ImportStatus.DONE
    events = list(product_import.events.values_list("kind", "channel"))
    assert events == [
        (ImportEventKind.CHECKED, None),
        (ImportEventKind.APPLIED, hub.channel.pk),
        (ImportEventKind.FINISHED, None),
    ]


def test_business_faults_mark_only_their_rows(hub, sandbox):
    content = (
        b"number,name,sales_tax,variant_of,option_size,bom\n"
        b"OK-1,Fine,,,,\n"
        b"BAD-TAX,Bad tax,luxury,,,\n"
        b"ORPHAN,Orphan variant,,NO-PARENT,S,\n"
        b"KIT,Kit,,,,NOPE*2\n"
    )
    response = upload_checked(hub, content)
    assert response.status_code == 200
    rows = {r["number"]: r for r in response.json()["rows"]}
    assert rows["OK-1"]["action"] == "create"
    assert rows["BAD-TAX"]["errors"] == ["sales_tax 'luxury' is not standard, reduced or free."]
    assert "neither in this file nor a matrix product" in rows["ORPHAN"]["errors"][0]
    assert rows["KIT"]["errors"] == ["BOM component 'NOPE' is unknown."]
    import_apply(product_import=ProductImport.objects.get(pk=response.json()["id"]), run_now=True)
    assert [p["number"] for p in sandbox.state()["products"]] == ["OK-1"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfenumber,name\n", "not UTF-8"),
        (b"number,title\nA,B\n", "The required column 'name' is missing."),
        (b"sku,name\nA,B\n", "Unknown column 'sku'"),
        (b"number,name\nA,x\nA,y\n", "'A' appears twice (rows 2 and 3)."),
        (b"number,name,weight_kg\nA,x,heavy\n", "'heavy' is not a number."),
        (b"number,name,bom\nA,x,B-2\n", "'B-2' is not NUMBER*amount."),
        (b"number,name,is_jit\nA,x,maybe\n", "'maybe' is not yes/no"),
    ],
)
def test_file_level_faults_answer_400_and_store_nothing(hub, content, message):
    response = upload_csv(hub, content)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert any(message in e["message"] for e in response.json()["errors"]), response.json()
    assert not ProductImport.objects.exists()


def test_unparsable_number_names_row_and_column(hub):
    response = upload_csv(hub, b"number;name;sales_price\nA;x;1\nB;y;zwei\n")
    [error] = response.json()["errors"]
    assert error["field"] == "row 3.sales_price"


def test_imports_belong_to_their_channel(hub, live_server):
    created = upload_csv(hub, b"number,name\nA,x\n").json()
    _, other_key = channel_with_key()
    other = requests.get(f"{hub.base}/imports/{created['id']}",
                         headers={"Authorization": f"Bearer {other_key}"})  # fmt: skip
    assert other.status_code == 404


def test_resolve_answers_from_the_hub_without_calling_xentral(hub, sandbox):
    import_apply(
        product_import=import_create(
            content=b"number,name,ean,external_references\nR-1,Res,999,1:F-1\n", run_now=True
        ),
        run_now=True,
    )
    sandbox.clear_requests()
    read_key = channel_with_key(scopes=["catalog:read"])[1]
    headers = {"Authorization": f"Bearer {read_key}"}
    for query in ({"target": "1", "number": "F-1"}, {"sku": "R-1"}, {"ean": "999"}):
        answer = requests.get(f"{hub.base}/resolve", params=query, headers=headers)
        assert answer.status_code == 200, query
        assert answer.json()["number"] == "R-1"
        assert answer.json()["product_id"].isdigit()
    missing = requests.get(f"{hub.base}/resolve", params={"sku": "NOPE"}, headers=headers)
    assert missing.status_code == 404
    assert sandbox.requests() == []
    no_scope = requests.get(
        f"{hub.base}/resolve",
        params={"sku": "R-1"},
        headers={"Authorization": f"Bearer {channel_with_key(scopes=['orders:read'])[1]}"},
    )
    assert no_scope.status_code == 403


def test_entries_remember_what_was_applied(hub, sandbox):
    import_apply(
        product_import=import_create(run_now=True, content=b"number,name\nE-1,Entry\n"),
        run_now=True,
    )
    entry = CatalogEntry.objects.get(number="E-1")
    assert entry.applied_data["name"] == "Entry"
    assert json.dumps(entry.applied_data)


def test_a_foreign_number_of_another_product_fails_only_that_row(hub, sandbox):
    first = b"number,name,external_references\nFIRST,First,1:F-1\n"
    import_apply(product_import=import_create(run_now=True, content=first), run_now=True)
    sandbox.clear_requests()
    second = import_create(
        run_now=True, content=b"number,name,external_references\nSECOND,Second,1:F-1\n"
    )
    import_apply(product_import=second, run_now=True)
    row = second.rows.get()
    assert row.status == RowStatus.FAILED
    assert row.errors == ["The foreign number 1:F-1 already maps to FIRST."]
    posts = [e["path"] for e in sandbox.requests(method="POST")]
    assert posts == ["/api/v2/products"], "the reference was not sent to Xentral"
    assert ExternalReference.objects.get(number="F-1").product.number == "FIRST"


def _apply_over_http(hub, import_id: str) -> dict:
    assert hub.post(f"{hub.base}/imports/{import_id}/apply").status_code == 202
    while import_run_chunk(import_id=import_id):  # the job's steps, as the worker runs them
        pass
    return hub.get(f"{hub.base}/imports/{import_id}").json()


def _product_calls(sandbox) -> list[tuple[str, str]]:
    return [
        (e["method"], e["path"])
        for e in sandbox.requests()
        if e["path"].startswith(("/api/v2/products", "/api/v1/products"))
    ]


FAMILY = b"number,name,ean,variant_of,option_size,option_colour\nTEE,Tee,,,,\n" + b"".join(
    f"TEE-{size}-{colour},Tee {size} {colour},40000000{i:05d},TEE,{size},{colour}\n".encode()
    for i, (size, colour) in enumerate((s, c) for s in ("S", "M", "L") for c in ("Red", "Blue"))
)


def test_a_new_matrix_family_of_six_variants_costs_three_product_calls(hub, sandbox):
    checked = upload_checked(hub, FAMILY).json()
    sandbox.clear_requests()

    result = _apply_over_http(hub, checked["id"])

    assert result["status"] == "done", result
    products = by_number(sandbox.state())
    parent = products["TEE"]
    assert _product_calls(sandbox) == [
        ("POST", "/api/v2/products"),
        ("GET", "/api/v2/products"),
        ("PATCH", "/api/v2/products"),
    ]
    create, listing, patch = sandbox.requests()
    assert create["body"]["variants"][0] == {
        "options": [{"name": "S", "option": {"name": "Size"}},
                    {"name": "Red", "option": {"name": "Colour"}}]
    }  # fmt: skip
    assert create["body"]["options"] == [
        {"name": "Size", "values": [{"name": "S"}, {"name": "M"}, {"name": "L"}]},
        {"name": "Colour", "values": [{"name": "Red"}, {"name": "Blue"}]},
    ]
    assert listing["query"]["filter[0][key]"] == "variantOf"
    assert len(patch["body"]) == 6
    variants = {n: p for n, p in products.items() if n != "TEE"}
    assert {n: (p["ean"], p["variantOf"]) for n, p in variants.items()} == {
        f"TEE-{size}-{colour}": (f"40000000{i:05d}", {"id": parent["id"]})
        for i, (size, colour) in enumerate((s, c) for s in ("S", "M", "L") for c in ("Red", "Blue"))
    }
    for number, product in variants.items():
        row = ImportRow.objects.get(number=number)
        assert (row.xentral_id, row.status) == (product["id"], RowStatus.DONE)
        assert Product.objects.get(number=number).xentral_id == product["id"]
    view = sandbox.api("GET", f"/api/v2/products/{variants['TEE-L-Blue']['id']}").json()["data"]
    assert [(o["name"], [v["name"] for v in o["values"]]) for o in view["selectedOptions"]] == [
        ("Size", ["L"]),
        ("Colour", ["Blue"]),
    ]


def test_new_values_on_an_existing_parent_use_options_values_and_create_variants(hub, sandbox):
    _apply_over_http(hub, upload_checked(hub, FAMILY).json()["id"])
    parent_id = Product.objects.get(number="TEE").xentral_id
    more = (
        b"number,name,ean,variant_of,option_size,option_colour\n"
        b"TEE-XL-Red,Tee XL Red,4000000000101,TEE,XL,Red\n"
        b"TEE-XL-Green,Tee XL Green,4000000000102,TEE,XL,Green\n"
    )
    checked = upload_checked(hub, more).json()
    sandbox.clear_requests()

    result = _apply_over_http(hub, checked["id"])
    calls = _product_calls(sandbox)

    assert result["status"] == "done", result
    options = sandbox.api("GET", f"/api/v1/products/{parent_id}/options").json()["data"]
    size, colour = (o["id"] for o in options)
    base = f"/api/v1/products/{parent_id}"
    assert calls == [
        ("GET", "/api/v2/products"),
        ("GET", f"{base}/options"),
        ("GET", f"{base}/options/{size}/values"),
        ("POST", f"{base}/options/{size}/values"),
        ("GET", f"{base}/options/{size}/values"),
        ("GET", f"{base}/options/{colour}/values"),
        ("POST", f"{base}/options/{colour}/values"),
        ("GET", f"{base}/options/{colour}/values"),
        ("POST", f"{base}/actions/createVariants"),
        ("GET", "/api/v2/products"),
        ("PATCH", "/api/v2/products"),
    ]
    value_posts = [e["body"] for e in sandbox.requests(method="POST") if "values" in e["path"]]
    assert value_posts == [[{"name": "XL"}], [{"name": "Green"}]]
    products = by_number(sandbox.state())
    assert {n: p["ean"] for n, p in products.items() if n.startswith("TEE-XL")} == {
        "TEE-XL-Red": "4000000000101",
        "TEE-XL-Green": "4000000000102",
    }
    assert len([p for p in products.values() if p.get("variantOf")]) == 8


def test_a_variant_xentral_refuses_in_the_bulk_patch_fails_alone(hub, sandbox):
    family = (
        b"number,name,ean,variant_of,option_size\nCAP,Cap,,,\n"
        b"CAP-S,Cap S,4000000000201,CAP,S\nCAP-M,Cap M,4000000000202,CAP,M\n"
        b"CAP-L,Cap L,4000000000203,CAP,L\n"
    )
    checked = upload_checked(hub, family).json()
    # The parent is product 1 and its inline variants 2, 3 and 4 (S, M, L) in a fresh sandbox.
    sandbox.faults(
        failNext=[
            {"method": "PATCH", "path": "/api/v2/products", "status": 400},
            {"method": "PATCH", "path": "/api/v2/products/3", "status": 400},
        ]
    )
    sandbox.clear_requests()

    result = _apply_over_http(hub, checked["id"])

    rows = {r["number"]: r for r in result["rows"]}
    assert {n: r["status"] for n, r in rows.items()} == {
        "CAP": "done", "CAP-S": "done", "CAP-M": "failed", "CAP-L": "done",
    }  # fmt: skip
    assert ImportRow.objects.get(number="CAP-M").xentral_id == "3"
    assert rows["CAP-M"]["errors"] == [
        "Xentral refused PATCH /api/v2/products/3: Validation failed.; Injected fault."
    ]
    assert _product_calls(sandbox) == [
        ("POST", "/api/v2/products"),
        ("GET", "/api/v2/products"),
        ("PATCH", "/api/v2/products"),
        ("PATCH", "/api/v2/products/2"),
        ("PATCH", "/api/v2/products/3"),
        ("PATCH", "/api/v2/products/4"),
    ]
    products = by_number(sandbox.state())
    assert {n: products[n]["ean"] for n in ("CAP-S", "CAP-L")} == {
        "CAP-S": "4000000000201",
        "CAP-L": "4000000000203",
    }
