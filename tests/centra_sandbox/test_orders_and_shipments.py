"""The stand-in's order flow over real HTTP: read, lock, confirm, ship, complete — and the
userErrors Centra answers for wrong states and over-shipping."""

ORDER_QUERY = """query one($number: Int!) { orders(where: {number: [$number]}) {
  number status isOnHold isLocked grandTotal { value currency { code } }
  totals { shipping { value } discounts { value } }
  lines { id quantity cancelledQuantity unitPrice { value } taxPercent productSize { SKU EAN } }
  ... on DirectToConsumerOrder { customer { email } }
  ... on WholesaleOrder { account { name } } } }"""


def read_order(centra, number):
    answer = centra.graphql(ORDER_QUERY, {"number": number})
    assert answer.status_code == 200
    return answer.json()["data"]["orders"][0]


def mutate(centra, text, variables=None):
    answer = centra.graphql(text, variables)
    assert answer.status_code == 200
    body = answer.json()
    assert "errors" not in body
    return body["data"]


CONFIRM = """mutation c($n: Int!) { confirmOrder(input: {order: {number: $n}}) {
  order { number status } userErrors { message path } userWarnings { message path } } }"""
CREATE = """mutation s($n: Int!, $lines: [ShipmentLineInput!]) { createShipment(input: {
  order: {number: $n}, lines: $lines, isGoodToGo: true, isPaid: true}) {
  shipment { id number } userErrors { message path } userWarnings { message path } } }"""
COMPLETE = """mutation d($id: Int!) { completeShipment(id: $id, input: {shipmentInfo: {
  carrier: "DHL", service: "Paket", trackingNumber: "00340434"}}) {
  shipment { isShipped trackingNumber order { status } } userErrors { message path } } }"""


def test_an_order_reads_as_centra_documents_it(centra_sandbox):
    number = centra_sandbox.create_order(
        [
            {"sku": "ART-001", "quantity": 2, "unitPrice": 59.5},
            {"sku": "ART-002", "quantity": 1, "unitPrice": 10},
        ],
        shippingPrice=4.9,
        discount=5,
    )
    order = read_order(centra_sandbox, number)
    assert order == {
        "number": number,
        "status": "PENDING",
        "isOnHold": False,
        "isLocked": False,
        "grandTotal": {"value": 128.9, "currency": {"code": "EUR"}},
        "totals": {"shipping": {"value": 4.9}, "discounts": {"value": 5.0}},
        "lines": [
            {
                "id": order["lines"][0]["id"],
                "quantity": 2,
                "cancelledQuantity": 0,
                "unitPrice": {"value": 59.5},
                "taxPercent": 19.0,
                "productSize": {"SKU": "ART-001", "EAN": "4000000000001"},
            },
            {
                "id": order["lines"][1]["id"],
                "quantity": 1,
                "cancelledQuantity": 0,
                "unitPrice": {"value": 10.0},
                "taxPercent": 19.0,
                "productSize": {"SKU": "ART-002", "EAN": "4000000000002"},
            },
        ],
        "customer": {"email": "kunde@example.com"},
    }


WHOLESALE_QUERY = """query one($number: Int!) { orders(where: {number: [$number]}) {
  __typename store { id type } market { id }
  shippingAddress { companyName }
  ... on WholesaleOrder { purchaseOrderNumber account { id name } buyer { email } } } }"""


def test_a_wholesale_order_is_a_wholesale_order(centra_sandbox):
    """[DTC] WholesaleOrder fragments: purchaseOrderNumber, account, buyer; the DTC update
    mutation does not reach it."""
    number = centra_sandbox.create_order(
        [{"sku": "ART-003", "quantity": 1, "unitPrice": 20}],
        email="einkauf@example.com",
        wholesale=True,
        purchaseOrderNumber="PO-77",
    )
    order = read_order(centra_sandbox, number)
    wholesale = centra_sandbox.graphql(WHOLESALE_QUERY, {"number": number}).json()["data"]
    held = mutate(
        centra_sandbox,
        """mutation h($n: Int!) { updateDirectToConsumerOrder(order: {number: $n},
        input: {isOnHold: true}) { order { number } userErrors { message path } } }""",
        {"n": number},
    )["updateDirectToConsumerOrder"]

    assert order["account"] == {"name": "Demo wholesale account"}
    assert "customer" not in order
    assert wholesale["orders"] == [
        {
            "__typename": "WholesaleOrder",
            "store": {"id": 2, "type": "WHOLESALE"},
            "market": {"id": 2},
            "shippingAddress": {"companyName": None},
            "purchaseOrderNumber": "PO-77",
            "account": {"id": 1, "name": "Demo wholesale account"},
            "buyer": {"email": "einkauf@example.com"},
        }
    ]
    assert held == {
        "order": None,
        "userErrors": [{"message": "Order not found", "path": ["order"]}],
    }
    assert read_order(centra_sandbox, number)["isOnHold"] is False


