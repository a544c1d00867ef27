"""Sandbox endpoints for one product's stock: totals, reservations and storage locations."""

from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.querying import paged
from backoffice.xentral.sandbox.state import number


def product_stocks(app, request, id):
    state = app.state
    with state.lock:
        product = state.require("products", id, "Product")
        physical = state.physical(product["id"])
        reserved = state.reserved(product["id"])
        channels = product.get("salesChannels") or []
        corrections = [c.get("correction") for c in channels if c.get("correction") is not None]
        pseudos = [c.get("pseudo") for c in channels if c.get("pseudo") is not None]
        totals = {
            "physical": number(physical),
            "reserved": number(reserved),
            "sellable": number(physical - reserved),
            "calculated": number(physical - reserved),
            "openSalesOrders": number(state.open_orders.get(product["id"], 0)),
            "pseudo": number(sum(pseudos)) if pseudos else None,
            "correction": number(sum(corrections)) if corrections else None,
            "producible": state.producible(product["id"]),
        }
        warehouses = [
            {"id": warehouse_id, "physical": number(state.physical(product["id"], warehouse_id))}
            for warehouse_id in sorted(state.stock.get(product["id"], {}), key=int)
        ]
        return r.data(
            {
                "id": product["id"],
                "totals": totals,
                "warehouses": warehouses,
                "salesChannels": [
                    {
                        "id": str(c["id"]),
                        "pseudo": c.get("pseudo"),
                        "correction": c.get("correction"),
                    }
                    for c in channels
                ],
            }
        )


def product_reservations(app, request, id):
    state = app.state
    with state.lock:
        state.require("products", id, "Product")
        # A reservation without a customer or project (one the control API placed) leaves
        # the field out: the documents describe both as objects, never null.
        items = [
            {k: v for k, v in res.items() if k != "productId" and v is not None}
            for res in state.items("reservations")
            if res["productId"] == str(id)
        ]
        return r.json_response(paged(items, request.args, total=False))


def product_storage_locations(app, request, id):
    state = app.state
    with state.lock:
        state.require("products", id, "Product")
        items = []
        for warehouse_id, locations in state.stock.get(str(id), {}).items():
            warehouse = state.get("warehouses", warehouse_id)
            for location_id, amount in locations.items():
                location = state.get("storageLocations", location_id)
                # One row per storage location, so the location's id names the row.
                items.append(
                    {
                        "id": location_id,
                        "amount": f"{amount:.2f}",
                        "product": {"id": str(id)},
                        "storageLocation": {
                            "id": location_id,
                            "name": location["designation"],
                            "warehouse": {"id": warehouse_id, "name": warehouse["designation"]},
                        },
                    }
                )
        return r.json_response(paged(items, request.args, total=False))


ROUTES = [
    ("/api/v1/products/<id>/stocks", "GET", product_stocks),
    ("/api/v1/products/<id>/reservations", "GET", product_reservations),
    ("/api/v1/products/<id>/storageLocations", "GET", product_storage_locations),
]
