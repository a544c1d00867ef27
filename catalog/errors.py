"""Faults the catalog detects itself; what Xentral answered stays a `backoffice.xentral.errors`
class, so a message never blames Xentral for the hub's own checks."""


class CatalogError(Exception):
    """A catalog rule refused the operation; the message says why and what to fix."""


class ReferenceTaken(CatalogError):
    """The foreign number of this target maps to another product already."""


class MatrixParentMissing(CatalogError):
    """A variant's matrix parent is not in the product index (it failed or was never created)."""


class VariantNotCreated(CatalogError):
    """Xentral accepted createVariants but the variant is not among the parent's variants."""


class ImportNotApplicable(CatalogError):
    """The import is applying or done already; applying it again would start a second run."""

    def __init__(self, message: str, *, status: str):
        super().__init__(message)
        self.status = status