def test_an_order_is_placed_in_a_market_of_its_store_only(centra_sandbox):
    where = """query w($n: Int!) {
      orders(where: {number: [$n]}) { market { id name } store { id type } } }"""
    line = [{"sku": "ART-003", "quantity": 1, "unitPrice": 20}]
    default = centra_sandbox.create_order(line)
    nordics = centra_sandbox.create_order(line, market=3)
    refused = centra_sandbox.http.post(
        f"{centra_sandbox.url}/_centra/orders",
        json={"email": "kunde@example.com", "lines": line, "currency": "EUR", "market": 2},
        timeout=10,
    )

    markets = [
        centra_sandbox.graphql(where, {"n": n}).json()["data"]["orders"][0]
        for n in (default, nordics)
    ]
    assert markets == [
        {
            "market": {"id": 1, "name": "Retail EU"},
            "store": {"id": 1, "type": "DIRECT_TO_CONSUMER"},
        },
        {
            "market": {"id": 3, "name": "Retail Nordics"},
            "store": {"id": 1, "type": "DIRECT_TO_CONSUMER"},
        },
    ]
    assert (refused.status_code, refused.json()) == (
        400,
        {"error": "market: one of the Retail store's markets [1, 3]"},
    )
    assert len(centra_sandbox.state()["orders"]) == 2


def test_lock_confirm_ship_complete(centra_sandbox):
    number = centra_sandbox.create_order([{"sku": "ART-001", "quantity": 3, "unitPrice": 10}])
    line = read_order(centra_sandbox, number)["lines"][0]["id"]
    locked = mutate(
        centra_sandbox,
        """mutation l($n: Int!) { setOrdersLock(input: {
        orders: [{number: $n}], isLocked: true}) { orders { number isLocked }
        userErrors { message path } userWarnings { message path } } }""",
        {"n": number},
    )
    assert locked["setOrdersLock"] == {
        "orders": [{"number": number, "isLocked": True}],
        "userErrors": [],
        "userWarnings": [],
    }
    confirmed = mutate(centra_sandbox, CONFIRM, {"n": number})["confirmOrder"]
    assert confirmed == {
        "order": {"number": number, "status": "CONFIRMED"},
        "userErrors": [],
        "userWarnings": [],
    }

    first = mutate(
        centra_sandbox, CREATE, {"n": number, "lines": [{"orderLine": {"id": line}, "quantity": 2}]}
    )["createShipment"]
    assert first["userErrors"] == []
    assert first["shipment"]["number"] == f"{number}-1"
    done = mutate(centra_sandbox, COMPLETE, {"id": first["shipment"]["id"]})["completeShipment"]
    assert done == {
        "shipment": {
            "isShipped": True,
            "trackingNumber": "00340434",
            "order": {"status": "PROCESSING"},
        },
        "userErrors": [],
    }

    second = mutate(
        centra_sandbox, CREATE, {"n": number, "lines": [{"orderLine": {"id": line}, "quantity": 1}]}
    )["createShipment"]
    done = mutate(centra_sandbox, COMPLETE, {"id": second["shipment"]["id"]})["completeShipment"]
    assert done["shipment"]["order"] == {"status": "SHIPPED"}
    assert centra_sandbox.order(number) == {
        "number": number,
        "status": "SHIPPED",
        "isLocked": True,
        "shipments": [
            {
                "carrier": "DHL",
                "trackingNumber": "00340434",
                "lines": [{"sku": "ART-001", "quantity": 2}],
                "completed": True,
            },
            {
                "carrier": "DHL",
                "trackingNumber": "00340434",
                "lines": [{"sku": "ART-001", "quantity": 1}],
                "completed": True,
            },
        ],
    }


