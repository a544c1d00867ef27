"""Seeding the sandbox: objects given in a seed request, and the demo preset."""

from backoffice.xentral.sandbox.state import SandboxState

STATE_COLLECTIONS = (
    "products", "reservations", "customers", "customerAddresses", "salesOrders", "salesPrices",
    "purchasePrices", "externalReferences", "externalReferenceTargets", "warehouses",
    "storageLocations", "paymentMethods", "shippingMethods", "salesChannels", "projects",
)  # fmt: skip


def seed(state: SandboxState, body: dict) -> dict:
    created: dict[str, list] = {}
    for fields in body.get("warehouses") or []:
        created.setdefault("warehouses", []).append(state.add_warehouse(fields))
    for fields in body.get("projects") or []:
        created.setdefault("projects", []).append(_seed_project(state, dict(fields)))
    for collection in ("paymentMethods", "shippingMethods", "salesChannels",
                       "externalReferenceTargets"):  # fmt: skip
        for fields in body.get(collection) or []:
            created.setdefault(collection, []).append(state.add(collection, dict(fields)))
    for fields in body.get("products") or []:
        created.setdefault("products", []).append(_seed_product(state, dict(fields)))
    for fields in body.get("products") or []:
        _seed_parts(state, fields)
    for fields in body.get("customers") or []:
        created.setdefault("customers", []).append(_seed_customer(state, dict(fields)))
    return created


def _seed_project(state: SandboxState, fields: dict) -> dict:
    """A project, or changed settings of an existing one (`{"id": "1", "autoReservation":
    false}` turns the default project's auto-reservation off)."""
    existing = state.get("projects", str(fields.get("id", "")))
    if existing is not None:
        existing.update(fields)
        return existing
    fields.pop("id", None)
    return state.add("projects", {"autoReservation": True, **fields})


def _seed_product(state: SandboxState, fields: dict) -> dict:
    stock = fields.pop("stock", None) or {}
    fields.pop("parts", None)
    if "variantOf" in fields and isinstance(fields["variantOf"], str):
        parent = state.product_by_number(fields["variantOf"])
        fields["variantOf"] = {"id": parent["id"]} if parent else None
    fields.setdefault("project", {"id": "1"})
    existing = state.product_by_number(fields.get("number", ""))
    product = existing or state.add_product(fields)
    for warehouse_id, amount in stock.items():
        state.set_physical(product["id"], str(warehouse_id), float(amount))
    return product


def _seed_parts(state: SandboxState, fields: dict) -> None:
    parts = fields.get("parts") or []
    if not parts:
        return
    product = state.product_by_number(fields["number"])
    for part in parts:
        part_number = part.get("number") or part.get("part", {}).get("number")
        component = state.product_by_number(part_number) if part_number else None
        component_id = component["id"] if component else str(part.get("part", {}).get("id"))
        state.add(
            "parts",
            {
                "productId": product["id"],
                "part": {"id": component_id},
                "amount": part.get("amount", 1),
                "type": part.get("type", "shopping part"),
            },
        )
    product["hasBillOfMaterials"] = True


def _seed_customer(state: SandboxState, fields: dict) -> dict:
    address = fields.pop("address", None)
    email = fields.pop("email", None)
    if email:
        fields.setdefault("contactDetails", {})["email"] = email
    if not fields.get("number"):
        state.sequences["customerNumber"] = state.sequences.get("customerNumber", 10000) + 1
        fields["number"] = str(state.sequences["customerNumber"])
    fields.setdefault("customerType", "person")
    if not fields.get("name"):
        fields["name"] = " ".join(p for p in (fields.get("firstname"), fields.get("lastname")) if p)
    fields.setdefault("project", {"id": "1"})
    customer = state.add("customers", fields)
    if address:
        state.add(
            "customerAddresses",
            {"type": "masterdata", **address, "customer": {"id": customer["id"]}},
        )
    return customer


def _demo_sales_channels(index: int) -> list[dict]:
    """Sales channel 1's stock settings of a demo article: a fixed pseudo stock on every tenth,
    a correction (a safety margin) on every fourth, none on the rest."""
    if index % 10 == 1:
        return [{"id": "1", "pseudo": 10, "correction": None}]
    if index % 4 == 0:
        return [{"id": "1", "pseudo": None, "correction": -2}]
    return []


def seed_demo(state: SandboxState) -> dict:
    """ART-001...ART-200 in warehouses 1-3, the matrix product SHIRT with size/colour variants,
    the kit KIT-001, payment and shipping methods, a known customer, sales channel 1 (with
    pseudo stock or a correction on some articles) and external reference target 1."""
    if state.product_by_number("ART-001"):
        return {"status": "already seeded"}
    while len(state.data["warehouses"]) < 3:
        index = len(state.data["warehouses"]) + 1
        state.add_warehouse({"designation": f"Warehouse {index}"})
    products = []
    for index in range(1, 201):
        products.append(
            {
                "number": f"ART-{index:03d}",
                "name": f"Demo article {index:03d}",
                "ean": f"400000{index:07d}",
                "salesTax": "reduced" if index % 10 == 0 else "standard",
                "isStockItem": True,
                "stock": {"1": 20 + index % 30, "2": index % 7, "3": 5 if index % 3 == 0 else 0},
                "salesChannels": _demo_sales_channels(index),
            }
        )
    products.append(
        {
            "number": "KIT-001",
            "name": "Demo kit (ART-001 + 2x ART-002)",
            "isStockItem": True,
            "isAssembledJustInTime": True,
            "parts": [{"number": "ART-001", "amount": 1}, {"number": "ART-002", "amount": 2}],
        }
    )
    created = seed(
        state,
        {
            "products": products,
            "paymentMethods": [
                {"type": "paypal", "designation": "PayPal"},
                {"type": "invoice", "designation": "Invoice"},
            ],
            "shippingMethods": [
                {"type": "dhl_standard", "designation": "DHL Standard"},
                {"type": "pickup", "designation": "Pick-up"},
            ],
            "salesChannels": [{"name": "Demo shop", "type": "shop"}],
            "externalReferenceTargets": [{"name": "Demo shop", "type": "shop"}],
            "customers": [
                {
                    "customerType": "person",
                    "firstname": "Erika",
                    "lastname": "Musterfrau",
                    "email": "kunde@example.com",
                    "address": {
                        "street": "Musterstraße 1",
                        "zip": "12345",
                        "city": "Musterstadt",
                        "country": "DE",
                    },
                }
            ],
        },
    )
    shirt = state.add_product(
        {
            "number": "SHIRT",
            "name": "Demo shirt",
            "isMatrixProduct": True,
            "project": {"id": "1"},
            "options": [
                {"name": "Size", "values": [{"name": "S"}, {"name": "M"}, {"name": "L"}]},
                {"name": "Colour", "values": [{"name": "Red"}, {"name": "Blue"}]},
            ],
        }
    )
    options = [o for o in state.items("options") if o["productId"] == shirt["id"]]
    for size in options[0]["values"]:
        for colour in options[1]["values"]:
            variant = state.add_product(
                {
                    "number": f"SHIRT-{size['name']}-{colour['name']}",
                    "name": f"Demo shirt {size['name']} {colour['name']}",
                    "project": {"id": "1"},
                    "variantOf": {"id": shirt["id"]},
                    "selectedOptions": [{"id": size["id"]}, {"id": colour["id"]}],
                }
            )
            state.set_physical(variant["id"], "1", 10)
    created["products"] += [shirt]
    return {"products": len(created["products"]), "customers": created["customers"]}
