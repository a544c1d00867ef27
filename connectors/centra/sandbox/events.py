"""The events queue over GraphQL ([EVT]): listeners per object type, the oldest unconfirmed
events first, confirmed in batches. Events are only recorded for object and change types
someone listens to ("when these objects are affected, the queue will receive new events")."""

from connectors.centra.sandbox.state import now
from connectors.centra.sandbox.views import DEFAULT_DATE_FORMAT, event_view, php_date

INTEGRATION_NAME = "Xentral Hub"


def record(state, object_type: str, change_type: str, reference: int, order: dict) -> None:
    listener = state.listeners.get(object_type)
    if listener is None or change_type not in listener["changeTypes"]:
        return
    state.events.append(
        {
            "id": state.next_id("event"),
            "objectType": object_type,
            "changeType": change_type,
            "objectReference": reference,
            "createdAt": now(),
            "storeId": order["storeId"],
            "marketId": order["marketId"],
            "confirmed": False,
        }
    )


def _listener_view(listener: dict) -> dict:
    return {
        **listener,
        "createdAt": lambda info, format=DEFAULT_DATE_FORMAT: php_date(listener["created"], format),
        "updatedAt": lambda info, format=DEFAULT_DATE_FORMAT: php_date(listener["updated"], format),
    }


ALL_CHANGE_TYPES = ["CREATED", "UPDATED", "DELETED", "COMPLETED", "DEPENDENT_DATA_CHANGED"]


def set_event_listeners(ctx, input):
    """Idempotent; adds change types to an existing listener, never removes ([EVT])."""
    state, touched = ctx.state, []
    for entry in input:
        object_type = entry["objectType"]
        wanted = entry.get("changeTypes") or ALL_CHANGE_TYPES
        listener = state.listeners.get(object_type)
        if listener is None:
            listener = {
                "integrationName": INTEGRATION_NAME,
                "objectType": object_type,
                "changeTypes": [],
                "created": now(),
                "updated": now(),
            }
            state.listeners[object_type] = listener
        added = [t for t in wanted if t not in listener["changeTypes"]]
        if added:
            listener["changeTypes"] = [
                t for t in ALL_CHANGE_TYPES if t in listener["changeTypes"] or t in added
            ]
            listener["updated"] = now()
        touched.append(listener)
    return ctx.payload([], eventListeners=[_listener_view(li) for li in touched])


def event_listeners(ctx):
    return [_listener_view(li) for li in ctx.state.listeners.values()]


def events(ctx, where=None, limit=20):
    ctx.check_limit(limit, 1)
    where = where or {}
    chosen = []
    for event in ctx.state.events:
        if event["confirmed"]:
            continue
        if where.get("objectType") is not None and event["objectType"] not in where["objectType"]:
            continue
        if where.get("changeType") is not None and event["changeType"] not in where["changeType"]:
            continue
        if where.get("storeId") is not None and event["storeId"] not in where["storeId"]:
            continue
        if where.get("marketId") is not None and event["marketId"] not in where["marketId"]:
            continue
        chosen.append(event_view(ctx.state, event))
        if len(chosen) >= limit:
            break
    return chosen


def confirm_events(ctx, input):
    by_id = {event["id"]: event for event in ctx.state.events}
    warnings = []
    for index, event_id in enumerate(input["eventsIds"]):
        event = by_id.get(event_id)
        if event is None:
            warnings.append(ctx.error(f"Event {event_id} not found", "input", "eventsIds", index))
        else:
            event["confirmed"] = True
    return ctx.payload([], warnings=warnings)
