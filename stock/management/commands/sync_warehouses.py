"""`manage.py sync_warehouses`: cache Xentral's warehouses and storage locations."""

from django.core.management.base import BaseCommand

from stock.warehouses import warehouses_sync


class Command(BaseCommand):
    help = "Cache warehouses and storage locations (with their flags) from Xentral."

    def handle(self, *args, **options):
        warehouses, locations = warehouses_sync()
        self.stdout.write(f"{warehouses} warehouses, {locations} storage locations cached.")
