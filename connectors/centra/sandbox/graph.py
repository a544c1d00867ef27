"""Executing GraphQL against the stand-in's state: the schema from schema.graphql bound to the
resource modules, the request context (userErrors, change notifications), query complexity and
the permissions a request used."""

from datetime import UTC, datetime

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    build_schema,
)

from connectors.centra.sandbox import events, orders, shipments, stock
from connectors.centra.sandbox.schema import sdl
from connectors.centra.sandbox.views import OrderView

# [AUTH] `extensions.permissionsUsed`; names as the docs' examples show them.
PERMISSIONS = {
    "orders": ["Order:read"],
    "rateLimits": [],
    "warehouses": ["Warehouse:read"],
    "productSizes": ["ProductSize:read"],
    "events": ["Event:read"],
    "eventListeners": ["Event:read"],
    "setOrdersLock": ["Order.isLocked:write", "Order:read"],
    "confirmOrder": ["Order:write", "Order:read"],
    "updateDirectToConsumerOrder": ["Order:write", "Order:read"],
    "createShipment": ["Shipment:write", "Shipment:read"],
    "updateShipment": ["Shipment:write", "Shipment:read"],
    "captureShipment": ["Shipment:write", "Shipment:read"],
    "completeShipment": ["Shipment:write", "Shipment:read"],
    "setStock": ["StockChange:write"],
    "setEventListeners": ["Event:write"],
    "confirmEvents": ["Event:write"],
}


class Context:
    """What one request's resolvers share."""

    def __init__(self, app, forced: dict | None = None):
        self.app, self.state = app, app.state
        self.forced = forced or {}  # mutation name -> userErrors to answer instead
        self.notices: dict[int, str] = {}  # order number -> "update" | "insert"

    @staticmethod
    def error(message: str, *path) -> dict:
        return {"message": message, "path": [str(p) for p in path]}

    @staticmethod
    def payload(errors: list, warnings=(), **fields) -> dict:
        return {**fields, "userErrors": errors, "userWarnings": list(warnings)}

    @staticmethod
    def check_limit(limit: int, page: int) -> None:
        if not 1 <= limit <= 200:
            raise GraphQLError("Limit must be in range 1 - 200")
        if page < 1:
            raise GraphQLError("Page must be at least 1")

    @staticmethod
    def fail(message: str) -> None:
        raise GraphQLError(message)

    def capture_fails(self) -> bool:
        return self.app.faults.capture_fails

    def order_changed(self, order: dict, completed: bool = False) -> None:
        self.notices.setdefault(order["number"], "update")
        # [EVT] "COMPLETED": moving to Completed is "technically, it's an update, but ... we
        # provide a new change type" - that change is COMPLETED instead of UPDATED, as for a
        # shipment (shipments.py).
        change = "COMPLETED" if completed else "UPDATED"
        events.record(self.state, "Order", change, order["number"], order)

    def shipment_changed(self, shipment: dict, change: str) -> None:
        order = self.state.orders[shipment["orderNumber"]]
        events.record(self.state, "Shipment", change, shipment["id"], order)


# --- queries -------------------------------------------------------------------------------------
def _in_range(moment: datetime, bounds: dict | None) -> bool:
    if not bounds:
        return True
    low, high = bounds.get("from"), bounds.get("to")
    return (low is None or moment >= low) and (high is None or moment <= high)


def orders_query(ctx, where=None, sort=("id_ASC",), limit=20, page=1):
    ctx.check_limit(limit, page)
    where = where or {}
    rows = list(ctx.state.orders.values())

    def keep(order):
        checks = [
            where.get("id") is None or order["id"] in where["id"],
            where.get("number") is None or order["number"] in where["number"],
            where.get("status") is None or order["status"] in where["status"],
            _in_range(order["createdAt"], where.get("createdAt")),
            _in_range(order["createdAt"], where.get("orderDate")),
            _in_range(order["updatedAt"], where.get("updatedAt")),
            where.get("marketId") is None or order["marketId"] in where["marketId"],
            where.get("storeId") is None or order["storeId"] in where["storeId"],
            where.get("storeType") is None
            or ctx.state.stores[order["storeId"]]["type"] == where["storeType"],
            where.get("customerId") is None
            or ctx.state.customers[order["email"]]["id"] in where["customerId"],
            where.get("isLocked") is None or order["isLocked"] == where["isLocked"],
            where.get("isOnHold") is None or order["isOnHold"] == where["isOnHold"],
            where.get("isWaitingForPayment") is None or not where["isWaitingForPayment"],
            where.get("externalId") is None,  # the stand-in's orders carry no external ids
        ]
        return all(checks)

    rows = [order for order in rows if keep(order)]
    for key in reversed(sort or []):
        field, _, direction = key.rpartition("_")
        field = "createdAt" if field == "orderDate" else "number"
        rows.sort(key=lambda o, f=field: o[f], reverse=direction == "DESC")
    return [OrderView(ctx.state, order) for order in rows[(page - 1) * limit : page * limit]]


def rate_limits(ctx):
    return ctx.app.limits.rows()