def test_shipping_takes_stock_off_the_shelf(centra_sandbox):
    before = centra_sandbox.stock("ART-004", 1)
    number = centra_sandbox.create_order([{"sku": "ART-004", "quantity": 2, "unitPrice": 10}])
    line = read_order(centra_sandbox, number)["lines"][0]["id"]
    mutate(centra_sandbox, CONFIRM, {"n": number})
    shipment = mutate(
        centra_sandbox, CREATE, {"n": number, "lines": [{"orderLine": {"id": line}, "quantity": 2}]}
    )
    assert centra_sandbox.stock("ART-004", 1) == before
    mutate(centra_sandbox, COMPLETE, {"id": shipment["createShipment"]["shipment"]["id"]})
    assert centra_sandbox.stock("ART-004", 1) == before - 2


def test_confirming_twice_is_a_user_error(centra_sandbox):
    number = centra_sandbox.create_order([{"sku": "ART-001", "quantity": 1, "unitPrice": 10}])
    mutate(centra_sandbox, CONFIRM, {"n": number})
    again = mutate(centra_sandbox, CONFIRM, {"n": number})["confirmOrder"]
    assert again["userErrors"] == [
        {
            "message": f"Order {number} cannot be confirmed in status CONFIRMED",
            "path": ["input", "order"],
        }
    ]


def test_an_unknown_order_is_a_user_error(centra_sandbox):
    answer = mutate(centra_sandbox, CONFIRM, {"n": 999999})["confirmOrder"]
    assert answer == {
        "order": None,
        "userErrors": [{"message": "Order not found", "path": ["input", "order"]}],
        "userWarnings": [],
    }


def test_a_pending_order_cannot_be_shipped(centra_sandbox):
    number = centra_sandbox.create_order([{"sku": "ART-001", "quantity": 1, "unitPrice": 10}])
    line = read_order(centra_sandbox, number)["lines"][0]["id"]
    answer = mutate(
        centra_sandbox, CREATE, {"n": number, "lines": [{"orderLine": {"id": line}, "quantity": 1}]}
    )["createShipment"]
    assert answer["shipment"] is None
    assert answer["userErrors"] == [
        {
            "message": f"Order {number} in status PENDING cannot be shipped",
            "path": ["input", "order"],
        }
    ]


def test_over_shipping_a_line_is_a_user_error_and_creates_nothing(centra_sandbox):
    number = centra_sandbox.create_order([{"sku": "ART-001", "quantity": 2, "unitPrice": 10}])
    line = read_order(centra_sandbox, number)["lines"][0]["id"]
    mutate(centra_sandbox, CONFIRM, {"n": number})
    answer = mutate(
        centra_sandbox, CREATE, {"n": number, "lines": [{"orderLine": {"id": line}, "quantity": 3}]}
    )["createShipment"]
    assert answer == {
        "shipment": None,
        "userErrors": [
            {
                "message": f"Cannot ship 3 of order line {line}: 2 left to ship",
                "path": ["input", "lines", "0", "quantity"],
            }
        ],
        "userWarnings": [],
    }
    assert centra_sandbox.order(number)["shipments"] == []


def test_an_unpaid_shipment_cannot_be_completed(centra_sandbox):
    number = centra_sandbox.create_order([{"sku": "ART-001", "quantity": 1, "unitPrice": 10}])
    line = read_order(centra_sandbox, number)["lines"][0]["id"]
    mutate(centra_sandbox, CONFIRM, {"n": number})
    created = mutate(
        centra_sandbox,
        """mutation s($n: Int!, $l: Int!) { createShipment(input: {
        order: {number: $n}, lines: [{orderLine: {id: $l}, quantity: 1}], isGoodToGo: true}) {
        shipment { id number } userErrors { message path } } }""",
        {"n": number, "l": line},
    )
    shipment = created["createShipment"]["shipment"]
    answer = mutate(centra_sandbox, COMPLETE, {"id": shipment["id"]})["completeShipment"]
    assert answer["userErrors"] == [
        {"message": f"Shipment {shipment['number']} is not paid", "path": ["id"]}
    ]
    captured = mutate(
        centra_sandbox,
        """mutation c($id: Int!) { captureShipment(id: $id) {
        shipment { isPaid isCaptured } userErrors { message path } } }""",
        {"id": shipment["id"]},
    )
    assert captured["captureShipment"] == {
        "shipment": {"isPaid": True, "isCaptured": True},
        "userErrors": [],
    }
    answer = mutate(centra_sandbox, COMPLETE, {"id": shipment["id"]})["completeShipment"]
    assert answer["userErrors"] == []


