"""Write the confirmed newsletter subscribers as CSV, for an external email provider."""

from django.core.management.base import BaseCommand

from oscar_privacy.csvfiles import write_csv
from oscar_privacy.newsletter.transfer import record_export, subscriber_rows


class Command(BaseCommand):
    help = "Write the confirmed newsletter subscribers as CSV (audited)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="A file to write; standard output by default.")

    def handle(self, *args, output=None, **options):
        count = record_export()
        stream = open(output, "w", encoding="utf-8", newline="") if output else self.stdout
        try:
            write_csv(stream, subscriber_rows())
        finally:
            if output:
                stream.close()
        self.stderr.write(f"{count} subscribers exported.")
