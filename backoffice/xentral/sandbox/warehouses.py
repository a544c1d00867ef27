"""Sandbox endpoints for warehouses, their storage locations and what a location holds."""

from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.querying import paged
from backoffice.xentral.sandbox.state import number


def warehouses_list(app, request):
    with app.state.lock:
        return r.json_response(paged(app.state.items("warehouses"), request.args))


def _location_item(location: dict) -> dict:
    return {k: v for k, v in location.items() if k not in ("items", "isDefault")}


def warehouse_storage_locations(app, request, id):
    state = app.state
    with state.lock:
        state.require("warehouses", id, "Warehouse")
        items = [
            _location_item(loc)
            for loc in state.items("storageLocations")
            if loc["warehouse"]["id"] == str(id)
        ]
        return r.json_response(paged(items, request.args))


def storage_location_items(app, request, warehouseId, id):
    state = app.state
    with state.lock:
        location = state.get("storageLocations", id)
        if location is None or location["warehouse"]["id"] != str(warehouseId):
            raise LookupError("Storage location")
        items = []
        for product_id, per_warehouse in state.stock.items():
            amount = per_warehouse.get(str(warehouseId), {}).get(location["id"])
            if not amount:
                continue
            product = state.get("products", product_id)
            items.append(
                {
                    "productId": product_id,
                    "sku": product["number"],
                    "quantity": number(amount),
                    "qualityControlAttributes": (location.get("items") or {}).get(product_id, []),
                }
            )
        # The operation declares no paging: every item, and a page that holds them all.
        extra = {"totalCount": len(items), "page": {"number": 1, "size": len(items)}}
        return r.json_response({"data": items, "extra": extra})


ROUTES = [
    ("/api/v1/warehouses", "GET", warehouses_list),
    ("/api/v1/warehouses/<id>/storageLocations", "GET", warehouse_storage_locations),
    (
        "/api/v2/warehouses/<warehouseId>/storageLocations/<id>/items",
        "GET",
        storage_location_items,
    ),
]
