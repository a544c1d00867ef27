"""Customer resolution: CustomerLink first, then a Xentral search, then creation if allowed."""

from dataclasses import dataclass

from django.db import IntegrityError, models, transaction

from backoffice.models import Channel
from backoffice.xentral.client import XentralClient
from backoffice.xentral.params import filter_params
from orders.models import CustomerLink, CustomerLinkKind


class FoundBy(models.TextChoices):
    LINK = "link", "A stored customer link"
    SEARCH = "search", "A search in Xentral"
    CREATED = "created", "Created in Xentral"


class CustomerNotFound(Exception):
    """The customer is unknown to Xentral and the channel may not create customers."""


@dataclass(frozen=True)
class ResolvedCustomer:
    id: str
    number: str
    created: bool
    found_by: FoundBy


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _link_keys(customer: dict) -> list[tuple[str, str]]:
    keys = []
    if customer.get("number"):
        keys.append((CustomerLinkKind.NUMBER, customer["number"].strip()))
    if customer.get("email"):
        keys.append((CustomerLinkKind.EMAIL, normalise_email(customer["email"])))
    return keys


def _remember(keys: list[tuple[str, str]], *, customer_id: str, number: str) -> None:
    for kind, value in keys:
        try:
            with transaction.atomic():
                CustomerLink.objects.update_or_create(
                    kind=kind,
                    value=value,
                    defaults={
                        "xentral_customer_id": customer_id,
                        "xentral_customer_number": number,
                    },
                )
        except IntegrityError:
            # A concurrent order bound the same key first; its binding is as good as ours.
            pass


def customer_resolve(
    *, customer: dict, channel: Channel, client: XentralClient
) -> ResolvedCustomer:
    """The Xentral customer for the payload's customer block; raises CustomerNotFound."""
    keys = _link_keys(customer)
    for kind, value in keys:
        link = CustomerLink.objects.filter(kind=kind, value=value).first()
        if link is not None:
            return ResolvedCustomer(
                link.xentral_customer_id, link.xentral_customer_number, False, FoundBy.LINK
            )
    for kind, value in keys:
        found = list(
            client.get("/api/v2/customers", params=filter_params((str(kind), "equals", value))).get(
                "data", []
            )
        )
        if found:
            item = found[0]
            number = str(item.get("number") or "")
            _remember(keys, customer_id=str(item["id"]), number=number)
            return ResolvedCustomer(str(item["id"]), number, False, FoundBy.SEARCH)
    if not channel.allow_customer_creation or customer.get("number"):
        raise CustomerNotFound(
            f"Customer {customer.get('number') or customer.get('email')} not found in Xentral"
        )
    customer_id = client.create("/api/v2/customers", _customer_body(customer, channel))
    _remember(keys, customer_id=customer_id, number="")
    client.create(
        f"/api/v2/customers/{customer_id}/addresses",
        {
            "type": "masterdata",
            "street": customer["street"],
            "zip": customer["zip"],
            "city": customer["city"],
            "country": customer["country"],
        },
    )
    created = client.get(f"/api/v2/customers/{customer_id}")
    number = str((created.get("data") or created).get("number") or "")
    _remember(keys, customer_id=customer_id, number=number)
    return ResolvedCustomer(customer_id, number, True, FoundBy.CREATED)


def _customer_body(customer: dict, channel: Channel) -> dict:
    contact = {"email": customer.get("email") or None}
    if customer.get("phone"):
        contact["phone"] = customer["phone"]
    body: dict = {"contactDetails": contact, "project": {"id": channel.project_id}}
    if customer.get("company"):
        body.update(customerType="company", name=customer["company"])
    else:
        first, _, last = customer["name"].strip().rpartition(" ")
        # A one-word name has no first name: it is the last name.
        body.update(customerType="person", firstname=first or None, lastname=last)
    return body
