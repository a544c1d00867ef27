"""`manage.py prune_stock_history --days N`: drop old snapshots (latest ones are kept)."""

from django.core.management.base import BaseCommand

from stock.snapshots import snapshots_prune


class Command(BaseCommand):
    help = "Delete stock snapshots older than N days, keeping each product's latest."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, required=True)

    def handle(self, *args, **options):
        self.stdout.write(f"{snapshots_prune(older_than_days=options['days'])} rows deleted.")
