"""`manage.py sync_products [--full]`: bring the product index up to date with Xentral."""

from django.core.management.base import BaseCommand, CommandError

from backoffice.models import Purpose
from backoffice.xentral.client import XentralClient
from backoffice.xentral.errors import XentralError
from catalog.index import products_sync
from catalog.models import Product


class Command(BaseCommand):
    help = "Sync the hub's product index from Xentral (only what changed, unless --full)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="read every product again")

    def handle(self, *args, **options):
        client = XentralClient(purpose=Purpose.SYNC)
        before = Product.objects.count()
        try:
            stored = products_sync(full=options["full"], client=client)
        except XentralError as exc:
            raise CommandError(f"sync failed: {exc.problem_text}") from exc
        total = Product.objects.count()
        # The sync only adds or updates rows (renumbering aside), so the growth is what was new.
        created = max(0, total - before)
        self.stdout.write(
            f"{'full' if options['full'] else 'incremental'} sync: "
            f"{client.calls_made} pages (Xentral calls), {stored} products read, "
            f"{created} created, {stored - created} updated; the index holds {total} products."
        )
