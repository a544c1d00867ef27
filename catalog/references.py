"""External references: a product's foreign number per target (a shop, a marketplace), kept in
the hub (Xentral cannot search by it) and mirrored to Xentral."""

from django.db import IntegrityError, transaction

from backoffice.models import Purpose
from backoffice.xentral.client import XentralClient
from catalog.errors import ReferenceTaken
from catalog.models import ExternalReference, Product


def _path(product: Product) -> str:
    return f"/api/v1/products/{product.xentral_id}/externalReferences"


def reference_body(*, target_id: str, number: str) -> dict:
    return {"name": f"target {target_id}", "number": number, "target": {"id": target_id},
            "isActive": True}  # fmt: skip


def _existing_mapping(*, product: Product, target_id: str, number: str):
    """This foreign number's mapping when it is the product's, else None; ReferenceTaken when
    it maps to another product."""
    existing = (
        ExternalReference.objects.select_related("product")
        .filter(target_id=target_id, number=number)
        .first()
    )
    if existing is None:
        return None
    if existing.product.xentral_id != product.xentral_id:
        raise ReferenceTaken(
            f"The foreign number {target_id}:{number} already maps to {existing.product.number}."
        )
    return existing


def external_reference_add(
    *, product: Product, target_id: str, number: str, client: XentralClient | None = None
) -> ExternalReference:
    """Map a foreign number to a product, in the hub and in Xentral (nothing is sent when the
    active mapping exists already, so a re-run creates nothing twice)."""
    existing = _existing_mapping(product=product, target_id=target_id, number=number)
    if existing and existing.is_active and existing.xentral_reference_id:
        return existing
    client = client or XentralClient(purpose=Purpose.CATALOG, subject=product)
    body = reference_body(target_id=target_id, number=number)
    reference_id = client.create(_path(product), body)
    return _reference_upsert(
        product=product, target_id=target_id, number=number, xentral_id=reference_id
    )


def _reference_upsert(
    *, product: Product, target_id: str, number: str, xentral_id: str
) -> ExternalReference:
    """Store the mapping; the product's older number for this target stops being active."""
    try:
        with transaction.atomic():
            ExternalReference.objects.filter(
                target_id=target_id, product=product, is_active=True
            ).exclude(number=number).update(is_active=False)
            reference, _ = ExternalReference.objects.update_or_create(
                target_id=target_id,
                number=number,
                defaults={"product": product, "xentral_reference_id": xentral_id,
                          "is_active": True},
            )  # fmt: skip
    except IntegrityError as exc:
        raise ReferenceTaken(f"{target_id}:{number} maps to another product already.") from exc
    return reference


def external_reference_deactivate(
    *, reference: ExternalReference, client: XentralClient | None = None
) -> None:
    """Stop using a mapping: inactive in the hub and in Xentral."""
    client = client or XentralClient(purpose=Purpose.CATALOG, subject=reference.product)
    if reference.xentral_reference_id:
        client.patch(
            _path(reference.product), [{"id": reference.xentral_reference_id, "isActive": False}]
        )
    reference.is_active = False
    reference.save(update_fields=["is_active"])
