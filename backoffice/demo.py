"""Demo names: Xentral's payment and shipping methods and reference targets cached at once, so
the admin shows names before the daily schedule first runs."""

from backoffice.xentral.names import xentral_names_sync


def populate(*, channel, stdout) -> None:
    counts = xentral_names_sync()
    stdout.write(
        "names: "
        + ", ".join(f"{count} {kind.replace('_', ' ')}s" for kind, count in counts.items())
        + "\n"
    )