def test_a_failed_capture_shipment_is_a_user_error_and_changes_nothing(centra_sandbox):
    """[DTC] "Capturing a shipment": "If the capture fails, the mutation will fail as well.
    Nothing else about the order will change"."""
    number = centra_sandbox.create_order([{"sku": "ART-001", "quantity": 1, "unitPrice": 10}])
    line = read_order(centra_sandbox, number)["lines"][0]["id"]
    mutate(centra_sandbox, CONFIRM, {"n": number})
    created = mutate(
        centra_sandbox,
        """mutation s($n: Int!, $l: Int!) { createShipment(input: {order: {number: $n},
        lines: [{orderLine: {id: $l}, quantity: 1}], isGoodToGo: true}) { shipment { id } } }""",
        {"n": number, "l": line},
    )["createShipment"]["shipment"]
    centra_sandbox.set_faults(captureFails=True)

    captured = mutate(
        centra_sandbox,
        """mutation c($id: Int!) { captureShipment(id: $id) {
        shipment { isPaid isCaptured } userErrors { message path } } }""",
        {"id": created["id"]},
    )["captureShipment"]
    completed = mutate(centra_sandbox, COMPLETE, {"id": created["id"]})["completeShipment"]

    assert captured == {
        "shipment": {"isPaid": False, "isCaptured": False},
        "userErrors": [{"message": "Capture failed", "path": ["id"]}],
    }
    assert completed["shipment"]["isShipped"] is False
    assert completed["userErrors"] == [
        {"message": f"Shipment {number}-1 is not paid", "path": ["id"]}
    ]


def test_a_failed_capture_still_creates_the_shipment_unpaid_with_a_warning(centra_sandbox):
    number = centra_sandbox.create_order([{"sku": "ART-001", "quantity": 1, "unitPrice": 10}])
    line = read_order(centra_sandbox, number)["lines"][0]["id"]
    mutate(centra_sandbox, CONFIRM, {"n": number})
    centra_sandbox.set_faults(captureFails=True)

    created = mutate(
        centra_sandbox,
        """mutation s($n: Int!, $l: Int!) { createShipment(input: {order: {number: $n},
        lines: [{orderLine: {id: $l}, quantity: 1}], isGoodToGo: true, capture: true}) {
        shipment { number isPaid isCaptured } userErrors { message path }
        userWarnings { message path } } }""",
        {"n": number, "l": line},
    )["createShipment"]

    assert created == {
        "shipment": {"number": f"{number}-1", "isPaid": False, "isCaptured": False},
        "userErrors": [],
        "userWarnings": [{"message": "Capture failed", "path": ["input", "capture"]}],
    }
    assert centra_sandbox.order(number)["shipments"][0]["completed"] is False


def test_is_paid_is_ignored_when_capture_is_used(centra_sandbox):
    """[SCH:shipmentcreateinput]: "If the `capture` field is used, the `isPaid` field will be
    ignored", so a failed capture cannot be papered over with isPaid: true."""
    number = centra_sandbox.create_order([{"sku": "ART-001", "quantity": 1, "unitPrice": 10}])
    line = read_order(centra_sandbox, number)["lines"][0]["id"]
    mutate(centra_sandbox, CONFIRM, {"n": number})
    centra_sandbox.set_faults(captureFails=True)

    created = mutate(
        centra_sandbox,
        """mutation s($n: Int!, $l: Int!) { createShipment(input: {order: {number: $n},
        lines: [{orderLine: {id: $l}, quantity: 1}], isGoodToGo: true, capture: true,
        isPaid: true}) { shipment { id isPaid isCaptured } userWarnings { message } } }""",
        {"n": number, "l": line},
    )["createShipment"]
    completed = mutate(centra_sandbox, COMPLETE, {"id": created["shipment"]["id"]})

    assert (created["shipment"]["isPaid"], created["shipment"]["isCaptured"]) == (False, False)
    assert created["userWarnings"] == [{"message": "Capture failed"}]
    assert completed["completeShipment"]["userErrors"] == [
        {"message": f"Shipment {number}-1 is not paid", "path": ["id"]}
    ]


