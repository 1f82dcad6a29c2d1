"""Subscribers in and out as CSV: the export for an external email provider, and lists of addresses.

The export lists the confirmed subscribers only, read in chunks and written
by :mod:`oscar_privacy.csvfiles` (the file is streamed, never held whole, and
no address runs as a spreadsheet formula). Files are imported by
:mod:`.imports`, in a background task; :func:`import_addresses` adds a list
already in memory, with the same rules.
"""

from django.utils import timezone, translation

from .. import audit
from ..csvfiles import csv_lines
from . import emails, tokens
from .address_files import clean_address, read_lines, text_chunks
from .imports import COUNTS, IMPORT_BATCH_SIZE, add_addresses
from .models import Subscription

EXPORT_COLUMNS = ("email", "subscribed_at", "language", "source")


def subscriber_rows(chunk_size=2000):
    """The rows of the export: the header, then one per confirmed subscriber."""
    yield EXPORT_COLUMNS
    subscribed = (
        Subscription.objects.filter(state=Subscription.State.SUBSCRIBED)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", "confirmed_at", "language", "source")
    )
    for address, confirmed_at, language, source in subscribed.iterator(chunk_size=chunk_size):
        yield (address, confirmed_at.isoformat() if confirmed_at else "", language, source)


def export_rows(chunk_size=2000):
    """The CSV lines of the export (an iterator of strings), formulas neutralised."""
    return csv_lines(subscriber_rows(chunk_size=chunk_size))


def record_export(*, actor=None, request=None):
    """Audit that someone took the subscriber list out of the shop."""
    count = Subscription.objects.filter(state=Subscription.State.SUBSCRIBED).count()
    audit.record("newsletter.exported", actor=actor, request=request, data={"subscribers": count})
    return count


def read_addresses(text):
    """The cells of the address column of a CSV text (the ``email`` column, or the first one).

    Blank lines, the header and lines that cannot be read are left out.
    """
    return [line.cell.strip() for line in read_lines(text_chunks(text)) if line.cell.strip()]


def import_addresses(addresses, *, confirmed=False, actor=None, request=None):
    """Add the ``addresses`` of a list to the newsletter; returns counts by outcome (audited).

    ``confirmed=True`` subscribes them at once, for people who confirmed
    elsewhere (the shop keeps the proof); a consent is recorded for each,
    channel ``staff``. Otherwise each receives a confirmation link. The
    outcomes are those of :data:`~.imports.COUNTS`.
    """
    totals = dict.fromkeys(COUNTS, 0)
    batch, since = [], timezone.now()
    for raw in [*addresses, None]:
        if raw is not None:
            address = clean_address(raw)
            if address:
                batch.append(address)
            else:
                totals["invalid"] += 1
        if batch and (raw is None or len(batch) >= IMPORT_BATCH_SIZE):
            counts, created = add_addresses(batch, confirmed=confirmed, since=since)
            emails.send_confirmations(
                ((email, tokens.confirm_token(row)) for row, email in created),
                language=translation.get_language() or "",
            )
            totals = {name: totals[name] + counts[name] for name in COUNTS}
            batch = []
    audit.record(
        "newsletter.imported", actor=actor, request=request, data={"confirmed": confirmed, **totals}
    )
    return totals
