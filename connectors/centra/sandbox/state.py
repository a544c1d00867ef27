"""The stand-in's in-memory state: Centra's objects as plain dicts, guarded by one lock.

Stock lives on the size (CENTRA.md §3, C-STOCK): physical quantity per size and warehouse.
Allocated quantity is derived from the open order lines' allocations, so physical = FTA +
allocated always holds (docs: [STOCK]).
"""

import hashlib
import threading
from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class CentraState:
    def __init__(self):
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.warehouses: dict[int, dict] = {}
            self.products: dict[int, dict] = {}
            self.variants: dict[int, dict] = {}
            self.sizes: dict[int, dict] = {}
            self.stores: dict[int, dict] = {}
            self.markets: dict[int, dict] = {}
            self.pricelists: dict[int, dict] = {}
            self.customers: dict[str, dict] = {}  # by e-mail
            self.accounts: dict[int, dict] = {}
            # (size id, warehouse id) -> physical quantity
            self.physical: dict[tuple[int, int], int] = {}
            self.orders: dict[int, dict] = {}  # by number
            self.shipments: dict[int, dict] = {}  # by id
            self.stock_changes = 0
            self.events: list[dict] = []
            self.listeners: dict[str, dict] = {}  # object type -> listener
            self.counters: dict[str, int] = {}

    def next_id(self, kind: str, start: int = 1) -> int:
        value = self.counters.get(kind, start - 1) + 1
        self.counters[kind] = value
        return value

    # --- sizes ---------------------------------------------------------------------------------
    def size_by(self, field: str, value) -> dict | None:
        for size in self.sizes.values():
            if size.get(field) == value and value not in (None, ""):
                return size
        return None

    def find_size(self, ident: dict) -> tuple[dict | None, str | None]:
        """A ProductSizeInput ({id|SKU|EAN|UPC|any}, exactly one): the size, or a problem."""
        given = {key: value for key, value in ident.items() if value is not None}
        if len(given) != 1:
            return None, "Exactly one input field should be provided"
        ((key, value),) = given.items()
        if key == "id":
            return self.sizes.get(value), None
        if key == "any":
            for field in ("SKU", "EAN", "UPC"):
                size = self.size_by(field, value)
                if size is not None:
                    return size, None
            return None, None
        return self.size_by(key, value), None

    # --- stock ---------------------------------------------------------------------------------
    def allocated(self, size_id: int, warehouse_id: int) -> int:
        total = 0
        for order in self.orders.values():
            for line in order["lines"]:
                if line["sizeId"] == size_id:
                    total += line["allocations"].get(warehouse_id, 0)
        return total

    def stock_row(self, size_id: int, warehouse_id: int) -> dict:
        physical = self.physical.get((size_id, warehouse_id), 0)
        allocated = self.allocated(size_id, warehouse_id)
        return {
            "physicalQuantity": physical,
            "allocatedQuantity": allocated,
            "freeToAllocateQuantity": physical - allocated,
        }

    def allocate(self, line: dict) -> None:
        """Allocate a new line's units from the warehouses in priority order (id order), as
        far as each has free-to-allocate stock; the rest stays unallocated (demand)."""
        wanted = line["quantity"]
        for warehouse_id in sorted(self.warehouses):
            if wanted <= 0:
                break
            free = self.stock_row(line["sizeId"], warehouse_id)["freeToAllocateQuantity"]
            take = min(free, wanted)
            if take > 0:
                line["allocations"][warehouse_id] = line["allocations"].get(warehouse_id, 0) + take
                wanted -= take

    def ship_units(self, line: dict, quantity: int) -> None:
        """A completed shipment takes its units off the shelf: physical stock and the line's
        allocation drop together, so free-to-allocate does not move."""
        for warehouse_id in sorted(line["allocations"]):
            if quantity <= 0:
                break
            take = min(line["allocations"][warehouse_id], quantity)
            line["allocations"][warehouse_id] -= take
            key = (line["sizeId"], warehouse_id)
            self.physical[key] = max(0, self.physical.get(key, 0) - take)
            quantity -= take

    # --- orders --------------------------------------------------------------------------------
    def order_by(self, ident: dict) -> tuple[dict | None, str | None]:
        """An OrderInput ({id|number}, exactly one): the order, or a problem."""
        given = {key: value for key, value in ident.items() if value is not None}
        if len(given) != 1:
            return None, "Exactly one input field should be provided"
        if "number" in given:
            return self.orders.get(given["number"]), None
        for order in self.orders.values():
            if order["id"] == given["id"]:
                return order, None
        return None, None

    def is_bundle_line(self, line: dict) -> bool:
        """A bundle's own line: it holds no goods, its item lines do."""
        return bool(self.sizes[line["sizeId"]].get("bundleItems"))

    def shipped_quantity(self, order: dict, line_id: int) -> int:
        return sum(
            shipped["quantity"]
            for shipment_id in order["shipmentIds"]
            for shipped in self.shipments[shipment_id]["lines"]
            if shipped["lineId"] == line_id
        )


def order_hash(number: int) -> str:
    """Centra's order `id` is a 32-character hash ([ERP] `id: "05ac658a8e8155..."`)."""
    return hashlib.md5(f"centra-order-{number}".encode(), usedforsecurity=False).hexdigest()
