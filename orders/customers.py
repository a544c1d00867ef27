"""Customers exactly once, with their address: a complete CustomerLink first, then a Xentral
search, then creation if the channel may.

Creating a customer is recoverable like the order: the first order to need a new customer
claims its normalised e-mail (a pending CustomerLink, taken in a short transaction and never
held across a Xentral call), records that a create was sent before sending it, saves the id
Xentral returns at once, then adds the address (its number comes with the order read). Only
then is the link complete and used by other orders. A later order that finds a claim held by
an order at work waits a moment; a claim left by an order that is no longer at work is taken
over, and the search (by the same normalised e-mail the customer was created with) finds a
customer whose create answer was lost, so it is completed, never created twice.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from backoffice.models import Channel, XentralFeature
from backoffice.xentral.client import XentralClient
from backoffice.xentral.errors import XentralAuthError, XentralNotFound
from backoffice.xentral.features import feature_available, feature_switch_off
from backoffice.xentral.params import filter_params
from orders.models import (
    CustomerLink,
    CustomerLinkKind,
    CustomerLinkStatus,
    OrderRequest,
    OrderStatus,
)
from orders.projects import OrderProject

# A claim this old is taken over even from an order still marked as processing.
STALE_CLAIM = timedelta(minutes=2)
# How soon an order that found the customer being created by another order tries again.
PENDING_RETRY_S = 2.0


class FoundBy(models.TextChoices):
    LINK = "link", "A stored customer link"
    SEARCH = "search", "A search in Xentral"
    CREATED = "created", "Created in Xentral"


class CustomerPending(Exception):
    """Another order is creating this customer right now; nothing failed, try again shortly."""

    retry_after = PENDING_RETRY_S


@dataclass(frozen=True)
class ResolvedCustomer:
    id: str
    number: str
    created: bool
    found_by: FoundBy


@dataclass
class CustomerLookup:
    """What a lookup found: the customer, or (None) the claim to create it with."""

    found: ResolvedCustomer | None
    claim: CustomerLink | None


def normalise_email(email: str | None) -> str:
    """The one form of an e-mail the hub searches, creates and links with."""
    return (email or "").strip().lower()


def _link_keys(customer: dict) -> list[tuple[str, str]]:
    keys = []
    if customer.get("number"):
        keys.append((CustomerLinkKind.NUMBER, customer["number"].strip()))
    if customer.get("email"):
        keys.append((CustomerLinkKind.EMAIL, normalise_email(customer["email"])))
    return keys


def customer_may_be_created(*, customer: dict, channel: Channel) -> bool:
    return bool(channel.allow_customer_creation and customer.get("email")) and not customer.get(
        "number"
    )


def customer_lookup(
    *, customer: dict, channel: Channel, client: XentralClient, order
) -> CustomerLookup:
    """Reads only (and completes a customer an earlier attempt created): a complete link, then
    a search. Raises CustomerPending while another order at work creates this customer."""
    keys = _link_keys(customer)
    linked = _complete_link(keys)
    if linked is not None:
        return CustomerLookup(linked, None)
    claim = None
    if customer_may_be_created(customer=customer, channel=channel):
        claim = _claim(keys[-1], order=order)
        if claim.status == CustomerLinkStatus.COMPLETE:
            return CustomerLookup(_resolved(claim, FoundBy.LINK), None)
        if claim.xentral_customer_id:
            # Created by an earlier attempt: finish it rather than search for it.
            return CustomerLookup(_complete(claim, customer, keys, client), None)
    for kind, value in keys:
        params = filter_params((str(kind), "equals", value))
        found = list((client.get("/api/v2/customers", params=params) or {}).get("data", []))
        if found:
            item = found[0]
            if claim is not None and claim.create_attempted:
                # The create whose answer was lost: this customer still needs its address.
                _save_claim(claim, xentral_customer_id=str(item["id"]))
                return CustomerLookup(_complete(claim, customer, keys, client), None)
            number = str(item.get("number") or "")
            _remember(keys, customer_id=str(item["id"]), number=number)
            return CustomerLookup(
                ResolvedCustomer(str(item["id"]), number, False, FoundBy.SEARCH), None
            )
    return CustomerLookup(None, claim)


def customer_create(
    *, customer: dict, project: OrderProject, client: XentralClient, claim: CustomerLink
) -> ResolvedCustomer:
    """Create the customer this order claimed, then its address. Each step is recorded on
    the claim before the next call. Its main project is the order's (orders/projects.py):
    the channel's, or the one the channel's connector chose for the order that needed it."""
    if _v3_create_on():
        created = _create_v3(customer=customer, project=project, client=client, claim=claim)
        if created is not None:
            return created
    # The address is a second call in V2 (reset: an earlier V3 try had it inline).
    _save_claim(claim, create_attempted=True, address_added=False)
    customer_id = client.create("/api/v2/customers", _customer_body(customer, project))
    _save_claim(claim, xentral_customer_id=customer_id)
    return _complete(claim, customer, _link_keys(customer), client, created=True)


def _v3_create_on() -> bool:
    return settings.XENTRAL_V3_CUSTOMERS and feature_available(XentralFeature.V3_CUSTOMER_CREATE)


def _create_v3(
    *, customer: dict, project: OrderProject, client: XentralClient, claim: CustomerLink
) -> ResolvedCustomer | None:
    """The beta V3 create: customer, primary address and number in one call. A 403 or 404
    (the instance does not offer it, or not to this token) switches this instance back to
    V2 for a day, for every process, and answers None so this order goes on with V2."""
    # The address travels with the create: a lost answer found by search needs no address.
    _save_claim(claim, create_attempted=True, address_added=True)
    try:
        answer = client.post("/api/v3/customers", _customer_body_v3(customer, project))
    except (XentralAuthError, XentralNotFound) as exc:
        if exc.status not in (403, 404):
            raise
        feature_switch_off(XentralFeature.V3_CUSTOMER_CREATE, reason=str(exc))
        return None
    data = (answer or {}).get("data") or {}
    customer_id, number = str(data["id"]), str(data.get("number") or "")
    _save_claim(claim, xentral_customer_id=customer_id)
    _remember(_link_keys(customer), customer_id=customer_id, number=number)
    return ResolvedCustomer(customer_id, number, True, FoundBy.CREATED)


def _complete(
    claim: CustomerLink, customer: dict, keys, client: XentralClient, *, created: bool = False
) -> ResolvedCustomer:
    customer_id = claim.xentral_customer_id
    if not claim.address_added:
        client.create(f"/api/v2/customers/{customer_id}/addresses", _address_body(customer))
        _save_claim(claim, address_added=True)
    # V2 creates answer no number: the order read that follows the import names it
    # (customer_number_learn), so no customer read is spent here.
    _remember(keys, customer_id=customer_id, number="")
    return ResolvedCustomer(customer_id, "", created or claim.create_attempted, FoundBy.CREATED)


def customer_number_learn(*, customer_id: str, seen: dict | None, client: XentralClient) -> str:
    """The number of a customer the hub knows only by id: the one the order read showed
    (`customer {id, number}` of salesOrder.view), else one customer read. Links waiting for
    it are completed."""
    number = customer_number_seen(customer_id=customer_id, seen=seen)
    if not number:
        read = client.get(f"/api/v2/customers/{customer_id}") or {}
        number = str((read.get("data") or read).get("number") or "")
        _number_remember(customer_id, number)
    return number


def customer_number_seen(*, customer_id: str, seen: dict | None) -> str:
    """The customer's number as an order's `customer {id, number}` shows it ("" when it does
    not), remembered on the links waiting for it; no call."""
    number = ""
    if seen and str(seen.get("id") or "") == customer_id:
        number = str(seen.get("number") or "")
    _number_remember(customer_id, number)
    return number


def _number_remember(customer_id: str, number: str) -> None:
    if number:
        CustomerLink.objects.filter(
            xentral_customer_id=customer_id, xentral_customer_number=""
        ).update(xentral_customer_number=number)


def _resolved(link: CustomerLink, found_by: FoundBy) -> ResolvedCustomer:
    return ResolvedCustomer(link.xentral_customer_id, link.xentral_customer_number, False, found_by)


def _complete_link(keys) -> ResolvedCustomer | None:
    for kind, value in keys:
        link = CustomerLink.objects.filter(
            kind=kind, value=value, status=CustomerLinkStatus.COMPLETE
        ).first()
        if link is not None:
            return _resolved(link, FoundBy.LINK)
    return None


def _claim(key: tuple[str, str], *, order) -> CustomerLink:
    """The pending link for this e-mail, held by this order; or the complete one. Raises
    CustomerPending while another order at work holds it. One short transaction."""
    kind, value = key
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                link, created = CustomerLink.objects.get_or_create(
                    kind=kind,
                    value=value,
                    defaults={
                        "status": CustomerLinkStatus.PENDING,
                        "claimed_by": order.pk,
                        "claimed_at": now,
                    },
                )
        except IntegrityError:  # a concurrent order inserted it first
            link, created = CustomerLink.objects.get(kind=kind, value=value), False
        link = CustomerLink.objects.select_for_update().get(pk=link.pk)
        if created or link.status == CustomerLinkStatus.COMPLETE or link.claimed_by == order.pk:
            return link
        holder_at_work = OrderRequest.objects.filter(
            pk=link.claimed_by, status=OrderStatus.PROCESSING
        ).exists()
        if holder_at_work and link.claimed_at and link.claimed_at > now - STALE_CLAIM:
            raise CustomerPending(f"Customer {value} is being created by another order")
        link.claimed_by, link.claimed_at = order.pk, now
        link.save(update_fields=["claimed_by", "claimed_at"])
        return link


def _save_claim(claim: CustomerLink, **fields) -> None:
    """Record a step of the creation at once, in its own short transaction."""
    for name, value in fields.items():
        setattr(claim, name, value)
    CustomerLink.objects.filter(pk=claim.pk).update(**fields)


def _remember(keys: list[tuple[str, str]], *, customer_id: str, number: str) -> None:
    """Complete the links of every key (the customer is whole: created with its address)."""
    for kind, value in keys:
        fields = {
            "xentral_customer_id": customer_id,
            "xentral_customer_number": number,
            "status": CustomerLinkStatus.COMPLETE,
        }
        try:
            with transaction.atomic():
                CustomerLink.objects.update_or_create(kind=kind, value=value, defaults=fields)
        except IntegrityError:
            # A concurrent order bound the same key first; its binding is as good as ours.
            pass


def _address_body(customer: dict) -> dict:
    return {
        "type": "masterdata",
        "street": customer["street"],
        "zip": customer["zip"],
        "city": customer["city"],
        "country": customer["country"],
    }


def _customer_body_v3(customer: dict, project: OrderProject) -> dict:
    """POST /api/v3/customers: one name for everyone (`primaryAddress.name`); a company's
    contact is its `contactPerson`."""
    name = customer["name"].strip()
    address: dict = {"name": name}
    if customer.get("company"):
        address.update(name=customer["company"], type="company", contactPerson=name)
    address.update(
        street=customer["street"],
        zipCode=customer["zip"],
        city=customer["city"],
        country=customer["country"],
        email=normalise_email(customer.get("email")) or None,
    )
    if customer.get("phone"):
        address["phone"] = customer["phone"]
    return {"primaryAddress": address, "mainProject": {"id": project.id}}


def _customer_body(customer: dict, project: OrderProject) -> dict:
    contact = {"email": normalise_email(customer.get("email")) or None}
    if customer.get("phone"):
        contact["phone"] = customer["phone"]
    body: dict = {"contactDetails": contact, "project": {"id": project.id}}
    first, _, last = customer["name"].strip().rpartition(" ")
    if customer.get("company"):
        body.update(customerType="company", name=customer["company"])
    elif not first:
        # customer.create.v2: a person needs firstname and lastname, a company only `name`.
        # A one-word name is kept whole as the customer's one name, addressed as "other"
        # rather than as a company (docs/api.md, "One-word names").
        body.update(customerType="company", name=last, salutation="other")
    else:
        body.update(customerType="person", firstname=first, lastname=last)
    return body
