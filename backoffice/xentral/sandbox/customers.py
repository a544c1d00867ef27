"""Sandbox endpoints for customers: V2 list, view and create, V2 addresses, and the beta
V3 create that takes the primary address in the same call."""

from backoffice.xentral.sandbox import responses as r
from backoffice.xentral.sandbox.querying import apply_filters, paged, parse_filters
from backoffice.xentral.sandbox.state import now_iso
from backoffice.xentral.sandbox.validation import (
    check_object,
    check_reference,
    raise_if,
    required_message,
)

# The documented operators hold for every documented key; the sandbox filters on these keys.
CUSTOMER_OPS = {"equals", "notEquals", "lessThan", "greaterThan", "in", "notIn"}
CUSTOMER_FIELDS = {
    "id": lambda c: c["id"],
    "number": lambda c: c.get("number"),
    "customerType": lambda c: c.get("customerType"),
    "name": lambda c: c.get("name"),
    "firstname": lambda c: c.get("firstname"),
    "lastname": lambda c: c.get("lastname"),
    "email": lambda c: (c.get("contactDetails") or {}).get("email"),
    "phone": lambda c: (c.get("contactDetails") or {}).get("phone"),
    "projectId": lambda c: (c.get("project") or {}).get("id"),
}
CUSTOMER_FILTERS = dict.fromkeys(CUSTOMER_FIELDS, CUSTOMER_OPS)
CUSTOMER_TYPES = {"person", "company"}
SALUTATIONS = {"mr", "mrs", "company", "other"}
CONTACT_FIELDS = ("phone", "fax", "email", "website")
DOCUMENTS = ("offer", "salesOrder", "invoice", "creditNote", "deliveryNote", "purchaseOrder",
             "dunning")  # fmt: skip
MASTERDATA_FIELDS = {"type", "street", "addressSupplement", "zip", "city", "country", "state"}
NAMED_ADDRESS_FIELDS = MASTERDATA_FIELDS | {
    "name", "salutation", "department", "subDepartment", "contactDetails",
}  # fmt: skip
ADDRESS_TYPES = {"masterdata": MASTERDATA_FIELDS, "billingaddress": NAMED_ADDRESS_FIELDS,
                 "deliveryaddress": NAMED_ADDRESS_FIELDS}  # fmt: skip
# POST::api-v3-customers: the body is closed (additionalProperties false) to these fields.
V3_CUSTOMER_FIELDS = {
    "number", "deviatingDebtorAccountNumber", "mainProject", "primaryAddress",
    "deviatingBillingAddress", "communication", "financials", "fulfillment", "documentDelivery",
    "accountManager", "salesManager", "originSalesChannel", "groups", "tags", "customFields",
    "customerRoles", "notes",
}  # fmt: skip
V3_ADDRESS_FIELDS = {
    "name", "type", "title", "contactPerson", "salutation", "department", "subDepartment",
    "addressSupplement", "street", "zipCode", "city", "state", "country", "gln", "email", "phone",
    "mobile", "fax",
}  # fmt: skip


def customer_item(state, customer: dict) -> dict:
    """A customer as the V2 list shows it; the view adds a few fields."""
    contact = customer.get("contactDetails") or {}
    project = (customer.get("project") or {}).get("id", "1")
    return {
        "id": customer["id"],
        "number": customer["number"],
        "deviatingCustomerNumber": customer.get("deviatingCustomerNumber") or "",
        "customerType": customer.get("customerType"),
        "name": customer.get("name") or "",
        "firstname": customer.get("firstname") or "",
        "lastname": customer.get("lastname") or "",
        "salutation": customer.get("salutation"),
        "department": customer.get("department"),
        "subDepartment": customer.get("subDepartment"),
        "projects": [{"id": str(project)}],
        "accountManager": None,
        "salesManager": None,
        "contactDetails": {field: contact.get(field) for field in CONTACT_FIELDS},
        "isLead": bool(customer.get("isLead", False)),
        "contactPerson": None,
        "documentDelivery": {kind: {"email": None, "cc": None} for kind in DOCUMENTS},
    }


def customer_answer(state, customer: dict) -> dict:
    stamp = customer.get("createdAt") or now_iso()
    return {
        **customer_item(state, customer),
        "salutationPhrase": None,
        "mainProject": {"id": str((customer.get("project") or {}).get("id", "1"))},
        "groups": [],
        "createdAt": stamp,
        "updatedAt": customer.get("updatedAt") or stamp,
        "shipping": {"freeShipping": None, "freeShippingFrom": 0, "trackingMailBan": False,
                     "deliveryBan": None, "deliveryBanDate": None, "deliveryBanReason": None},
    }  # fmt: skip


def customers_list(app, request):
    state = app.state
    filters = parse_filters(request.args, CUSTOMER_FILTERS)
    with state.lock:
        items = apply_filters(state.items("customers"), filters, CUSTOMER_FIELDS)
        page = paged(items, request.args)
        page["data"] = [customer_item(state, item) for item in page["data"]]
        return r.json_response(page)


def customer_view(app, request, id):
    state = app.state
    with state.lock:
        return r.data(customer_answer(state, state.require("customers", id, "Customer")))


