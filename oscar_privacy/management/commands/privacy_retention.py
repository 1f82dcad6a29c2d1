"""``manage.py privacy_retention``: apply the retention rules (``OSCAR_PRIVACY_RETENTION``)."""

import json

from django.core.management.base import BaseCommand, CommandError

from oscar_privacy.exceptions import PrivacyConfigurationError
from oscar_privacy.retention.apply import DEFAULT_BATCH_SIZE, apply_rules, select_rules


def _positive_int(value):
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ValueError(value)
    return number


def _seconds(value):
    number = float(value)
    if not number >= 0:  # also refuses NaN
        raise ValueError(value)
    return number


_positive_int.__name__ = "positive whole number"
_seconds.__name__ = "number of seconds (0 or more)"


class Command(BaseCommand):
    help = (
        "Apply the retention rules: delete or anonymise the personal data whose period has run. "
        "Safe to run again, and by two workers at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be deleted or anonymised; change nothing.",
        )
        parser.add_argument(
            "--rule",
            action="append",
            metavar="NAME",
            help="Apply only this rule (repeat for several). Default: every rule.",
        )
        parser.add_argument(
            "--batch-size",
            type=_positive_int,
            default=DEFAULT_BATCH_SIZE,
            metavar="N",
            help=f"Rows per batch, each batch one transaction (default {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument(
            "--max-seconds",
            type=_seconds,
            default=None,
            metavar="S",
            help="Stop between batches after S seconds; the next run goes on from there.",
        )
        parser.add_argument(
            "--report",
            choices=("text", "json"),
            default="text",
            help="text (progress lines and a summary, the default) or json (one document).",
        )

    def handle(self, *args, **options):
        text = options["report"] == "text"
        try:
            # Every rule is validated before anything changes.
            select_rules(options["rule"])
        except PrivacyConfigurationError as exc:
            raise CommandError(str(exc)) from exc
        try:
            results = apply_rules(
                options["rule"],
                dry_run=options["dry_run"],
                batch_size=options["batch_size"],
                max_seconds=options["max_seconds"],
                progress=self._progress if text else None,
            )
        except PrivacyConfigurationError as exc:
            raise CommandError(str(exc)) from exc
        if text:
            self._summary(results, options["dry_run"])
        else:
            document = {
                "dry_run": options["dry_run"],
                "rules": [result.as_dict() for result in results],
                "not_automated": [r.rule for r in results if not r.automated],
                "stopped_early": any(r.stopped_early for r in results),
            }
            self.stdout.write(json.dumps(document, indent=2))

    def _progress(self, result, step, counts):
        changed = ", ".join(f"{label}: {rows}" for label, rows in sorted(counts.items()))
        self.stdout.write(f"{result.rule} [{step.label}] batch {result.batches}: {changed or '0'}")

    def _summary(self, results, dry_run):
        verb = "would change" if dry_run else "changed"
        for result in results:
            if not result.automated:
                self.stdout.write(
                    self.style.WARNING(f"{result.rule}: not automated yet (nothing done)")
                )
                continue
            line = f"{result.rule}: {verb} {result.total} row(s)"
            if result.counts:
                details = ", ".join(f"{k}: {v}" for k, v in sorted(result.counts.items()))
                line += f" ({details})"
            if result.stopped_early:
                line += " - stopped early (--max-seconds), run again to finish"
            self.stdout.write(line)
