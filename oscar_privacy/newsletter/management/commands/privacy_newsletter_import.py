"""Add the addresses of a CSV file to the newsletter, past nobody on the suppression list."""

from pathlib import Path

from django.core.management.base import BaseCommand

from oscar_privacy.newsletter.transfer import import_addresses, read_addresses


class Command(BaseCommand):
    help = (
        "Import newsletter addresses from a CSV file (an 'email' column, or the first). "
        "Addresses that unsubscribed are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--confirmed",
            action="store_true",
            help="The people already confirmed elsewhere and you keep the proof: subscribe "
            "them at once instead of emailing each a confirmation link.",
        )

    def handle(self, *args, path, confirmed=False, **options):
        addresses = read_addresses(Path(path).read_text(encoding="utf-8-sig"))
        counts = import_addresses(addresses, confirmed=confirmed)
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
