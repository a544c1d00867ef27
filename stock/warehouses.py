"""Warehouses and storage locations: cached from Xentral, and a location's items on demand."""

from backoffice.xentral.client import XentralClient
from stock.models import StorageLocation, Warehouse
from stock.xentral import stock_client


def warehouses_sync(*, client: XentralClient | None = None) -> tuple[int, int]:
    """Cache warehouses and their storage locations (with flags); returns the counts."""
    client = stock_client(client)
    warehouses = locations = 0
    for item in client.paginate("/api/v1/warehouses"):
        warehouse, _ = Warehouse.objects.update_or_create(
            xentral_id=str(item["id"]),
            defaults={
                "designation": item.get("designation") or item.get("name") or f"#{item['id']}",
                "project_id": str((item.get("project") or {}).get("id") or ""),
            },
        )
        warehouses += 1
        for loc in client.paginate(f"/api/v1/warehouses/{warehouse.xentral_id}/storageLocations"):
            StorageLocation.objects.update_or_create(
                xentral_id=str(loc["id"]),
                defaults={
                    "warehouse": warehouse,
                    "designation": loc.get("designation") or loc.get("name") or f"#{loc['id']}",
                    "is_replenishment": bool(loc.get("isReplenishmentLocation")),
                    "is_consumption": bool(loc.get("isConsumptionLocation")),
                    "is_restricted": bool(loc.get("isRestrictedLocation")),
                    "production_access": bool(loc.get("productionAccess")),
                    "is_pos": bool(loc.get("isPosLocation")),
                    "sort": int(loc.get("sort") or 0),
                },
            )
            locations += 1
    return warehouses, locations


def storage_location_items(
    *, location: StorageLocation, client: XentralClient | None = None
) -> list[dict]:
    """What lies on a location, with batch, best-before and serial numbers: one call, on
    demand (never in the poller)."""
    client = stock_client(client)
    path = (
        f"/api/v2/warehouses/{location.warehouse.xentral_id}/storageLocations/"
        f"{location.xentral_id}/items"
    )
    # The v2 operation takes no paging parameters: one call answers the whole location.
    return (client.get(path) or {}).get("data") or []
