"""Key rotation: re-encrypt what is stored at rest with the newest key.

After a new key is put first in ``OSCAR_PRIVACY_ENCRYPTION_KEYS`` (the
first encrypts, all decrypt), :func:`reencrypt_all` (``manage.py
privacy_reencrypt``) rewrites, with that key:

- every value of every encrypted model field (the classes of
  :data:`oscar_privacy.fields.ENCRYPTED_FIELD_CLASSES`) on any installed
  model, the shop's own included: in primary-key batches, each one
  transaction that locks its rows (``select_for_update``) so a concurrent
  save is neither lost nor overwritten, with one select and one update a
  batch. Tokens go through ``MultiFernet.rotate``; the column is never
  decoded further than the token.
- every stored archive of a ready :class:`~oscar_privacy.models.DataExport`:
  decrypted and encrypted again a frame at a time into a temporary file,
  stored under a new name, and only then swapped in on the row, the old file
  being deleted once that is committed. Until then the old archive stays the
  one served; if anything fails the new file is deleted and the old one kept.

Values already encrypted with the first key are left alone (counted
"current"). Values no key opens are reported by id, never by content, and
left unchanged. A real run is recorded once in the audit trail
(``encryption.rotated``).
"""

import dataclasses
import logging
import tempfile

from django.apps import apps
from django.core.files import File
from django.db import DatabaseError, connections, router, transaction
from django.db.models import Case, ExpressionWrapper, F, TextField, Value, When

from . import audit, crypto
from . import export as exports
from .fields import ENCRYPTED_FIELD_CLASSES
from .models import DataExport

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 500
"""Rows (or archives) read per batch."""

MAX_BATCH_SIZE = 5000
"""The largest batch allowed: a batch's rows are held in memory and locked together."""

MAX_REPORTED_IDS = 100
"""Ids of unreadable or failed items kept per field for the report; the counts are exact."""

EXPORTS_LABEL = "exports"
"""The label of the export archives in the results."""

_RAW = "oscar_privacy_raw_value"


@dataclasses.dataclass
class RotationResult:
    """What a run did to one encrypted field (``app_label.Model.field``) or to the archives."""

    label: str
    dry_run: bool = False
    reencrypted: int = 0
    current: int = 0
    unreadable: int = 0
    failed: int = 0
    unreadable_ids: list = dataclasses.field(default_factory=list)
    failed_ids: list = dataclasses.field(default_factory=list)
    batches: int = 0

    @property
    def problems(self):
        """Items left encrypted with an older key (or not at all readable)."""
        return self.unreadable + self.failed

    def add_unreadable(self, pk):
        self.unreadable += 1
        if len(self.unreadable_ids) < MAX_REPORTED_IDS:
            self.unreadable_ids.append(str(pk))

    def add_failed(self, pk):
        self.failed += 1
        if len(self.failed_ids) < MAX_REPORTED_IDS:
            self.failed_ids.append(str(pk))

    def as_dict(self):
        return dataclasses.asdict(self)


def encrypted_fields():
    """``(model, field)`` for each encrypted concrete field of every installed model.

    Proxy models are left out (their table is their concrete model's), and a
    field inherited through multi-table inheritance is listed once, on the
    model whose table holds it.
    """
    found = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for field in model._meta.local_concrete_fields:
            if isinstance(field, ENCRYPTED_FIELD_CLASSES):
                found.append((model, field))
    return sorted(found, key=lambda pair: (pair[0]._meta.label, pair[1].name))


def reencrypt_all(*, only=None, dry_run=False, batch_size=DEFAULT_BATCH_SIZE):
    """Re-encrypt every encrypted field value and export archive; a list of results.

    ``only`` is ``"fields"``, ``"exports"`` or ``None`` (both). With
    ``dry_run`` nothing is written and nothing is audited; the counts say
    what a real run would do.
    """
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise ValueError(f"batch_size must be between 1 and {MAX_BATCH_SIZE}")
    results = []
    if only in (None, "fields"):
        for model, field in encrypted_fields():
            results.append(reencrypt_field(model, field, dry_run=dry_run, batch_size=batch_size))
    if only in (None, "exports"):
        results.append(reencrypt_exports(dry_run=dry_run, batch_size=batch_size))
    if not dry_run:
        audit.record(
            "encryption.rotated",
            data={"results": [_audit_counts(result) for result in results]},
        )
    return results


def _audit_counts(result):
    return {
        "label": result.label,
        "reencrypted": result.reencrypted,
        "current": result.current,
        "unreadable": result.unreadable,
        "failed": result.failed,
        "unreadable_ids": result.unreadable_ids,
        "failed_ids": result.failed_ids,
    }


