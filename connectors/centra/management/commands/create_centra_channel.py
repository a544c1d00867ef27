"""`manage.py create_centra_channel NAME --graphql-url URL --token TOKEN --webhook-secret S
[--warehouse-map XENTRAL_ID=CENTRA_ID ...] [--project-id 1] [--events-queue]`: a Centra channel;
the last line printed is its webhook URL path alone."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from connectors.centra.services import centra_channel_create, webhook_path


def _warehouse_map(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        xentral_id, sep, centra_id = pair.partition("=")
        if not sep or not xentral_id.strip() or not centra_id.strip():
            raise CommandError(f"--warehouse-map takes XENTRAL_ID=CENTRA_ID, not '{pair}'")
        mapping[xentral_id.strip()] = centra_id.strip()
    return mapping


class Command(BaseCommand):
    help = "Create a Centra channel; prints its webhook URL path on the last line."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--graphql-url", required=True)
        parser.add_argument("--token", required=True)
        parser.add_argument("--webhook-secret", required=True)
        parser.add_argument("--warehouse-map", nargs="*", default=[], metavar="XENTRAL=CENTRA")
        parser.add_argument("--project-id", default="1")
        parser.add_argument(
            "--events-queue",
            action="store_true",
            help="Also read Centra's events queue (Centra enables it on request).",
        )

    def handle(self, *args, **options):
        try:
            centra = centra_channel_create(
                name=options["name"],
                graphql_url=options["graphql_url"],
                api_token=options["token"],
                webhook_secret=options["webhook_secret"],
                project_id=options["project_id"],
                warehouse_map=_warehouse_map(options["warehouse_map"]),
                use_events_queue=options["events_queue"],
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
            )
            raise CommandError(problems) from None
        self.stdout.write(f"Centra channel {centra.channel} (id {centra.channel_id}) created.")
        self.stdout.write(webhook_path(centra))
