"""Importing a CSV file of addresses: started by staff, run by a background task in batches.

:func:`start_import` is all a request does: the upload is written encrypted
(:class:`~oscar_privacy.crypto.EncryptedWriter`) to the private storage
``OSCAR_PRIVACY_EXPORT_STORAGE``, a :class:`~.models.SubscriberImport`
records it, the audit trail says who started it, and the task
:func:`~.tasks.import_subscribers_task` is queued. The task
(:func:`run_import`) reads the file back a chunk at a time
(:func:`~oscar_privacy.crypto.decrypted_chunks`), line by line
(:mod:`.address_files`), and applies :data:`IMPORT_BATCH_SIZE` lines per
transaction with the same few queries whatever the batch holds; each batch
saves the progress staff see, so a worker that stops is resumed where it
stopped. The file is deleted when the import ends.

An import never goes around the suppression list: an address that
unsubscribed, complained or bounced is skipped and counted, whatever the
file says. A refused line is counted and its number kept with the reason,
never its content.
"""

import contextlib
import datetime
import logging
import tempfile

from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from .. import audit
from ..conf import app_settings
from ..consent import record_consents_of_many
from ..crypto import DecryptionError, EncryptedWriter, decrypted_chunks
from ..models import ConsentAction, ConsentChannel, ConsentPurpose
from . import emails, tokens
from .address_files import read_lines
from .addresses import address_hash
from .models import Channel, SubscriberImport, Subscription
from .subscriptions import own_records

logger = logging.getLogger(__name__)

IMPORT_BATCH_SIZE = 500
"""Lines of a file applied per transaction."""

ERRORS_KEPT = 1000
"""Refused lines whose number and reason are kept for the import's page; the rest are counted."""

LEASE = datetime.timedelta(minutes=10)
"""How long a worker may go without finishing a batch before another run takes over."""

COUNTS = ("added", "pending", "already", "duplicate", "suppressed", "invalid")
"""An import's outcomes: subscribed at once, asked to confirm, already on the list, a repeat
of an earlier line, on the suppression list, refused line."""

Status = SubscriberImport.Status


def get_storage():
    """The private storage that holds imports while they run (the data exports' one)."""
    return storages[app_settings.EXPORT_STORAGE]


def _context(job):
    return f"oscar_privacy.newsletter.import:{job.pk}".encode()


def start_import(chunks, *, confirmed=False, actor=None, request=None):
    """Store the file given as byte ``chunks`` (encrypted), record and audit it, queue its task.

    Returns the ``SubscriberImport``. The task is queued once the transaction
    commits.
    """
    from .tasks import import_subscribers_task

    with transaction.atomic():
        job = store_import(chunks, confirmed=confirmed, actor=actor, request=request)
        transaction.on_commit(lambda: import_subscribers_task.enqueue(job.pk))
    return job


def store_import(chunks, *, confirmed=False, actor=None, request=None):
    """A new import, not yet queued: its file stored encrypted, its start audited."""
    storage = get_storage()
    name = ""
    try:
        with transaction.atomic():
            job = SubscriberImport.objects.create(created_by=actor, confirmed=confirmed)
            with tempfile.TemporaryFile() as encrypted:
                with EncryptedWriter(encrypted, context=_context(job)) as writer:
                    for chunk in chunks:
                        writer.write(chunk)
                size = writer.tell()
                encrypted.seek(0)
                name = storage.save(f"newsletter-imports/{job.pk}.csv.enc", File(encrypted))
            job.file_name, job.size = name, size
            job.save(update_fields=["file_name", "size"])
            audit.record(
                "newsletter.import_started",
                actor=actor,
                target=job,
                request=request,
                data={"bytes": size, "confirmed": confirmed},
            )
    except BaseException:
        if name:
            _delete_file(name)
        raise
    return job


def run_import(import_id, *, batch_size=None):
    """Run (or resume) the import ``import_id``; returns it, or ``None`` if there is nothing to run.

    Safe to run twice: a run claims the import first, and one already
    running is taken over only once its lease has run out.
    """
    job = _claim(import_id)
    if job is None:
        return None
    try:
        with get_storage().open(job.file_name, "rb") as source:
            lines = read_lines(decrypted_chunks(source, _context(job)))
            apply_lines(job, lines, batch_size=batch_size)
    except (DecryptionError, OSError):
        logger.exception("Newsletter import %s could not read its file.", job.pk)
        return _end(job, Status.FAILED)
    return _end(job, Status.DONE)


def import_now(chunks, *, confirmed=False, batch_size=None):
    """Import a file at once, in this process (the management command): returns the import."""
    job = SubscriberImport.objects.create(confirmed=confirmed, status=Status.RUNNING)
    SubscriberImport.objects.filter(pk=job.pk).update(started_at=job.created_at)
    job.started_at = job.created_at
    audit.record("newsletter.import_started", target=job, data={"confirmed": confirmed})
    apply_lines(job, read_lines(chunks), batch_size=batch_size)
    return _end(job, Status.DONE)


def _claim(import_id):
    now = timezone.now()
    claimed = (
        SubscriberImport.objects.filter(pk=import_id)
        .filter(Q(status=Status.QUEUED) | Q(status=Status.RUNNING, lease_until__lt=now))
        .exclude(file_name="")
        .update(
            status=Status.RUNNING,
            started_at=Coalesce(F("started_at"), Value(now)),
            lease_until=now + LEASE,
        )
    )
    return SubscriberImport.objects.get(pk=import_id) if claimed else None


