"""Subscribers in and out as CSV: the export for an external email provider, and imports.

The export lists the confirmed subscribers only, read in chunks (the file
is streamed, never held whole). An import never goes around the
suppression list: an address that unsubscribed, complained or bounced is
skipped and counted, whatever the file says.
"""

import csv
import io

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from .. import audit
from ..models import ConsentAction, ConsentChannel, ConsentPurpose
from .addresses import address_hash, normalise
from .models import Channel, Subscription
from .subscriptions import own_records, request_subscription

EXPORT_COLUMNS = ("email", "subscribed_at", "language", "source")


class Echo:
    """A file-like object whose ``write`` returns the line: for ``csv.writer`` in a stream."""

    def write(self, value):
        return value


def export_rows(chunk_size=2000):
    """The CSV lines of the confirmed subscribers, header first (an iterator of strings)."""
    writer = csv.writer(Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    subscribed = (
        Subscription.objects.filter(state=Subscription.State.SUBSCRIBED)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", "confirmed_at", "language", "source")
    )
    for address, confirmed_at, language, source in subscribed.iterator(chunk_size=chunk_size):
        yield writer.writerow(
            [address, confirmed_at.isoformat() if confirmed_at else "", language, source]
        )


def record_export(*, actor=None, request=None):
    """Audit that someone took the subscriber list out of the shop."""
    count = Subscription.objects.filter(state=Subscription.State.SUBSCRIBED).count()
    audit.record("newsletter.exported", actor=actor, request=request, data={"subscribers": count})
    return count


def read_addresses(text):
    """The addresses of a CSV text: the ``email`` column, or the first one."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    column = header.index("email") if "email" in header else 0
    body = rows[1:] if "email" in header or "@" not in rows[0][column] else rows
    return [row[column].strip() for row in body if len(row) > column and row[column].strip()]


def import_addresses(addresses, *, confirmed=False, actor=None, request=None):
    """Add ``addresses`` to the list; returns counts by outcome.

    ``confirmed=True`` subscribes them at once, for people who confirmed
    elsewhere (the shop keeps the proof); a consent is recorded for each,
    channel ``staff``. Otherwise each receives a confirmation link. Outcomes:
    ``added``, ``pending``, ``already``, ``suppressed`` (unsubscribed,
    complained or bounced: never re-added by an import) and ``invalid``.
    """
    counts = dict.fromkeys(("added", "pending", "already", "suppressed", "invalid"), 0)
    seen = set()
    for raw in addresses:
        address = normalise(raw)
        try:
            validate_email(address)
        except ValidationError:
            counts["invalid"] += 1
            continue
        key = address_hash(address)
        if key in seen:
            continue
        seen.add(key)
        counts[_import_one(address, key, confirmed)] += 1
    audit.record(
        "newsletter.imported",
        actor=actor,
        request=request,
        data={"confirmed": confirmed, **counts},
    )
    return counts


def _import_one(address, key, confirmed):
    existing = Subscription.objects.filter(email_hash=key).values_list("state", flat=True).first()
    if existing in Subscription.SUPPRESSED:
        return "suppressed"
    if existing is not None:
        return "already"
    if not confirmed:
        request_subscription(address, via=Channel.IMPORT)
        return "pending"
    from ..consent import record_consents

    now = timezone.now()
    with transaction.atomic():
        _subscription, created = Subscription.objects.get_or_create(
            email_hash=key,
            defaults={
                "email": address,
                "state": Subscription.State.SUBSCRIBED,
                "source": Channel.IMPORT,
                "confirmed_at": now,
                "changed_at": now,
            },
        )
        if created:
            with own_records():
                record_consents(
                    [(ConsentPurpose.NEWSLETTER, ConsentAction.GIVEN, None)],
                    channel=ConsentChannel.STAFF,
                    email=address,
                )
    return "added" if created else "already"
