"""Sandbox endpoints for V2 customers and their addresses."""

from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.querying import apply_filters, paged, parse_filters
from backoffice.xentral.sandbox.state import now_iso
from backoffice.xentral.sandbox.validation import check_object, raise_if

CUSTOMER_FILTERS = {
    "email": {"equals"},
    "number": {"equals", "in"},
    "name": {"equals", "contains", "startsWith"},
    "id": {"equals", "in"},
}
CUSTOMER_TYPES = {"person", "company"}
ADDRESS_FIELDS = {
    "type", "name", "street", "zip", "city", "country", "state", "addressSupplement",
    "department", "subDepartment", "contactPerson", "email", "phone", "isPrimary",
}  # fmt: skip


def customers_list(app, request):
    state = app.state
    filters = parse_filters(request.args, CUSTOMER_FILTERS)
    fields = {
        "email": lambda c: (c.get("contactDetails") or {}).get("email"),
        "number": lambda c: c.get("number"),
        "name": lambda c: c.get("name"),
        "id": lambda c: c["id"],
    }
    with state.lock:
        items = apply_filters(state.items("customers"), filters, fields)
        return r.json_response(paged(items, request.args))


def customer_view(app, request, id):
    with app.state.lock:
        return r.data(app.state.require("customers", id, "Customer"))


def customer_create(app, request, body):
    state = app.state
    with state.lock:
        customer = _customer_from(state, body)
        app.changed()
        return r.created(app.url(f"/api/v2/customers/{customer['id']}"))


def _customer_from(state, body: dict) -> dict:
    found = check_object(body, allowed=None, required=("customerType",))
    kind = body.get("customerType")
    if kind and kind not in CUSTOMER_TYPES:
        found["customerType"] = ["The value must be one of: company, person."]
    if kind == "company" and not body.get("name"):
        found["name"] = ["Field 'name' is required for a company."]
    if kind == "person" and not body.get("lastname"):
        found["lastname"] = ["Field 'lastname' is required for a person."]
    number_ = body.get("number")
    if number_ and any(c["number"] == number_ for c in state.items("customers")):
        found["number"] = ["This customer number is already in use."]
    raise_if(found)
    if not number_:
        state.sequences["customerNumber"] = state.sequences.get("customerNumber", 10000) + 1
        number_ = str(state.sequences["customerNumber"])
    name = body.get("name") or " ".join(
        p for p in (body.get("firstname"), body.get("lastname")) if p
    )
    return state.add(
        "customers",
        {
            "number": number_,
            "customerType": kind,
            "name": name,
            "firstname": body.get("firstname"),
            "lastname": body.get("lastname"),
            "contactDetails": body.get("contactDetails") or {},
            "project": body.get("project") or {"id": "1"},
            "createdAt": now_iso(),
        },
    )


def address_create(app, request, body, customerId):
    state = app.state
    with state.lock:
        state.require("customers", customerId, "Customer")
        found = check_object(
            body, allowed=ADDRESS_FIELDS, required=("type", "street", "zip", "city", "country")
        )
        country = body.get("country")
        if country and (len(country) != 2 or not country.isalpha() or not country.isupper()):
            found["country"] = ["This value is not a valid ISO 3166-1 alpha-2 country code."]
        raise_if(found)
        address = state.add("customerAddresses", {**body, "customer": {"id": customerId}})
        app.changed()
        return r.created(app.url(f"/api/v2/customers/{customerId}/addresses/{address['id']}"))


ROUTES = [
    ("/api/v2/customers", "GET", customers_list),
    ("/api/v2/customers", "POST", customer_create),
    ("/api/v2/customers/<id>", "GET", customer_view),
    ("/api/v2/customers/<customerId>/addresses", "POST", address_create),
]
