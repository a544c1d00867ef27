"""The stand-in's schema parses, and every type in it cites where Centra documents it."""

import re

from graphql import GraphQLInterfaceType, GraphQLObjectType, parse, validate

from connectors.centra.sandbox.schema import schema, sdl

# The queries and mutations the hub's connector relies on, written as Centra's docs write them.
DOCUMENTED_OPERATIONS = {
    "orders by number": """
        query { orders(where: {number: 14}) { number status isOnHold
          shippingAddress { firstName lastName city }
          ... on DirectToConsumerOrder { customer { id email } } } }""",
    "orders with lines": """
        query orders($page: Int) { orders(limit: 10, page: $page) {
          id number store { type id } status grandTotal { value currency { code } }
          totals { shipping { value } taxIncluded { value } }
          shippingPriceGroup { shippingOption { name uri id } }
          paymentMethod { uri plugin }
          discountsApplied { value { value } date }
          lines(includeFullyCancelled: true) { id quantity cancelledQuantity taxPercent
            unitPrice { value } productSize { SKU EAN UPC }
            ... on BundleOrderLine { items { id quantity productSize { EAN } } } }
          ... on WholesaleOrder { purchaseOrderNumber account { id name } buyer { email } }
          market { id name } pricelist { id name } } }""",
    "lock": """mutation { setOrdersLock(input: {orders: [{number: 39514}], isLocked: true}) {
          userErrors { message path } userWarnings { message path }
          orders { number isLocked } } }""",
    "confirm": """mutation { confirmOrder(input: {order: {number: 14}}) {
          order { number status } userErrors { message path } } }""",
    "create shipment": """mutation { createShipment(input: {order: {number: 39790},
          lines: [{orderLine: {id: 17635}, quantity: 2}], isGoodToGo: true, isPaid: false,
          sendEmail: false}) { userErrors { message path } shipment { id number isShipped } } }""",
    "complete shipment": """mutation { completeShipment(id: 345, input: {
          shippedAt: "2023-01-09T15:18:33+01:00", sendEmail: true,
          shipmentInfo: {carrier: "DHL", service: "Parcel", trackingNumber: "1234"}}) {
          userErrors { message path } shipment { id isShipped trackingNumber } } }""",
    "set stock by EAN": """mutation { setStock(input: {warehouse: {id: 1}, description: "sync",
          stockQuantityType: PHYSICAL, productSizes: [{productSize: {EAN: "4000000000001"},
          quantity: 3}]}) { userErrors { message path } userWarnings { message path }
          stockChanges { id } } }""",
    "rate limits": "{ rateLimits { type intervalSeconds quota usedQuota remainingQuota } }",
    "events": """{ events(where: {objectType: [Order]}, limit: 200) { id objectType changeType
          objectReference createdAt object { __typename ... on Order { number } } } }""",
    "confirm events": """mutation { confirmEvents(input: {eventsIds: [1, 2]}) {
          userErrors { message path } userWarnings { message path } } }""",
    "listeners": """mutation { setEventListeners(input: [{objectType: Order,
          changeTypes: [CREATED]}]) { eventListeners { objectType changeTypes }
          userErrors { message path } } }""",
    "warehouses": "{ warehouses { id name } }",
}


def test_every_documented_operation_validates():
    problems = {
        name: [error.message for error in validate(schema(), parse(text))]
        for name, text in DOCUMENTED_OPERATIONS.items()
    }
    assert {name: errors for name, errors in problems.items() if errors} == {}


def test_unknown_field_is_a_validation_error():
    errors = validate(schema(), parse("{ orders { number currency } }"))
    assert [error.message for error in errors] == ["Cannot query field 'currency' on type 'Order'."]


def test_every_type_cites_its_source():
    """Each type, input, enum, union and interface is preceded by a comment naming a source
    tag ([SCH:...], [DTC], ...) or `UNCERTAIN`."""
    lines = sdl().splitlines()
    uncited = []
    for index, line in enumerate(lines):
        match = re.match(r"(type|input|enum|interface|union|scalar) (\w+)", line)
        if not match or match.group(2) in ("Query", "Mutation"):
            continue
        comments = []
        back = index - 1
        while back >= 0 and lines[back].startswith("#"):
            comments.append(lines[back])
            back -= 1
        cited = any(re.search(r"\[[A-Z]+(:[a-z]+)?\]|UNCERTAIN|CENTRA\.md", c) for c in comments)
        implements = re.search(r"implements (\w+)", line)
        if not cited and not implements:
            uncited.append(match.group(2))
    assert uncited == []


def test_payloads_carry_user_errors_and_warnings():
    mutation = schema().mutation_type
    missing = {}
    for name, field in mutation.fields.items():
        payload = field.type.of_type
        assert isinstance(payload, GraphQLObjectType)
        absent = {"userErrors", "userWarnings"} - set(payload.fields)
        if absent:
            missing[name] = sorted(absent)
    assert missing == {}


def test_order_is_an_interface_with_both_store_types():
    order = schema().get_type("Order")
    assert isinstance(order, GraphQLInterfaceType)
    assert sorted(t.name for t in schema().get_possible_types(order)) == [
        "DirectToConsumerOrder",
        "WholesaleOrder",
    ]