QUERIES = {
    "orders": orders_query,
    "rateLimits": rate_limits,
    "warehouses": stock.warehouses,
    "productSizes": stock.product_sizes,
    "events": events.events,
    "eventListeners": events.event_listeners,
}
MUTATIONS = {
    "setOrdersLock": orders.set_orders_lock,
    "confirmOrder": orders.confirm_order,
    "updateDirectToConsumerOrder": orders.update_dtc_order,
    "createShipment": shipments.create_shipment,
    "updateShipment": shipments.update_shipment,
    "captureShipment": shipments.capture_shipment,
    "completeShipment": shipments.complete_shipment,
    "setStock": stock.set_stock,
    "setEventListeners": events.set_event_listeners,
    "confirmEvents": events.confirm_events,
}


# --- the executable schema -----------------------------------------------------------------------
def default_field_resolver(source, info, **args):
    name = info.field_name
    value = source.get(name) if isinstance(source, dict) else getattr(source, name, None)
    if callable(value):
        return value(info, **args)
    return value


def _type_of(value, info, abstract_type):
    return value["typename"] if isinstance(value, dict) else value.typename


def _parse_datetime(value) -> datetime:
    """DateTimeTz input ([AUTH]): ISO 8601 with an offset, `Y-m-d H:i:s` or `Y-m-d` (taken
    as UTC), or `now` ([ERP] "sending `shippedAt: now`")."""
    if not isinstance(value, str):
        raise ValueError("DateTimeTz must be a string")
    if value.strip().lower() == "now":
        return datetime.now(UTC).replace(microsecond=0)
    moment = datetime.fromisoformat(value.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _forced_payload(ctx, info, field_name):
    """A userErrors fault: the payload with the injected errors, nothing changed."""
    payload_type = info.schema.mutation_type.fields[field_name].type.of_type
    answer = {}
    for name, field in payload_type.fields.items():
        kind = field.type
        is_list = isinstance(kind, GraphQLNonNull) and isinstance(kind.of_type, GraphQLList)
        answer[name] = [] if is_list else None
    forced = ctx.forced[field_name]
    answer["userErrors"] = (
        forced if isinstance(forced, list) else [{"message": orders_fault_message(), "path": []}]
    )
    answer["userWarnings"] = []
    return answer


def orders_fault_message() -> str:
    from connectors.centra.sandbox.faults import DEFAULT_USER_ERROR

    return DEFAULT_USER_ERROR


def _root(function, name, mutation):
    def resolve(root, info, **args):
        ctx = info.context
        if mutation and name in ctx.forced:
            return _forced_payload(ctx, info, name)
        return function(ctx, **args)

    return resolve


def build_executable_schema():
    schema = build_schema(sdl())
    for name, function in QUERIES.items():
        schema.query_type.fields[name].resolve = _root(function, name, False)
    for name, function in MUTATIONS.items():
        schema.mutation_type.fields[name].resolve = _root(function, name, True)
    for kind in schema.type_map.values():
        if isinstance(kind, GraphQLInterfaceType | GraphQLUnionType):
            kind.resolve_type = _type_of
    stamp = schema.type_map["DateTimeTz"]
    # graphql-core 3.3 copies the parsers into coerce_* when the type is built, and coerces
    # variables with those: set both names, or a date sent as a variable stays a string.
    stamp.serialize = stamp.coerce_output_value = lambda value: value
    stamp.parse_value = stamp.coerce_input_value = _parse_datetime
    stamp.parse_literal = lambda node, variables=None: _parse_datetime(node.value)
    return schema


# --- complexity ----------------------------------------------------------------------------------
def operation_of(document, operation_name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        return next((o for o in operations if o.name and o.name.value == operation_name), None)
    return operations[0] if len(operations) == 1 else None


def root_fields(document, operation) -> list[str]:
    fragments = _fragments(document)
    return [node.name.value for node in _fields(operation.selection_set, fragments)]


def is_mutation(operation) -> bool:
    return operation.operation == OperationType.MUTATION


def complexity(document, operation, variables: dict) -> int:
    """[OURS] an estimate: one point a field, a list's children counted `limit` times.
    Centra's own scoring is not published."""
    fragments = _fragments(document)

    def cost(selection_set) -> int:
        total = 0
        for node in _fields(selection_set, fragments):
            children = cost(node.selection_set) if node.selection_set else 0
            total += 1 + _limit(node, variables) * children
        return total

    return cost(operation.selection_set)


def _fragments(document) -> dict:
    return {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}


def _fields(selection_set, fragments, seen=None):
    seen = seen or set()
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            yield node
        elif isinstance(node, InlineFragmentNode):
            yield from _fields(node.selection_set, fragments, seen)
        elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
            fragment = fragments.get(node.name.value)
            if fragment is not None:
                yield from _fields(fragment.selection_set, fragments, seen | {node.name.value})


def _limit(node: FieldNode, variables: dict) -> int:
    for argument in node.arguments or ():
        if argument.name.value != "limit":
            continue
        if isinstance(argument.value, IntValueNode):
            return int(argument.value.value)
        if isinstance(argument.value, VariableNode):
            value = variables.get(argument.value.name.value)
            return value if isinstance(value, int) else 1
    return 1


def permissions(fields: list[str]) -> list[str]:
    used = []
    for name in fields:
        for permission in PERMISSIONS.get(name, []):
            if permission not in used:
                used.append(permission)
    return used
