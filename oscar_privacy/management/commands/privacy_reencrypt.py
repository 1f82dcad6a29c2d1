"""``manage.py privacy_reencrypt``: re-encrypt what is stored with the newest key."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from oscar_privacy.rotation import DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, reencrypt_all


def _batch_size(value):
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_BATCH_SIZE:
        raise ValueError(value)
    return number


_batch_size.__name__ = f"whole number from 1 to {MAX_BATCH_SIZE}"


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field value and every stored export archive with the first "
        "key of OSCAR_PRIVACY_ENCRYPTION_KEYS. Run it after putting a new key first, before "
        "removing an old one."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be re-encrypted; change nothing.",
        )
        parser.add_argument(
            "--batch-size",
            type=_batch_size,
            default=DEFAULT_BATCH_SIZE,
            metavar="N",
            help=f"Rows per batch, each batch one transaction (default {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument(
            "--only",
            choices=("fields", "exports"),
            help="Only the encrypted database fields, or only the export archives.",
        )

    def handle(self, *args, **options):
        dry_run = options["dry_run"]
        results = reencrypt_all(
            only=options["only"], dry_run=dry_run, batch_size=options["batch_size"]
        )
        for result in results:
            self._summary(result)
        problems = sum(result.problems for result in results)
        if problems:
            raise CommandError(
                ngettext(
                    "%(count)s item could not be re-encrypted (listed above) and was left "
                    "unchanged: keep the old keys until it is dealt with.",
                    "%(count)s items could not be re-encrypted (listed above) and were left "
                    "unchanged: keep the old keys until they are dealt with.",
                    problems,
                )
                % {"count": problems}
            )
        if dry_run:
            self.stdout.write(_("Dry run: nothing was changed."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Everything is encrypted with the first key: the other keys can be removed.")
                )
            )

    def _summary(self, result):
        counts = {
            "label": result.label,
            "reencrypted": result.reencrypted,
            "current": result.current,
            "unreadable": result.unreadable,
        }
        if result.dry_run:
            line = (
                _(
                    "%(label)s: %(reencrypted)s to re-encrypt, %(current)s already current, "
                    "%(unreadable)s unreadable"
                )
                % counts
            )
        else:
            line = (
                _(
                    "%(label)s: %(reencrypted)s re-encrypted, %(current)s already current, "
                    "%(unreadable)s unreadable"
                )
                % counts
            )
        if result.failed:
            line += _(", %(failed)s failed (storage error)") % {"failed": result.failed}
        self.stdout.write(self.style.WARNING(line) if result.problems else line)
        if result.unreadable_ids:
            self.stdout.write(
                _("  unreadable, by id: %(ids)s")
                % {"ids": self._ids(result.unreadable_ids, result.unreadable)}
            )
        if result.failed_ids:
            self.stdout.write(
                _("  failed, by id: %(ids)s") % {"ids": self._ids(result.failed_ids, result.failed)}
            )

    def _ids(self, ids, total):
        # The result keeps the first ids only; say so when there are more.
        text = ", ".join(ids)
        if total > len(ids):
            text += " " + _("(and %(count)s more)") % {"count": total - len(ids)}
        return text