def reencrypt_field(model, field, *, dry_run=False, batch_size=DEFAULT_BATCH_SIZE):
    """Re-encrypt ``field`` of every row of ``model`` with the first key.

    Each batch is one transaction: a ``SELECT ... FOR UPDATE`` of the next
    ``batch_size`` rows by primary key, reading the raw tokens, then one
    ``UPDATE`` of the rows that need it (split only if the database limits
    the parameters of a query).
    """
    result = RotationResult(f"{model._meta.label}.{field.name}", dry_run=dry_run)
    manager = model._base_manager
    using = router.db_for_write(model)
    token = ExpressionWrapper(F(field.attname), output_field=TextField())
    rows = manager.db_manager(using).filter(**{f"{field.name}__isnull": False}).order_by("pk")
    last = None
    while True:
        with transaction.atomic(using=using):
            selected = rows if last is None else rows.filter(pk__gt=last)
            if not dry_run:
                selected = selected.select_for_update()
            batch = list(selected.annotate(**{_RAW: token}).values_list("pk", _RAW)[:batch_size])
            if not batch:
                break
            result.batches += 1
            last = batch[-1][0]
            updates = _rotate_tokens(batch, result)
            if updates and not dry_run:
                _write_tokens(manager.db_manager(using), field, updates, connections[using])
    return result


def _rotate_tokens(batch, result):
    updates = []
    for pk, value in batch:
        if not value:
            continue  # blank: nothing is encrypted
        try:
            token = value.encode("ascii")
        except UnicodeError:
            result.add_unreadable(pk)
            continue
        if crypto.is_current(token):
            result.current += 1
            continue
        try:
            updates.append((pk, crypto.rotate(token).decode("ascii")))
        except crypto.DecryptionError:
            result.add_unreadable(pk)
            continue
        result.reencrypted += 1
    return updates


def _write_tokens(manager, field, updates, connection):
    # The raw token is written as text: the field's own get_prep_value would encrypt it again.
    pk_field = manager.model._meta.pk
    size = connection.ops.bulk_batch_size([pk_field, pk_field, field], updates) or len(updates)
    for start in range(0, len(updates), size):
        part = updates[start : start + size]
        cases = [When(pk=pk, then=Value(token)) for pk, token in part]
        manager.filter(pk__in=[pk for pk, _token in part]).update(
            **{field.attname: Case(*cases, output_field=TextField())}
        )


def reencrypt_exports(*, dry_run=False, batch_size=DEFAULT_BATCH_SIZE):
    """Re-encrypt the archive of every ready export with the first key.

    The archives are read ``batch_size`` rows at a time, by primary key, and
    each is streamed a frame at a time: memory holds one chunk whatever the
    archive's size. A dry run decrypts each archive that needs it through to
    the end, to tell the readable ones from the others, and writes nothing.
    """
    result = RotationResult(EXPORTS_LABEL, dry_run=dry_run)
    storage = exports.get_storage()
    ready = (
        DataExport.objects.filter(status=DataExport.Status.READY)
        .exclude(file_name="")
        .only("pk", "file_name", "status")
        .order_by("pk")
    )
    last = None
    while True:
        batch = list((ready if last is None else ready.filter(pk__gt=last))[:batch_size])
        if not batch:
            break
        result.batches += 1
        last = batch[-1].pk
        for item in batch:
            _reencrypt_archive(storage, item, result, dry_run)
    return result


def _reencrypt_archive(storage, item, result, dry_run):
    context = exports._context(item)
    try:
        with storage.open(item.file_name, "rb") as source:
            if crypto.file_is_current(source):
                result.current += 1
                return
        if dry_run:
            with storage.open(item.file_name, "rb") as source:
                for _chunk in crypto.decrypted_chunks(source, context):
                    pass
            result.reencrypted += 1
            return
        new_name, size = _write_new_archive(storage, item, context)
    except (FileNotFoundError, crypto.DecryptionError):
        result.add_unreadable(item.pk)
        return
    except OSError:
        logger.exception("Export archive %s could not be re-encrypted", item.pk)
        result.add_failed(item.pk)
        return
    try:
        with transaction.atomic():
            # Only if the row still names the file read: an archive expired or
            # replaced meanwhile must not come back.
            swapped = DataExport.objects.filter(
                pk=item.pk, status=DataExport.Status.READY, file_name=item.file_name
            ).update(file_name=new_name, size=size)
            stale = item.file_name if swapped else new_name
            transaction.on_commit(lambda: exports._delete_files([stale]))
    except DatabaseError:
        exports._delete_files([new_name])
        raise
    if swapped:
        result.reencrypted += 1


def _write_new_archive(storage, item, context):
    """Encrypt ``item``'s archive again into a new file of ``storage``: ``(name, size)``.

    The new file is written in full to a temporary file first (ciphertext
    only), then stored under a new name; nothing is stored if reading the
    old one fails part way.
    """
    with tempfile.TemporaryFile() as encrypted:
        with storage.open(item.file_name, "rb") as source:
            # Not a with block: closing the writer on an error would end the
            # file with a "last" frame, making a truncated copy look whole.
            writer = crypto.EncryptedWriter(encrypted, context=context)
            for chunk in crypto.decrypted_chunks(source, context):
                writer.write(chunk)
            writer.close()
        size = encrypted.tell()
        encrypted.seek(0)
        name = storage.save(f"exports/{item.pk}.zip.enc", File(encrypted))
    return name, size
