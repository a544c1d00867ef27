"""The staff groups that come with the hub: each group's permissions listed once, applied after
every migrate (and flush)."""

from django.apps import AppConfig
from django.contrib.auth.models import Group, Permission

# Group -> app label -> permission codenames. Plain strings, so this lowest layer names the
# upper apps' permissions without importing them. This table is the truth: after a migrate each
# group holds exactly these permissions of each listed app (changes made in the admin to these
# groups are undone; make other groups for other needs).
STAFF_GROUPS: dict[str, dict[str, list[str]]] = {
    "Order operators": {
        "orders": [
            "view_orderrequest",
            "resubmit_orderrequest",  # resubmit, edit-and-resubmit, mark resolved
            "view_orderevent",
            "view_webhookdelivery",
            "view_customerlink",
            "change_customerlink",
        ],
        # What a failed order's fix links open: the product search, the mapping form and
        # mapping health, and the channel's payment and shipping mapping (read only).
        "catalog": ["view_product", "view_externalreference", "add_externalreference"],
        "backoffice": ["view_channel"],
        # A Centra order's shipment Centra refused or holds unpaid: see it and send it again.
        # The mapping-health page links to the stock pushed to Centra.
        "centra": [
            "view_centraorder",
            "view_centrashipment",
            "retry_centrashipment",
            "view_centrastockitem",
        ],
    },
    "Catalog managers": {
        "catalog": [
            "view_product",
            "add_productimport",  # upload a catalog (dry run only)
            "view_productimport",
            "apply_productimport",  # apply an import or re-run its failed rows in Xentral
            "view_importrow",
            "add_externalreference",
            "change_externalreference",  # deactivate a mapping (here and in Xentral)
            "view_externalreference",
        ],
        "centra": ["view_centrastockitem"],  # linked from the mapping-health page
    },
    "Stock viewers": {
        "stock": [
            "view_productstock",
            "view_stocksnapshot",
            "view_warehouse",
            "view_storagelocation",
            "view_stockalert",
            "view_pollcycle",
        ],
        "centra": ["view_centrastockitem"],  # what each product was last told in Centra
    },
    "Stock managers": {
        "stock": [
            "view_productstock",
            "view_stocksnapshot",
            "view_warehouse",
            "view_storagelocation",
            "view_stockalert",
            "view_pollcycle",
            "acknowledge_stockalert",  # in bulk; an alert still resolves by itself
            "refresh_productstock",  # read a product's stock from Xentral now (spends stock budget)
        ],
        "centra": ["view_centrastockitem"],
    },
}


def staff_groups_ensure(sender: AppConfig, using: str = "default", **kwargs) -> None:
    """post_migrate receiver: give each group exactly its listed permissions of the app just
    migrated (auth creates an app's permissions in its own post_migrate receiver, which runs
    first because auth is installed before the hub's apps)."""
    for name, by_app in STAFF_GROUPS.items():
        if sender.label not in by_app:
            continue
        group, _ = Group.objects.using(using).get_or_create(name=name)
        wanted = Permission.objects.using(using).filter(
            content_type__app_label=sender.label, codename__in=by_app[sender.label]
        )
        current = group.permissions.filter(content_type__app_label=sender.label)
        group.permissions.remove(*current.exclude(pk__in=wanted))
        group.permissions.add(*wanted)