def customer_create(app, request, body):
    state = app.state
    with state.lock:
        found = check_object(body, allowed=None, required=("customerType",))
        kind = body.get("customerType")
        if kind and kind not in CUSTOMER_TYPES:
            found["customerType"] = ["The value must be one of: company, person."]
        if kind == "company" and not body.get("name"):
            found["name"] = ["Field 'name' is required for a company."]
        for field in ("firstname", "lastname"):
            if kind == "person" and not body.get(field):
                found[field] = [f"Field '{field}' is required for a person."]
        if body.get("salutation") not in SALUTATIONS | {None}:
            found["salutation"] = ["The value must be one of: company, mr, mrs, other."]
        _check_number(state, body.get("number"), found)
        raise_if(found)
        customer = add_customer(state, body)
        app.changed()
        return r.created(app.url(f"/api/v2/customers/{customer['id']}"))


def _check_number(state, number_: str | None, found: dict) -> None:
    if number_ and any(c["number"] == number_ for c in state.items("customers")):
        found["number"] = ["This customer number is already in use."]


def add_customer(state, fields: dict) -> dict:
    """A customer from V2 create fields; the number is drawn from the range when not given."""
    number_ = fields.get("number")
    if not number_:
        state.sequences["customerNumber"] = state.sequences.get("customerNumber", 10000) + 1
        number_ = str(state.sequences["customerNumber"])
    name = fields.get("name") or " ".join(
        p for p in (fields.get("firstname"), fields.get("lastname")) if p
    )
    stamp = now_iso()
    return state.add(
        "customers",
        {
            "number": number_,
            "customerType": fields.get("customerType") or "person",
            "name": name,
            "firstname": fields.get("firstname"),
            "lastname": fields.get("lastname"),
            "salutation": fields.get("salutation"),
            "contactDetails": fields.get("contactDetails") or {},
            "project": fields.get("project") or {"id": "1"},
            "createdAt": stamp,
            "updatedAt": stamp,
        },
    )


def address_create(app, request, body, customerId):
    state = app.state
    with state.lock:
        state.require("customers", customerId, "Customer")
        allowed = ADDRESS_TYPES.get(body.get("type") if isinstance(body, dict) else None)
        required = ["type", "street", "city", "country"]
        if allowed is NAMED_ADDRESS_FIELDS:
            required.append("name")
        found = check_object(body, allowed=allowed, required=tuple(required))
        if "type" not in found and allowed is None:
            found["type"] = [f"The value must be one of: {', '.join(sorted(ADDRESS_TYPES))}."]
        _check_country(body.get("country"), found)
        raise_if(found)
        address = state.add("customerAddresses", {**body, "customer": {"id": customerId}})
        app.changed()
        return r.created(app.url(f"/api/v2/customers/{customerId}/addresses/{address['id']}"))


def _check_country(country, found: dict, field: str = "country") -> None:
    if country and (len(country) != 2 or not country.isalpha() or not country.isupper()):
        found[field] = ["This value is not a valid ISO 3166-1 alpha-2 country code."]


def customer_create_v3(app, request, body):
    """Beta: the customer and its primary address in one call; answers the customer."""
    state = app.state
    with state.lock:
        found = check_object(body, allowed=V3_CUSTOMER_FIELDS, required=("primaryAddress",))
        address = body.get("primaryAddress")
        if isinstance(address, dict):
            problems = check_object(
                address,
                allowed=V3_ADDRESS_FIELDS,
                required=("name", "street", "city", "zipCode", "country"),
            )
            _check_country(address.get("country"), problems)
            if address.get("type") not in SALUTATIONS | {None}:
                problems["type"] = ["The value must be one of: company, mr, mrs, other."]
            if problems:
                found["primaryAddress"] = problems
        elif address is not None:
            found["primaryAddress"] = [required_message("primaryAddress")]
        check_reference(
            body, "mainProject", lambda id_: state.get("projects", id_), found, required=False
        )
        _check_number(state, body.get("number"), found)
        raise_if(found)
        project = body.get("mainProject") or {"id": "1"}
        customer = add_customer(
            state,
            {
                "number": body.get("number"),
                "customerType": "company" if address.get("type") == "company" else "person",
                "salutation": address.get("type"),
                "name": address["name"],
                "contactDetails": {"email": address.get("email"), "phone": address.get("phone")},
                "project": {"id": str(project["id"])},
            },
        )
        state.add("customerAddresses", {"type": "masterdata", **address,
                                        "customer": {"id": customer["id"]}})  # fmt: skip
        app.changed()
        answer = {
            "id": customer["id"],
            "number": customer["number"],
            "createdAt": customer["createdAt"],
            "updatedAt": customer["updatedAt"],
            "mainProject": {"id": str(project["id"])},
            "primaryAddress": {f: address[f] for f in V3_ADDRESS_FIELDS if f in address},
        }
        return r.json_response({"data": answer}, status=201)


ROUTES = [
    ("/api/v2/customers", "GET", customers_list),
    ("/api/v2/customers", "POST", customer_create),
    ("/api/v2/customers/<id>", "GET", customer_view),
    ("/api/v2/customers/<customerId>/addresses", "POST", address_create),
    ("/api/v3/customers", "POST", customer_create_v3),
]