def test_hold_and_release(centra_sandbox):
    number = centra_sandbox.create_order(
        [{"sku": "ART-001", "quantity": 1, "unitPrice": 10}], on_hold=True
    )
    assert read_order(centra_sandbox, number)["isOnHold"] is True
    held = mutate(centra_sandbox, CONFIRM, {"n": number})["confirmOrder"]
    assert held["userErrors"] == [
        {"message": f"Order {number} is on hold", "path": ["input", "order"]}
    ]
    assert centra_sandbox.release(number) == {"number": number, "isOnHold": False}
    assert read_order(centra_sandbox, number)["isOnHold"] is False
    assert mutate(centra_sandbox, CONFIRM, {"n": number})["confirmOrder"]["userErrors"] == []


def test_orders_filter_by_hold_and_page(centra_sandbox):
    numbers = [
        centra_sandbox.create_order(
            [{"sku": "ART-001", "quantity": 1, "unitPrice": 1}], on_hold=index == 1
        )
        for index in range(3)
    ]
    answer = centra_sandbox.graphql(
        "{ orders(where: {isOnHold: false}, limit: 1, page: 2) { number } }"
    )
    assert answer.json()["data"] == {"orders": [{"number": numbers[2]}]}


def test_control_api_refuses_a_bad_order(centra_sandbox):
    answer = centra_sandbox.http.post(
        f"{centra_sandbox.url}/_centra/orders",
        json={"email": "a@example.com", "lines": [{"sku": "NOPE", "quantity": 1, "unitPrice": 1}]},
    )
    assert answer.status_code == 400
    assert answer.json() == {"error": "lines[0].sku: no size with SKU or EAN 'NOPE'"}


BUNDLE_QUERY = """query one($number: Int!) { orders(where: {number: [$number]}) {
  totals { quantity } grandTotal { value }
  lines { __typename id quantity unitPrice { value } productSize { SKU }
    ... on BundleOrderLine { items { __typename id quantity unitPrice { value }
      productSize { SKU EAN } } } } } }"""


def test_a_bundle_comes_with_its_item_lines_and_ships_by_them(centra_sandbox):
    """KIT-001 = ART-001 + 2x ART-002, as in the Xentral demo."""
    number = centra_sandbox.create_order([{"sku": "KIT-001", "quantity": 2, "unitPrice": 30}])
    order = centra_sandbox.graphql(BUNDLE_QUERY, {"number": number}).json()["data"]["orders"][0]
    bundle = order["lines"][0]
    items = bundle["items"]
    assert order["totals"] == {"quantity": 6}
    assert order["grandTotal"] == {"value": 60.0}
    assert [
        (
            line["__typename"],
            line["quantity"],
            line["unitPrice"]["value"],
            line["productSize"]["SKU"],
        )
        for line in order["lines"]
    ] == [("BundleOrderLine", 2, 30.0, "KIT-001")]
    assert [
        (i["__typename"], i["quantity"], i["unitPrice"]["value"], i["productSize"]) for i in items
    ] == [
        ("BundleItemOrderLine", 2, 0.0, {"SKU": "ART-001", "EAN": "4000000000001"}),
        ("BundleItemOrderLine", 4, 0.0, {"SKU": "ART-002", "EAN": "4000000000002"}),
    ]
    mutate(centra_sandbox, CONFIRM, {"n": number})
    refused = mutate(
        centra_sandbox,
        CREATE,
        {"n": number, "lines": [{"orderLine": {"id": bundle["id"]}, "quantity": 2}]},
    )
    assert refused["createShipment"]["userErrors"] == [
        {
            "message": f"Order line {bundle['id']} is a bundle: ship its item lines",
            "path": ["input", "lines", "0", "orderLine"],
        }
    ]
    shipped = mutate(
        centra_sandbox,
        CREATE,
        {
            "n": number,
            "lines": [
                {"orderLine": {"id": items[0]["id"]}, "quantity": 2},
                {"orderLine": {"id": items[1]["id"]}, "quantity": 4},
            ],
        },
    )
    done = mutate(centra_sandbox, COMPLETE, {"id": shipped["createShipment"]["shipment"]["id"]})
    assert done["completeShipment"]["shipment"]["order"] == {"status": "SHIPPED"}
