"""Sandbox webhook API (`/api/v1/webhooks`, `/api/v1/webhookEventTypes`) and event delivery.

Xentral documents the registration but not the signing scheme, the payload or an event id.
The sandbox signs as the hub assumes (hex HMAC-SHA256 of the raw body with the webhook's
`signatureKey`, in `X-Xentral-Signature`) and sends `{"type": ..., "body": {ids, timestamps}}`
with integer ids, the shape XENTRAL.md records from Xentral's event system.
"""

import hashlib
import hmac
import json
import logging

import requests

from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.state import now_iso
from backoffice.xentral.sandbox.validation import check_object, raise_if

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Xentral-Signature"
DELIVERY_TIMEOUT_S = 5.0
MAX_URL_CHARS = 255
MIN_KEY_CHARS = 20  # the update operation's `minLength`
EVENT_NAMES = (
    "salesOrder.created", "salesOrder.updated", "salesOrder.deleted", "salesOrder.imported",
    "salesOrder.released", "salesOrder.dispatched", "salesOrder.archived", "shipment.created",
    "deliveryNote.created", "deliveryNote.updated", "reservation.changed",
    "storageItem.movement", "product.created", "product.updated",
)  # fmt: skip
EVENT_TYPES = [
    {"id": f"com.xentral.{name}.v1", "group": name.split(".")[0]} for name in EVENT_NAMES
]
KNOWN_EVENTS = {t["id"] for t in EVENT_TYPES}
CREATE_FIELDS = {"name", "url", "signatureKey", "events"}


def lifecycle(state) -> dict:
    """This module's and fulfilment's part of the sandbox state (created on first use)."""
    part = state.lifecycle
    part.setdefault("webhooks", {})
    part.setdefault("deliveryNotes", {})
    part.setdefault("shipments", {})
    part.setdefault("sequences", {})
    part.setdefault("deliveries", [])
    part.setdefault("failDeliveries", False)
    return part


def next_id(state, kind: str) -> str:
    sequences = lifecycle(state)["sequences"]
    sequences[kind] = sequences.get(kind, 0) + 1
    return str(sequences[kind])


def _check(body: dict, *, required: tuple[str, ...]) -> None:
    found = check_object(body, allowed=CREATE_FIELDS, required=required)
    url = body.get("url")
    if url is not None and (
        not isinstance(url, str) or not url.startswith(("http://", "https://"))
    ):
        found["url"] = ["This value is not a valid URL."]
    elif isinstance(url, str) and len(url) > MAX_URL_CHARS:
        found["url"] = [
            f"This value is too long. It should have {MAX_URL_CHARS} characters or less."
        ]
    key = body.get("signatureKey")
    if key is not None and not isinstance(key, str):
        found["signatureKey"] = ["This value should be of type string."]
    events = body.get("events")
    if events is not None and not isinstance(events, list):
        found["events"] = ["This value should be of type array."]
    elif events:
        problems = {}
        for index, event in enumerate(events):
            if not isinstance(event, dict) or set(event) != {"id"}:
                problems[str(index)] = {"id": ["Field 'id' is required."]}
            elif event["id"] not in KNOWN_EVENTS:
                problems[str(index)] = {"id": [f"Unknown event type '{event['id']}'."]}
        if problems:
            found["events"] = problems
    raise_if(found)


def _view(hook: dict) -> dict:
    return {k: hook[k] for k in ("id", "name", "url", "events")}


def webhook_create(app, request, body):
    _check(body, required=("name", "url", "signatureKey", "events"))
    with app.state.lock:
        hook_id = next_id(app.state, "webhooks")
        lifecycle(app.state)["webhooks"][hook_id] = {
            "id": hook_id,
            "name": body["name"],
            "url": body["url"],
            "signatureKey": body["signatureKey"],
            "events": [{"id": e["id"]} for e in body["events"]],
        }
    app.changed()
    return r.created(app.url(f"/api/v1/webhooks/{hook_id}"))


def webhooks_list(app, request):
    with app.state.lock:
        return r.json_response(
            {"data": [_view(h) for h in lifecycle(app.state)["webhooks"].values()]}
        )


def _hook(app, id) -> dict:
    hook = lifecycle(app.state)["webhooks"].get(str(id))
    if hook is None:
        raise LookupError("Webhook")
    return hook


def webhook_view(app, request, id):
    with app.state.lock:
        return r.data(_view(_hook(app, id)))


def webhook_update(app, request, id, body):
    _check(body, required=("name", "url", "events"))
    key = body.get("signatureKey")
    if key is not None and len(key) < MIN_KEY_CHARS:
        raise_if({"signatureKey": [f"This value is too short. It should have {MIN_KEY_CHARS} "
                                   "characters or more."]})  # fmt: skip
    with app.state.lock:
        hook = _hook(app, id)
        hook.update(
            name=body["name"], url=body["url"], events=[{"id": e["id"]} for e in body["events"]]
        )
        if key is not None:
            hook["signatureKey"] = key
    app.changed()
    return r.no_content()


def webhook_delete(app, request, id):
    with app.state.lock:
        _hook(app, id)
        del lifecycle(app.state)["webhooks"][str(id)]
    app.changed()
    return r.no_content()


def event_types_list(app, request):
    return r.json_response({"data": EVENT_TYPES})


# --- delivery ----------------------------------------------------------------------------------
def event(name: str, **body) -> tuple[str, dict]:
    """One event: its type id and its thin body (integer ids, an `updatedAt` stamp)."""
    ids = {k: int(v) if str(v).isdigit() else v for k, v in body.items()}
    return f"com.xentral.{name}.v1", {**ids, "updatedAt": now_iso()}


def deliver(app, events: list[tuple[str, dict]]) -> list[dict]:
    """POST each event to every webhook subscribed to its type, signed; call without the state
    lock held, since a receiver may call back into the sandbox while it handles the event."""
    with app.state.lock:
        part = lifecycle(app.state)
        hooks = [dict(h) for h in part["webhooks"].values()]
        failing = part["failDeliveries"]
    outcomes = []
    for type_, body in events:
        raw = json.dumps({"type": type_, "body": body}).encode()
        for hook in hooks:
            if type_ not in {e["id"] for e in hook["events"]}:
                continue
            outcome = {"webhook": hook["id"], "url": hook["url"], "type": type_, "body": body}
            if failing:
                outcome.update(status=None, error="deliveries fail (sandbox fault)")
            else:
                outcome.update(_post(hook, raw))
            outcomes.append(outcome)
    with app.state.lock:
        lifecycle(app.state)["deliveries"].extend(outcomes)
    return outcomes


def _post(hook: dict, raw: bytes) -> dict:
    signature = hmac.new(hook["signatureKey"].encode(), raw, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature}
    try:
        response = requests.post(hook["url"], data=raw, headers=headers, timeout=DELIVERY_TIMEOUT_S)
    except requests.RequestException as exc:
        return {"status": None, "error": str(exc)[:300]}
    return {"status": response.status_code, "error": ""}


ROUTES = [
    ("/api/v1/webhooks", "POST", webhook_create),
    ("/api/v1/webhooks", "GET", webhooks_list),
    ("/api/v1/webhooks/<id>", "GET", webhook_view),
    ("/api/v1/webhooks/<id>", "PATCH", webhook_update),
    ("/api/v1/webhooks/<id>", "DELETE", webhook_delete),
    ("/api/v1/webhookEventTypes", "GET", event_types_list),
]
