"""Add the addresses of a CSV file to the newsletter, past nobody on the suppression list."""

from django.core.management.base import BaseCommand, CommandError

from oscar_privacy.newsletter.address_files import ERRORS
from oscar_privacy.newsletter.imports import COUNTS, import_now, stalled_imports
from oscar_privacy.newsletter.tasks import import_subscribers_task

CHUNK = 64 * 1024


class Command(BaseCommand):
    help = (
        "Import newsletter addresses from a CSV file (an 'email' column, or the first), "
        "line by line: lines without a valid address are reported by number. "
        "Addresses that unsubscribed are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?")
        parser.add_argument(
            "--confirmed",
            action="store_true",
            help="The people already confirmed elsewhere and you keep the proof: subscribe "
            "them at once instead of emailing each a confirmation link.",
        )
        parser.add_argument(
            "--resume",
            action="store_true",
            help="Queue again the imports started from the subscribers page whose worker stopped.",
        )

    def handle(self, *args, path=None, confirmed=False, resume=False, **options):
        if resume:
            ids = list(stalled_imports().values_list("pk", flat=True))
            for pk in ids:
                import_subscribers_task.enqueue(pk)
            self.stdout.write(f"{len(ids)} import(s) queued.")
            return
        if not path:
            raise CommandError("Give the path of a CSV file, or --resume.")
        try:
            source = open(path, "rb")  # closed by the with below
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
        with source:
            job = import_now(iter(lambda: source.read(CHUNK), b""), confirmed=confirmed)
        self.stdout.write(", ".join(f"{name}: {job.counts.get(name, 0)}" for name in COUNTS))
        for number, code in job.errors:
            self.stderr.write(f"line {number}: {ERRORS.get(code, code)}")
        if job.error_count > len(job.errors):
            self.stderr.write(f"… and {job.error_count - len(job.errors)} more lines refused.")
