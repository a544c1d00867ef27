"""Gross shop prices to Xentral's net prices: the one place the tax rates are applied."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

NET_PLACES = Decimal("0.0001")
DEFAULT_CATEGORY = "standard"


class UnknownTaxCategory(Exception):
    """A product's sales tax category has no rate in `TAX_RATES`: a configuration fault of the
    hub, never guessed."""

    def __init__(self, category: str):
        self.category = category
        known = ", ".join(sorted(settings.TAX_RATES)) or "none"
        super().__init__(
            f"Sales tax category '{category}' has no rate in TAX_RATES (known: {known})"
        )


def tax_rate(category: str) -> Decimal:
    """The rate in percent of a sales tax category; an empty category is the standard one."""
    category = category or DEFAULT_CATEGORY
    try:
        return settings.TAX_RATES[category]
    except KeyError:
        raise UnknownTaxCategory(category) from None


def net_from_gross(gross: Decimal, category: str) -> Decimal:
    """net = gross / (1 + rate), rounded half-up to four places (Xentral's precision)."""
    rate = tax_rate(category)
    return (gross / (1 + rate / Decimal(100))).quantize(NET_PLACES, ROUND_HALF_UP)
