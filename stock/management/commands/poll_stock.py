"""`manage.py poll_stock [--all] [--sku SKU ...]`: one stock poll now."""

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Product
from stock.poller import stock_poll_cycle
from stock.snapshots import stock_refresh


class Command(BaseCommand):
    help = "Poll stock within the stock budget, or refresh every / the given products now."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="refresh every stock product")
        parser.add_argument("--sku", nargs="+", default=[], help="refresh just these SKUs")

    def handle(self, *args, **options):
        if options["all"] or options["sku"]:
            products = Product.objects.filter(is_stock_item=True)
            if options["sku"]:
                products = products.filter(number__in=options["sku"])
                unknown = set(options["sku"]) - set(products.values_list("number", flat=True))
                if unknown:
                    raise CommandError(f"Unknown SKU(s): {', '.join(sorted(unknown))}")
            written = stock_refresh(products=list(products))
            self.stdout.write(
                f"{products.count()} products refreshed, {written} snapshots written."
            )
            return
        cycle = stock_poll_cycle()
        self.stdout.write(
            f"checked {cycle.products_checked}, refreshed {cycle.products_refreshed}, "
            f"{cycle.calls_spent} calls of {cycle.budget}, {cycle.snapshots_written} snapshots."
        )
