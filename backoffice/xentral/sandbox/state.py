"""The sandbox's in-memory state: Xentral's resources as plain dicts, guarded by one lock.

Ids are sequential numeric strings per resource, as Xentral's are. The whole state is JSON, so
it can be saved to a file and loaded again (`run_sandbox --state FILE`).
"""

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

COLLECTIONS = (
    "products",
    "customers",
    "customerAddresses",
    "salesOrders",
    "salesPrices",
    "purchasePrices",
    "externalReferences",
    "externalReferenceTargets",
    "warehouses",
    "storageLocations",
    "paymentMethods",
    "shippingMethods",
    "salesChannels",
    "projects",
    "reservations",
    "options",
    "parts",
)


# Created along with a product, not stored on it.
INLINE = ("options", "variants")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def flag(value) -> bool:
    """Xentral's booleans: true/false, 0/1, or their spellings as strings."""
    return value in (True, 1, "1", "true", "True", "TRUE")


def number(value) -> float:
    """Quantities as JSON numbers; whole numbers without a fraction."""
    value = float(value)
    return int(value) if value.is_integer() else round(value, 4)


class SandboxState:
    def __init__(self):
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.data: dict[str, dict[str, dict]] = {name: {} for name in COLLECTIONS}
            # product id -> warehouse id -> storage location id -> physical amount
            self.stock: dict[str, dict[str, dict[str, float]]] = {}
            # product id -> open sales order quantity
            self.open_orders: dict[str, float] = {}
            self.sequences: dict[str, int] = {}
            self.by_number: dict[str, str] = {}
            # webhooks, delivery notes, shipments, event deliveries: sandbox/webhooks.py
            self.lifecycle: dict = {}
            self._defaults()

    def _defaults(self) -> None:
        self.add(
            "projects", {"name": "Standard project", "abbreviation": "STD", "autoReservation": True}
        )
        self.add_warehouse({"designation": "Main warehouse"})

    # --- ids and collections -----------------------------------------------------------------
    def next_id(self, collection: str) -> str:
        self.sequences[collection] = self.sequences.get(collection, 0) + 1
        return str(self.sequences[collection])

    def add(self, collection: str, item: dict) -> dict:
        item = {"id": self.next_id(collection), **item}
        self.data[collection][item["id"]] = item
        return item

    def get(self, collection: str, item_id: str) -> dict | None:
        return self.data[collection].get(str(item_id))

    def items(self, collection: str) -> list[dict]:
        return list(self.data[collection].values())

    def require(self, collection: str, item_id: str, what: str) -> dict:
        """The item, or `LookupError(what)`, which the app answers with a 404."""
        item = self.get(collection, item_id)
        if item is None:
            raise LookupError(what)
        return item

    def children(self, collection: str, product_id: str) -> list[dict]:
        """A product's own items (parts, external references), without the back reference."""
        return [
            {k: v for k, v in item.items() if k != "productId"}
            for item in self.data[collection].values()
            if item["productId"] == str(product_id)
        ]

    # --- products ------------------------------------------------------------------------------
    def add_product(self, fields: dict) -> dict:
        stamp = now_iso()
        product = {
            "number": fields.get("number") or self._next_product_number(),
            "name": fields.get("name", ""),
            "description": fields.get("description", ""),
            "ean": fields.get("ean", ""),
            "project": fields.get("project") or {"id": "1"},
            "isStockItem": flag(fields.get("isStockItem", True)),
            "isDisabled": flag(fields.get("isDisabled", False)),
            "salesTax": fields.get("salesTax", "standard"),
            "unit": fields.get("unit", ""),
            "measurements": fields.get("measurements"),
            "isMatrixProduct": flag(fields.get("isMatrixProduct", False)),
            "hasBillOfMaterials": flag(fields.get("hasBillOfMaterials", False)),
            "isAssembledJustInTime": flag(fields.get("isAssembledJustInTime", False)),
            "categories": fields.get("categories") or [],
            "variantOf": fields.get("variantOf"),
            "standardSupplier": fields.get("standardSupplier"),
            "stockCount": 0,
            "createdAt": stamp,
            "updatedAt": stamp,
        }
        extra = {k: v for k, v in fields.items() if k not in product and k not in INLINE}
        product.update(extra)
        product = self.add("products", product)
        self.by_number[product["number"]] = product["id"]
        for option in fields.get("options") or []:
            self.add_option(product["id"], option.get("name", ""), option.get("values") or [])
        return product

    def _next_product_number(self) -> str:
        self.sequences["productNumber"] = self.sequences.get("productNumber", 100000) + 1
        return str(self.sequences["productNumber"])

    def product_by_number(self, number_: str) -> dict | None:
        product_id = self.by_number.get(number_)
        return self.data["products"].get(product_id) if product_id else None

    def touch(self, product_id: str) -> None:
        product = self.data["products"].get(product_id)
        if product is not None:
            product["updatedAt"] = now_iso()

    def add_option(self, product_id: str, name: str, values: list, sort: int = 0) -> dict:
        option = self.add(
            "options",
            {"productId": product_id, "name": name, "sort": sort, "createdAt": now_iso(),
             "values": []},
        )  # fmt: skip
        for value in values:
            self.add_option_value(option, value)
        return option

    def add_option_value(self, option: dict, value) -> dict:
        if not isinstance(value, dict):
            value = {"name": str(value)}
        sort = value.get("sort")
        added = {
            "id": self.next_id("optionValues"),
            "name": value.get("name", ""),
            "sort": int(sort) if sort is not None else len(option["values"]) + 1,
        }
        option["values"].append(added)
        return added

    def option_values(self, product_id: str) -> dict[str, tuple[dict, dict]]:
        """value id -> (option, value) for the options of a matrix parent."""
        return {
            value["id"]: (option, value)
            for option in self.data["options"].values()
            if option["productId"] == str(product_id)
            for value in option["values"]
        }

    # --- warehouses and stock ------------------------------------------------------------------
    def add_warehouse(self, fields: dict) -> dict:
        warehouse = self.add(
            "warehouses",
            {
                "designation": fields.get("designation") or fields.get("name") or "Warehouse",
                "project": fields.get("project") or {"id": "1"},
            },
        )
        self.add(
            "storageLocations",
            {
                "designation": f"{warehouse['designation']} default",
                "warehouse": {"id": warehouse["id"]},
                "isDefault": True,
                "isReplenishmentLocation": False,
                "isConsumptionLocation": False,
                "isRestrictedLocation": False,
                "productionAccess": False,
                "isPosLocation": False,
                "sort": 0,
                "items": {},
            },
        )
        return warehouse

    def default_location(self, warehouse_id: str) -> dict | None:
        for location in self.data["storageLocations"].values():
            if location["warehouse"]["id"] == str(warehouse_id) and location.get("isDefault"):
                return location
        return None

    def set_physical(self, product_id: str, warehouse_id: str, amount: float) -> None:
        location = self.default_location(warehouse_id)
        if location is None:
            raise KeyError(f"warehouse {warehouse_id} does not exist")
        per_warehouse = self.stock.setdefault(product_id, {}).setdefault(str(warehouse_id), {})
        per_warehouse[location["id"]] = float(amount)
        self._refresh_stock_count(product_id)

    def _refresh_stock_count(self, product_id: str) -> None:
        product = self.data["products"][product_id]
        physical = number(self.physical(product_id))
        if product.get("stockCount") != physical:
            product["stockCount"] = physical
            product["updatedAt"] = now_iso()

    def physical(self, product_id: str, warehouse_id: str | None = None) -> float:
        per_warehouse = self.stock.get(product_id, {})
        if warehouse_id is not None:
            return sum(per_warehouse.get(str(warehouse_id), {}).values())
        return sum(sum(locations.values()) for locations in per_warehouse.values())

    def reserved(self, product_id: str) -> float:
        return sum(
            float(r["amount"])
            for r in self.data["reservations"].values()
            if r["productId"] == product_id
        )

    def sellable(self, product_id: str) -> float:
        return self.physical(product_id) - self.reserved(product_id)

    def producible(self, product_id: str) -> float | None:
        parts = [p for p in self.data["parts"].values() if p["productId"] == product_id]
        if not parts:
            return None
        counts = []
        for part in parts:
            amount = float(part["amount"]) or 1.0
            counts.append(max(0, int(self.sellable(part["part"]["id"]) // amount)))
        return min(counts)

    def order_position(
        self, product_id: str, quantity: float, *, reserve: bool, reason: str, project, customer
    ) -> None:
        """An ordered position: open sales orders rise; with auto-reservation on, what is
        sellable (at most the quantity) is reserved."""
        self.open_orders[product_id] = self.open_orders.get(product_id, 0.0) + float(quantity)
        amount = min(float(quantity), max(0.0, self.sellable(product_id))) if reserve else 0
        if amount > 0:
            self.add(
                "reservations",
                {
                    "productId": product_id,
                    "amount": f"{amount:.2f}",
                    "reason": reason,
                    "project": project,
                    "customer": customer,
                },
            )
        self.touch(product_id)

    # --- persistence ---------------------------------------------------------------------------
    def dump(self) -> dict:
        with self.lock:
            return {
                "data": self.data,
                "stock": self.stock,
                "openOrders": self.open_orders,
                "sequences": self.sequences,
            }

    def load(self, saved: dict) -> None:
        with self.lock:
            self.data = {name: saved["data"].get(name, {}) for name in COLLECTIONS}
            self.stock = saved.get("stock", {})
            self.open_orders = saved.get("openOrders", {})
            self.sequences = saved.get("sequences", {})
            self.by_number = {p["number"]: p["id"] for p in self.data["products"].values()}

    def save_to(self, path: Path) -> None:
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.dump()))
        tmp.replace(path)

    def load_from(self, path: Path) -> bool:
        if not path.exists():
            return False
        self.load(json.loads(path.read_text()))
        return True
