"""Every GraphQL document the connector sends to Centra, by operation name. Fields follow
Centra's documentation (C-ERPGQL, C-DTC, C-RL23 in ../shared/CENTRA.md); the suite validates
each document against the Centra stand-in's schema, so a field Centra lacks fails the tests."""

_ORDER_FIELDS = """
fragment Money on MonetaryValue { value currency { code } }

fragment Address on Address {
  firstName lastName companyName address1 address2 city zipCode stateOrProvince
  country { code } email phoneNumber cellPhoneNumber vatNumber
}

fragment Line on OrderLine {
  id
  quantity
  productNumber
  productName
  unitPrice(includingTax: true) { value }
  lineValue(includingTax: true) { value }
  productSize { SKU EAN }
}

fragment OrderForXentral on Order {
  number
  status
  isOnHold
  isWaitingForPayment
  updatedAt
  store { id type }
  market { id }
  grandTotal(includingTax: true) { ...Money }
  totals { shipping { value } }
  shippingPriceGroup { shippingOption { uri } }
  paymentMethod { uri }
  discountsApplied { value { value } }
  shippingAddress { ...Address }
  billingAddress { ...Address }
  otherComment
  lines {
    __typename
    ...Line
    ... on BundleOrderLine { items { ...Line } }
  }
  ... on DirectToConsumerOrder { customer { email firstName lastName } }
  ... on WholesaleOrder { purchaseOrderNumber account { name } buyer { email firstName lastName } }
}
"""

DOCUMENTS: dict[str, str] = {
    # One cheap query: needs no permission (C-RL23).
    "RateLimits": """
query RateLimits { rateLimits { type intervalSeconds quota usedQuota remainingQuota } }
""",
    "OrdersByNumber": """
query OrdersByNumber($numbers: [Int!], $limit: Int) {
  orders(where: {number: $numbers}, limit: $limit) { ...OrderForXentral }
}
"""
    + _ORDER_FIELDS,
    "OrdersUpdatedSince": """
query OrdersUpdatedSince($where: OrderFilter, $limit: Int, $page: Int) {
  orders(where: $where, limit: $limit, page: $page) { number updatedAt }
}
""",
    # C-EVT "Set listeners" (idempotent; only adds change types) and "Fetch events" / "Confirm
    # events". Only the order events the hub listens to are read and confirmed: tokens of one
    # integration share a queue, and other types are not the hub's to confirm.
    "ListenToOrderEvents": """
mutation ListenToOrderEvents {
  setEventListeners(input: [{objectType: Order, changeTypes: [CREATED, UPDATED]}]) {
    eventListeners { objectType changeTypes }
    userErrors { message path }
    userWarnings { message path }
  }
}
""",
    "OrderEvents": """
query OrderEvents($limit: Int) {
  events(where: {objectType: [Order], changeType: [CREATED, UPDATED]}, limit: $limit) {
    id objectType changeType objectReference createdAt
  }
}
""",
    "ConfirmEvents": """
mutation ConfirmEvents($ids: [Int!]!) {
  confirmEvents(input: {eventsIds: $ids}) {
    userErrors { message path }
    userWarnings { message path }
  }
}
""",
    "LockOrders": """
mutation LockOrders($orders: [OrderInput!]!) {
  setOrdersLock(input: {orders: $orders, isLocked: true}) {
    orders { number isLocked status }
    userErrors { message path }
    userWarnings { message path }
  }
}
""",
    "ConfirmOrder": """
mutation ConfirmOrder($number: Int!) {
  confirmOrder(input: {order: {number: $number}}) {
    order { number status }
    userErrors { message path }
    userWarnings { message path }
  }
}
""",
    "OrderShipments": """
query OrderShipments($numbers: [Int!]) {
  orders(where: {number: $numbers}, limit: 1) {
    number
    shipments { id number isShipped isPaid lines { quantity orderLine { id } } }
  }
}
""",
    "CreateShipment": """
mutation CreateShipment($input: ShipmentCreateInput!) {
  createShipment(input: $input) {
    shipment { id number isPaid isCaptured }
    userErrors { message path }
    userWarnings { message path }
  }
}
""",
    # C-DTC "Capturing a shipment": a failed capture fails the mutation (a userError).
    "CaptureShipment": """
mutation CaptureShipment($id: Int!) {
  captureShipment(id: $id) {
    shipment { id number isPaid isCaptured }
    userErrors { message path }
    userWarnings { message path }
  }
}
""",
    "CompleteShipment": """
mutation CompleteShipment($id: Int!, $input: ShipmentCompleteInput!) {
  completeShipment(id: $id, input: $input) {
    shipment { id number isShipped }
    userErrors { message path }
    userWarnings { message path }
  }
}
""",
    # C-ERPGQL "Set absolute values", C-SCH stocksetinput / stocksetpayload. `stockChanges`
    # is left out: reading it needs StockChange:read, which a stock-writing token may lack.
    "SetStock": """
mutation SetStock($input: StockSetInput!) {
  setStock(input: $input) {
    userErrors { message path }
    userWarnings { message path }
  }
}
""",
}


def is_mutation(operation: str) -> bool:
    """Each document holds one operation, written first (the fragments follow it)."""
    return DOCUMENTS[operation].lstrip().startswith("mutation")
