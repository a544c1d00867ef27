"""Customers answer as Xentral's documents describe them: the documented required fields,
no `project`, persons with first and last name, only documented filters, and the beta V3
create with its primary address."""

PERSON = {"customerType": "person", "firstname": "Max", "lastname": "Muster",
          "contactDetails": {"email": "max@example.com"}, "project": {"id": "1"}}  # fmt: skip
ADDRESS = {"name": "Muster GmbH", "street": "Weg 1", "zipCode": "12345", "city": "Ort",
           "country": "DE"}  # fmt: skip


def _email_filter(op: str, value: str) -> dict:
    return {"filter[0][key]": "email", "filter[0][op]": op, "filter[0][value]": value}


def test_a_customer_answers_the_documented_fields_without_project(sandbox):
    location = sandbox.api("POST", "/api/v2/customers", json=PERSON).headers["Location"]
    customer_id = location.rsplit("/", 1)[-1]
    [listed] = sandbox.api(
        "GET", "/api/v2/customers", params=_email_filter("equals", "max@example.com")
    ).json()["data"]
    assert (listed["id"], listed["name"], listed["firstname"], listed["lastname"]) == (
        customer_id, "Max Muster", "Max", "Muster",
    )  # fmt: skip
    assert listed["projects"] == [{"id": "1"}]
    assert listed["contactDetails"]["email"] == "max@example.com"
    assert "project" not in listed
    view = sandbox.api("GET", f"/api/v2/customers/{customer_id}").json()["data"]
    assert view["mainProject"] == {"id": "1"}
    assert view["number"] == listed["number"]
    assert "project" not in view


def test_a_person_needs_first_and_last_name(sandbox):
    response = sandbox.api("POST", "/api/v2/customers", json={**PERSON, "firstname": None})
    assert response.status_code == 400
    assert response.json()["violations"] == {
        "firstname": ["Field 'firstname' is required for a person."]
    }
    lastname_only = {k: v for k, v in PERSON.items() if k != "lastname"}
    assert sandbox.api("POST", "/api/v2/customers", json=lastname_only).status_code == 400
    assert sandbox.state()["customers"] == []


def test_only_documented_filter_keys_and_operators_are_accepted(sandbox):
    sandbox.api("POST", "/api/v2/customers", json=PERSON)
    contains = {"filter[0][key]": "name", "filter[0][op]": "contains", "filter[0][value]": "Max"}
    refused = sandbox.api("GET", "/api/v2/customers", params=contains)
    assert refused.status_code == 400
    assert refused.json()["messages"] == ["Operator 'contains' is not allowed for 'name'."]
    colour = {"filter[0][key]": "colour", "filter[0][op]": "equals", "filter[0][value]": "red"}
    assert sandbox.api("GET", "/api/v2/customers", params=colour).status_code == 400
    not_max = _email_filter("notEquals", "max@example.com")
    assert sandbox.api("GET", "/api/v2/customers", params=not_max).json()["data"] == []


def test_v3_create_takes_the_primary_address_and_answers_the_customer(sandbox):
    response = sandbox.api("POST", "/api/v3/customers", json={"primaryAddress": ADDRESS})
    assert response.status_code == 201
    customer = response.json()["data"]
    assert customer["number"] == "10001"
    assert customer["primaryAddress"] == ADDRESS
    view = sandbox.api("GET", f"/api/v2/customers/{customer['id']}").json()["data"]
    assert view["name"] == "Muster GmbH"
    [address] = sandbox.state()["customerAddresses"]
    assert (address["customer"], address["zipCode"]) == ({"id": customer["id"]}, "12345")


def test_v3_create_needs_a_complete_primary_address(sandbox):
    missing = sandbox.api("POST", "/api/v3/customers", json={"number": "K-1"})
    assert missing.status_code == 400
    assert missing.json()["violations"] == {
        "primaryAddress": ["Field 'primaryAddress' is required."]
    }
    partial = {k: v for k, v in ADDRESS.items() if k != "zipCode"}
    incomplete = sandbox.api("POST", "/api/v3/customers", json={"primaryAddress": partial})
    assert incomplete.json()["violations"] == {
        "primaryAddress": {"zipCode": ["Field 'zipCode' is required."]}
    }
    assert sandbox.state()["customers"] == []


def test_v3_create_can_be_refused_with_403_by_a_planned_fault(sandbox):
    sandbox.faults(failNext=[{"method": "POST", "path": "/api/v3/customers", "status": 403}])
    response = sandbox.api("POST", "/api/v3/customers", json={"primaryAddress": ADDRESS})
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["scopes"] == ["injected:fault"]
    assert sandbox.state()["customers"] == []


def test_v3_create_answers_201_with_the_body_and_no_location(sandbox):
    response = sandbox.api(
        "POST", "/api/v3/customers", json={"primaryAddress": ADDRESS, "mainProject": {"id": "1"}}
    )
    assert response.status_code == 201
    assert "Location" not in response.headers
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["data"]["mainProject"] == {"id": "1"}


def test_v3_create_refuses_undocumented_fields_types_and_projects(sandbox):
    body = {
        "primaryAddress": {**ADDRESS, "type": "sir", "zip": "12345"},
        "customerType": "company",
        "mainProject": {"id": "999"},
    }
    response = sandbox.api("POST", "/api/v3/customers", json=body)
    assert response.status_code == 400
    assert response.json()["violations"] == {
        "customerType": ["This field was not expected."],
        "primaryAddress": {
            "zip": ["This field was not expected."],
            "type": ["The value must be one of: company, mr, mrs, other."],
        },
        "mainProject": {"id": ["No mainProject with id 999 exists."]},
    }
    assert sandbox.state()["customers"] == []


def test_v3_create_keeps_the_address_type_as_the_salutation(sandbox):
    address = {**ADDRESS, "name": "Cher", "type": "other"}
    customer = sandbox.api("POST", "/api/v3/customers", json={"primaryAddress": address}).json()
    view = sandbox.api("GET", f"/api/v2/customers/{customer['data']['id']}").json()["data"]
    assert (view["name"], view["customerType"], view["salutation"]) == ("Cher", "person", "other")