def apply_lines(job, lines, *, batch_size=None):
    """Apply the :class:`~.address_files.Line` s of ``job``'s file, a batch per transaction.

    Lines up to ``job.lines_read`` were applied by an earlier run and are skipped.
    """
    batch_size = batch_size or IMPORT_BATCH_SIZE
    addresses, refused, last = [], [], None
    for line in lines:
        if line.number <= job.lines_read:
            continue
        last = line
        if line.error:
            refused.append([line.number, line.error])
        elif line.address:
            addresses.append(line.address)
        if line.number - job.lines_read >= batch_size:
            _apply_batch(job, addresses, refused, last)
            addresses, refused = [], []
    if last is not None and last.number > job.lines_read:
        _apply_batch(job, addresses, refused, last)


def _apply_batch(job, addresses, refused, last):
    """One transaction: the batch's subscriptions, consents and the import's progress."""
    with transaction.atomic():
        counts, created = add_addresses(addresses, confirmed=job.confirmed, since=job.started_at)
        counts["invalid"] = len(refused)
        job.counts = {name: job.counts.get(name, 0) + counts.get(name, 0) for name in COUNTS}
        job.errors = job.errors + refused[: max(0, ERRORS_KEPT - len(job.errors))]
        job.error_count += len(refused)
        job.lines_read, job.bytes_read = last.number, last.end
        SubscriberImport.objects.filter(pk=job.pk).update(
            counts=job.counts,
            errors=job.errors,
            error_count=job.error_count,
            lines_read=job.lines_read,
            bytes_read=job.bytes_read,
            lease_until=timezone.now() + LEASE,
        )
    # After the commit: a link is never sent for a row that was rolled back.
    emails.send_confirmations(
        ((email, tokens.confirm_token(subscription)) for subscription, email in created),
        language=translation.get_language() or "",
    )


def add_addresses(addresses, *, confirmed=False, since=None):
    """Add valid ``addresses`` to the list in a few queries; returns ``(counts, created)``.

    ``created`` lists ``(subscription, email)`` of the rows made pending,
    whose confirmation link is to be sent (none when ``confirmed``: they
    are subscribed at once, with a consent record each, channel ``staff``).
    A repeat of an address seen earlier in the batch, or made by the same
    import (a row from the import newer than ``since``), is a ``duplicate``.
    """
    counts = dict.fromkeys(COUNTS, 0)
    wanted = {}
    for address in addresses:
        key = address_hash(address)
        if key in wanted:
            counts["duplicate"] += 1
        else:
            wanted[key] = address
    existing = Subscription.objects.filter(email_hash__in=list(wanted)).values_list(
        "email_hash", "state", "source", "created_at"
    )
    for key, state, source, created_at in existing:
        del wanted[key]
        if state in Subscription.SUPPRESSED:
            counts["suppressed"] += 1
        elif since is not None and source == Channel.IMPORT and created_at >= since:
            counts["duplicate"] += 1
        else:
            counts["already"] += 1
    if not wanted:
        return counts, []
    now = timezone.now()
    state = Subscription.State.SUBSCRIBED if confirmed else Subscription.State.PENDING
    language = translation.get_language() or ""
    Subscription.objects.bulk_create(
        [
            Subscription(
                email=address,
                email_hash=key,
                state=state,
                source=Channel.IMPORT,
                language=language,
                created_at=now,
                requested_at=now,
                changed_at=now,
                confirmed_at=now if confirmed else None,
            )
            for key, address in wanted.items()
        ],
        ignore_conflicts=True,  # an address added meanwhile by someone else is "already"
    )
    made = list(
        Subscription.objects.filter(
            email_hash__in=list(wanted), source=Channel.IMPORT, created_at=now
        ).only("pk", "generation", "email")
    )
    counts["already"] += len(wanted) - len(made)
    if confirmed:
        counts["added"] = len(made)
        with own_records():
            record_consents_of_many(
                [(None, subscription.email) for subscription in made],
                [(ConsentPurpose.NEWSLETTER, ConsentAction.GIVEN, None)],
                channel=ConsentChannel.STAFF,
            )
        return counts, []
    counts["pending"] = len(made)
    return counts, [(subscription, subscription.email) for subscription in made]


def _end(job, status):
    """Mark ``job`` done or failed, delete its file, and audit the result."""
    now = timezone.now()
    SubscriberImport.objects.filter(pk=job.pk).update(
        status=status, finished_at=now, lease_until=None, file_name=""
    )
    if job.file_name:
        _delete_file(job.file_name)
    job.refresh_from_db()
    audit.record(
        "newsletter.imported" if status == Status.DONE else "newsletter.import_failed",
        actor=job.created_by,
        target=job,
        data={
            "confirmed": job.confirmed,
            "lines": job.lines_read,
            **{name: job.counts.get(name, 0) for name in COUNTS},
        },
    )
    return job


def _delete_file(name):
    with contextlib.suppress(OSError):
        get_storage().delete(name)


def stalled_imports():
    """Imports whose worker stopped: queued or running, with no live lease."""
    return SubscriberImport.objects.filter(
        Q(status=Status.QUEUED, created_at__lt=timezone.now() - LEASE)
        | Q(status=Status.RUNNING, lease_until__lt=timezone.now())
    ).exclude(file_name="")
