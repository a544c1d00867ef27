"""Stock out to Centra: what a Centra channel is told per warehouse (physical less other
channels' reservations), which changes owe a push (not the channel's own orders), and how
setStock's userErrors name the sizes Centra does not know."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.index import products_sync
from connectors.centra.errors import CentraUserError
from connectors.centra.models import CentraStockItem, CentraStockSync
from connectors.centra.services import centra_channel_create
from connectors.centra.stock_out import (
    _unknown_rows,
    centra_quantities,
    centra_stock_push,
    centra_stock_push_due,
    centra_stock_resync_all,
    own_orders_explain,
    size_input,
)
from orders.models import OrderStatus
from orders.serializers import validated_payload
from orders.services import order_submit
from stock.changes import stock_changes_announce, stock_changes_batch
from stock.models import ProductStock, Reservation, WarehouseStock
from stock.poller import stock_poll_cycle
from tests.factories import (
    OrderRequestFactory,
    ProductFactory,
    StockSnapshotFactory,
    channel_with_key,
)
from tests.lifecycle import control
from tests.staff import staff_user
from tests.task_queue import queue_purge, queue_run_all, queue_size

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


def _announce_all(snapshots) -> None:
    for snapshot in snapshots:
        stock_changes_announce(product=snapshot.product, previous=None, snapshot=snapshot)


def test_without_a_pushing_centra_channel_a_snapshot_costs_no_query(django_assert_num_queries):
    _centra(warehouse_map={})  # a Centra channel, but no warehouse is told stock
    products = [ProductFactory() for _ in range(3)]
    snapshots = [_snapshot(p, warehouses={"1": "5"}) for p in products]

    with stock_changes_batch():
        with django_assert_num_queries(1):  # "is any Centra channel told stock?", once
            _announce_all(snapshots)
        with django_assert_num_queries(0):
            _announce_all(snapshots)
    with django_assert_num_queries(3):  # outside a batch: once per announcement
        _announce_all(snapshots)

    assert CentraStockItem.objects.count() == 0


def test_inside_a_batch_a_pushing_centra_channel_still_hears_every_snapshot(
    django_capture_on_commit_callbacks,
):
    centra = _centra({"1": "7"})
    products = [ProductFactory() for _ in range(2)]
    snapshots = [_snapshot(p, warehouses={"1": "5"}) for p in products]

    with django_capture_on_commit_callbacks() as queued, stock_changes_batch():
        _announce_all(snapshots)

    owed = CentraStockItem.objects.filter(centra=centra, due=True)
    assert sorted(owed.values_list("product__number", flat=True)) == sorted(
        p.number for p in products
    )
    assert len(queued) == 1  # one push task for the burst


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


# --- over HTTP: the Xentral sandbox, the hub, the Centra stand-in ------------------------------
ARTICLES = 5


def ean(index: int) -> str:
    """The EANs the Xentral demo and the Centra stand-in share."""
    return f"400000{index:07d}"


@pytest.fixture
def stock_out(sandbox, centra_sandbox, settings):
    """Five demo articles in Xentral's warehouses 1 and 2, read by the poller, and a Centra
    channel mapping them to the stand-in's warehouses 1 and 2; the stand-in's log is empty."""
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.CENTRA_MAX_INLINE_WAIT_S = 0
    sandbox.seed(
        warehouses=[{"designation": "Store"}],
        customers=[{"firstname": "Erika", "lastname": "M", "email": "e@example.com"}],
        paymentMethods=[{"type": "paypal", "designation": "PayPal"}],
        shippingMethods=[{"type": "dhl", "designation": "DHL"}],
    )
    sandbox.seed(
        products=[
            {"name": f"Demo {i}", "number": f"ART-{i:03d}", "ean": ean(i),
             "stock": {"1": 10 + i, "2": i}}
            for i in range(1, ARTICLES + 1)
        ]
    )  # fmt: skip
    products_sync()
    centra = centra_channel_create(
        name="Centra EU",
        graphql_url=centra_sandbox.graphql_url,
        api_token=centra_sandbox.token,
        webhook_secret="whsec",
        warehouse_map={"1": "1", "2": "2"},
    )
    stock_poll_cycle(budget=100)
    # What the queued task does (tests run no worker): the first figures go out.
    CentraStockSync.objects.filter(centra=centra).update(push_queued_at=None)
    centra_stock_push(centra=centra)
    clear_log(centra_sandbox)
    return centra


def clear_log(centra_sandbox) -> None:
    centra_sandbox.http.delete(f"{centra_sandbox.url}/_centra/requests", timeout=10)


def set_stocks(centra_sandbox) -> list[dict]:
    """The `setStock` inputs the stand-in received, in order."""
    return [
        entry["variables"]["input"]
        for entry in centra_sandbox.requests()
        if entry["operations"] == ["setStock"]
    ]


def set_stock_input(warehouse: int, sizes: list[tuple[int, int]]) -> dict:
    return {
        "warehouse": {"id": warehouse},
        "description": "Xentral stock",
        "stockQuantityType": "PHYSICAL",
        "productSizes": [{"productSize": {"EAN": ean(i)}, "quantity": q} for i, q in sizes],
    }


def centra_stock(centra_sandbox, index: int) -> dict[int, int]:
    return {
        row["warehouse"]: row["quantity"]
        for row in centra_sandbox.state()["stock"]
        if row["sku"] == f"ART-{index:03d}"
    }


def test_a_stock_change_in_xentral_is_one_set_stock_for_that_size_only(
    stock_out, centra_sandbox, sandbox
):
    sandbox.set_stock("ART-003", "1", 40)
    stock_poll_cycle(budget=100)
    result = centra_stock_push(centra=stock_out)

    assert set_stocks(centra_sandbox) == [set_stock_input(1, [(3, 40)])]
    assert [e["operations"] for e in centra_sandbox.requests()] == [["setStock"]]
    assert (result.calls, result.sizes_sent) == (1, 1)
    assert centra_stock(centra_sandbox, 3) == {1: 40, 2: 3}
    # Nothing is owed any more: the next run calls nobody.
    clear_log(centra_sandbox)
    assert centra_stock_push(centra=stock_out).calls == 0
    assert centra_sandbox.requests() == []


def test_the_nightly_resync_pushes_every_mapped_size_once_in_batches(
    stock_out, centra_sandbox, settings
):
    settings.CENTRA_STOCK_BATCH = 2
    assert centra_stock_resync_all() == 6  # 2 warehouses x ceil(5 sizes / 2 per batch)

    assert set_stocks(centra_sandbox) == [
        set_stock_input(1, [(1, 11), (2, 12)]),
        set_stock_input(2, [(1, 1), (2, 2)]),
        set_stock_input(1, [(3, 13), (4, 14)]),
        set_stock_input(2, [(3, 3), (4, 4)]),
        set_stock_input(1, [(5, 15)]),
        set_stock_input(2, [(5, 5)]),
    ]
    assert centra_stock(centra_sandbox, 4) == {1: 14, 2: 4}
    assert not CentraStockItem.objects.filter(due=True).exists()


def _order(channel, reference: str, sku: str, quantity: int):
    payload = validated_payload(
        {"reference": reference, "customer": {"email": "e@example.com"},
         "items": [{"sku": sku, "quantity": quantity}], "shipping": "dhl", "payment": "paypal"},
        allow_customer_creation=False,
    )  # fmt: skip
    order = order_submit(channel=channel, payload=payload).order
    assert order.status == OrderStatus.CREATED
    return order


def test_another_channels_reservation_is_subtracted_in_every_mapped_warehouse(
    stock_out, centra_sandbox
):
    shop, _ = channel_with_key()
    _order(shop, "SHOP-1", "ART-004", 3)
    stock_poll_cycle(budget=100)
    centra_stock_push(centra=stock_out)

    # 14 and 4 on the shelves; the shop's 3 could ship from either warehouse.
    assert set_stocks(centra_sandbox) == [
        set_stock_input(1, [(4, 11)]),
        set_stock_input(2, [(4, 1)]),
    ]
    assert centra_stock(centra_sandbox, 4) == {1: 11, 2: 1}


def test_the_centra_channels_own_order_and_its_shipment_push_nothing(
    stock_out, centra_sandbox, sandbox
):
    order = _order(stock_out.channel, "10001", "ART-002", 2)
    stock_poll_cycle(budget=100)
    assert centra_stock_push(centra=stock_out).calls == 0

    shipment = {"salesOrder": order.xentral_order_id, "carrier": "DHL", "trackingNumber": "T1"}
    control(sandbox, "POST", "dispatch", shipment)
    stock_poll_cycle(budget=100)
    snapshot = ProductStock.objects.get(product__number="ART-002").latest
    assert (snapshot.physical, snapshot.reserved) == (12, 0)  # the shipment was read
    assert centra_stock_push(centra=stock_out).calls == 0
    assert centra_sandbox.requests() == []

    # A later change for another reason is pushed, from what Centra now holds.
    sandbox.set_stock("ART-002", "2", 5)
    stock_poll_cycle(budget=100)
    centra_stock_push(centra=stock_out)
    assert set_stocks(centra_sandbox) == [set_stock_input(2, [(2, 5)])]


def test_sizes_centra_does_not_know_are_listed_on_the_mapping_health_page(
    stock_out, centra_sandbox, sandbox, client
):
    sandbox.seed(products=[{"name": "New", "number": "NEW-1", "ean": "9999999999999",
                            "stock": {"1": 4}}])  # fmt: skip
    products_sync()
    sandbox.set_stock("ART-001", "1", 30)
    stock_poll_cycle(budget=100)
    result = centra_stock_push(centra=stock_out)

    assert result.unknown == ["NEW-1"]
    # Refused as a whole, then sent again without the unknown size.
    assert [len(s["productSizes"]) for s in set_stocks(centra_sandbox)] == [2, 1]
    assert set_stocks(centra_sandbox)[1] == set_stock_input(1, [(1, 30)])
    assert centra_stock(centra_sandbox, 1)[1] == 30
    item = CentraStockItem.objects.get(product__number="NEW-1")
    assert (item.due, item.sent_as) == (False, "EAN 9999999999999")
    assert item.error == "Product size 9999999999999 not found"

    client.force_login(staff_user("catalog.view_externalreference"))
    page = client.get(reverse("admin:catalog_health")).content.decode()
    assert "Sizes Centra does not know" in page
    assert "NEW-1" in page
    assert "Product size 9999999999999 not found" in page


def test_a_429_from_set_stock_keeps_the_push_owed_until_it_goes_through(
    stock_out, centra_sandbox, sandbox
):
    centra_sandbox.set_faults(failNext=[{"operation": "setStock", "status": 429}])
    sandbox.set_stock("ART-005", "1", 2)
    stock_poll_cycle(budget=100)
    result = centra_stock_push(centra=stock_out)

    assert result.calls == 1
    assert "rate limit" in result.stopped
    item = CentraStockItem.objects.get(product__number="ART-005")
    assert item.due is True
    assert item.next_attempt_at > timezone.now()
    assert centra_stock(centra_sandbox, 5) == {1: 15, 2: 5}
    assert centra_stock_push_due() == 0  # not before Retry-After

    CentraStockItem.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now())
    assert centra_stock_push_due() == 1
    assert centra_stock(centra_sandbox, 5) == {1: 2, 2: 5}
    assert set_stocks(centra_sandbox)[-1] == set_stock_input(1, [(5, 2)])
    item.refresh_from_db()
    assert (item.due, item.attempts, item.error) == (False, 0, "")


def test_user_errors_from_set_stock_keep_the_push_owed_until_it_goes_through(
    stock_out, centra_sandbox, sandbox
):
    centra_sandbox.set_faults(
        failNext=[{"operation": "setStock", "userErrors": [{"message": "Busy", "path": ["input"]}]}]
    )
    sandbox.set_stock("ART-005", "2", 9)
    stock_poll_cycle(budget=100)
    result = centra_stock_push(centra=stock_out)

    assert (result.calls, result.unknown) == (1, [])
    item = CentraStockItem.objects.get(product__number="ART-005")
    assert (item.due, item.attempts) == (True, 1)
    assert "Busy" in item.error
    assert centra_stock(centra_sandbox, 5) == {1: 15, 2: 5}

    CentraStockItem.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now())
    assert centra_stock_push_due() == 1
    assert centra_stock(centra_sandbox, 5) == {1: 15, 2: 9}


def test_a_poll_cycles_changes_gather_into_one_task_and_one_set_stock(
    stock_out, centra_sandbox, sandbox, settings, django_capture_on_commit_callbacks
):
    settings.CENTRA_STOCK_SETTLE_S = 0
    queue_purge()
    for number, physical in (("ART-001", 3), ("ART-002", 4), ("ART-005", 6)):
        sandbox.set_stock(number, "1", physical)
    with django_capture_on_commit_callbacks(execute=True):
        stock_poll_cycle(budget=100)

    assert queue_size() == 1
    assert queue_run_all() == 1
    assert set_stocks(centra_sandbox) == [set_stock_input(1, [(1, 3), (2, 4), (5, 6)])]
    assert CentraStockSync.objects.get(centra=stock_out).push_queued_at is None
