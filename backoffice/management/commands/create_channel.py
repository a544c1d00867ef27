"""`manage.py create_channel NAME --scopes ...`: a channel and its first API key."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from backoffice.models import Channel
from backoffice.services import channel_create, parse_scopes


def parse_map(pairs: list[str], option: str) -> dict[str, str]:
    """`code=ID` pairs -> {code: ID}; a malformed pair is a clear error."""
    mapping = {}
    for pair in pairs or []:
        code, sep, method_id = pair.partition("=")
        if not sep or not code.strip() or not method_id.strip().isdigit():
            raise CommandError(f"{option} takes code=ID with a numeric Xentral id, not {pair!r}")
        mapping[code.strip()] = method_id.strip()
    return mapping


def numeric(value: str | None, option: str) -> str:
    if value in (None, ""):
        return ""
    if not str(value).isdigit():
        raise CommandError(f"{option} takes a numeric Xentral id, not {value!r}")
    return str(value)


class Command(BaseCommand):
    help = "Create a sales channel and print its new API key (alone on the last line)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--scopes", required=True, help="comma-separated, e.g. orders:write")
        parser.add_argument("--project-id", default="1")
        parser.add_argument("--allow-customer-creation", action="store_true")
        parser.add_argument(
            "--allow-customer-number",
            action="store_true",
            help="The channel may order for existing customers by their Xentral number.",
        )
        parser.add_argument("--webhook-url", default="")
        parser.add_argument("--webhook-secret", default="")
        parser.add_argument("--payment-default")
        parser.add_argument("--shipping-default")
        parser.add_argument("--payment-map", nargs="*", default=[], metavar="CODE=ID")
        parser.add_argument("--shipping-map", nargs="*", default=[], metavar="CODE=ID")
        parser.add_argument("--sales-channel-id")

    def handle(self, *args, **options):
        name = options["name"].strip()
        if not name:
            raise CommandError("The channel needs a name.")
        if Channel.objects.filter(name=name).exists():
            raise CommandError(f"A channel named {name!r} exists already.")
        try:
            scopes = parse_scopes(options["scopes"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if not scopes:
            raise CommandError("Give at least one scope with --scopes.")
        if options["webhook_url"] and not options["webhook_secret"]:
            raise CommandError("--webhook-url needs --webhook-secret to sign the deliveries.")
        try:
            channel, raw_key = self._create(name, scopes, options)
        except ValidationError as exc:
            problems = [f"{field}: {'; '.join(m)}" for field, m in exc.message_dict.items()]
            raise CommandError("; ".join(problems)) from None
        self.stdout.write(f"Channel {channel.name!r} created with scopes {', '.join(scopes)}.")
        self.stdout.write("Its API key (shown once; only a hash is stored):")
        self.stdout.write(raw_key)

    def _create(self, name: str, scopes: list[str], options: dict):
        return channel_create(
            name=name,
            scopes=scopes,
            project_id=numeric(options["project_id"], "--project-id") or "1",
            allow_customer_creation=options["allow_customer_creation"],
            allow_customer_number=options["allow_customer_number"],
            webhook_url=options["webhook_url"],
            webhook_secret=options["webhook_secret"],
            payment_default=numeric(options["payment_default"], "--payment-default"),
            shipping_default=numeric(options["shipping_default"], "--shipping-default"),
            payment_map=parse_map(options["payment_map"], "--payment-map"),
            shipping_map=parse_map(options["shipping_map"], "--shipping-map"),
            sales_channel_id=numeric(options["sales_channel_id"], "--sales-channel-id"),
        )
