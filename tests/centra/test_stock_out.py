"""Stock out to Centra: what a Centra channel is told per warehouse (physical less other
channels' reservations), which changes owe a push (not the channel's own orders), and how
setStock's userErrors name the sizes Centra does not know."""

from decimal import Decimal

import pytest

from connectors.centra.errors import CentraUserError
from connectors.centra.models import CentraStockItem, CentraStockSync
from connectors.centra.services import centra_channel_create
from connectors.centra.stock_out import (
    _unknown_rows,
    centra_quantities,
    own_orders_explain,
    size_input,
)
from stock.changes import stock_changes_announce
from stock.models import Reservation, WarehouseStock
from tests.factories import (
    OrderRequestFactory,
    ProductFactory,
    StockSnapshotFactory,
)

pytestmark = pytest.mark.django_db


def _centra(warehouse_map=None):
    return centra_channel_create(
        name="Centra EU",
        graphql_url="https://brand.centra.com/graphql",
        api_token="token",
        webhook_secret="whsec",
        warehouse_map=warehouse_map if warehouse_map is not None else {"1": "7", "2": "8"},
    )


def _snapshot(product, *, warehouses, reservations=()):
    """A snapshot with physical stock per Xentral warehouse and (amount, order) reservations."""
    physical = sum((Decimal(v) for v in warehouses.values()), Decimal(0))
    reserved = sum((Decimal(a) for a, _ in reservations), Decimal(0))
    snapshot = StockSnapshotFactory(product=product, physical=physical, reserved=reserved)
    for warehouse_id, value in warehouses.items():
        WarehouseStock.objects.create(
            snapshot=snapshot, warehouse_id=warehouse_id, physical=Decimal(value)
        )
    for index, (amount, order) in enumerate(reservations):
        Reservation.objects.create(
            snapshot=snapshot, xentral_id=str(index + 1), amount=Decimal(amount), order=order
        )
    return snapshot


def test_other_channels_reservations_come_off_every_mapped_warehouse_and_own_ones_do_not():
    centra = _centra()
    own = OrderRequestFactory(channel=centra.channel)
    other = OrderRequestFactory()
    snapshot = _snapshot(
        ProductFactory(),
        warehouses={"1": "12", "2": "3", "5": "40"},
        reservations=[("2", other), ("1.5", None), ("4", own)],
    )
    # 3.5 reserved elsewhere leaves 8.5 (rounded down: never more than there is) and -0.5
    # (never below 0); the unmapped warehouse 5 counts nowhere; the channel's own 4 stays in.
    assert centra_quantities(centra=centra, snapshot=snapshot) == {"7": 8, "8": 0}


def test_two_xentral_warehouses_mapped_to_one_centra_warehouse_add_up():
    centra = _centra({"1": "7", "2": "7"})
    snapshot = _snapshot(ProductFactory(), warehouses={"1": "5", "2": "6"})
    assert centra_quantities(centra=centra, snapshot=snapshot) == {"7": 11}


def test_only_the_channels_own_shipment_is_explained_by_its_own_orders():
    centra = _centra()
    own = OrderRequestFactory(channel=centra.channel)
    other = OrderRequestFactory()
    product = ProductFactory()
    before = _snapshot(product, warehouses={"1": "10"}, reservations=[("3", own), ("1", other)])
    shipped = _snapshot(product, warehouses={"1": "8"}, reservations=[("1", own), ("1", other)])
    received = _snapshot(product, warehouses={"1": "12"}, reservations=[("3", own), ("1", other)])
    other_shipped = _snapshot(product, warehouses={"1": "9"}, reservations=[("3", own)])

    assert own_orders_explain(centra=centra, previous=before, snapshot=shipped) is True
    assert own_orders_explain(centra=centra, previous=before, snapshot=received) is False
    assert own_orders_explain(centra=centra, previous=before, snapshot=other_shipped) is False


def test_a_change_owes_one_push_and_the_channels_own_shipment_only_moves_the_baseline(
    django_capture_on_commit_callbacks,
):
    centra = _centra({"1": "7"})
    own = OrderRequestFactory(channel=centra.channel)
    product = ProductFactory(ean="4000000000005")
    first = _snapshot(product, warehouses={"1": "10"}, reservations=[("2", own)])
    with django_capture_on_commit_callbacks() as queued:
        stock_changes_announce(product=product, previous=None, snapshot=first)
    item = CentraStockItem.objects.get(centra=centra, product=product)
    assert (item.due, item.version, item.quantities) == (True, 1, {})
    assert len(queued) == 1  # one push task enqueued after commit
    assert CentraStockSync.objects.get(centra=centra).push_queued_at is not None

    CentraStockItem.objects.filter(pk=item.pk).update(due=False, quantities={"7": 10})
    shipped = _snapshot(product, warehouses={"1": "8"})
    with django_capture_on_commit_callbacks() as queued:
        stock_changes_announce(product=product, previous=first, snapshot=shipped)
    item.refresh_from_db()
    assert (item.due, item.quantities, len(queued)) == (False, {"7": 8}, 0)


def test_sizes_go_by_ean_unless_it_is_missing_or_shared():
    with_ean = ProductFactory(number="ART-001", ean="4000000000001")
    without = ProductFactory(number="ART-002", ean="")
    assert size_input(with_ean, set()) == {"EAN": "4000000000001"}
    assert size_input(without, set()) == {"SKU": "ART-002"}
    assert size_input(with_ean, {"4000000000001"}) == {"SKU": "ART-001"}


def test_user_errors_name_unknown_sizes_by_their_index_only():
    rows = [{"n": 0}, {"n": 1}, {"n": 2}]

    def error(*paths):
        problems = [{"message": "Product size x not found", "path": p} for p in paths]
        return CentraUserError("refused", problems=problems)

    assert _unknown_rows(error(["input", "productSizes", "1", "productSize"]), rows) == [rows[1]]
    assert _unknown_rows(error(["input", "productSizes", 0, "productSize"]), rows) == [rows[0]]
    # The warehouse, a quantity or no path at all: the batch failed, no size is to blame.
    assert _unknown_rows(error(["input", "warehouse"]), rows) == []
    assert _unknown_rows(error(["input", "productSizes", "2", "quantity"]), rows) == []
    assert _unknown_rows(error(None), rows) == []
