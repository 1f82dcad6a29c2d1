"""Download my data: request, build, hand over and expire the person's archive.

:func:`request_export` records the request and queues :func:`build_export`
as a background task (Django's tasks API). The archive is written by
:mod:`oscar_privacy.archive`, encrypted as it is written
(:mod:`oscar_privacy.crypto`) and stored in the private storage named by
``OSCAR_PRIVACY_EXPORT_STORAGE``. The owner is emailed; the download view
streams it back, decrypted, to the owner only. After
``OSCAR_PRIVACY_EXPORT_EXPIRY_DAYS`` the archive is deleted by
:func:`expire_exports`.
"""

import datetime
import logging
import tempfile

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from oscar.core.loading import get_class

from . import audit
from .archive import write_archive
from .conf import app_settings
from .crypto import EncryptedWriter, decrypted_chunks
from .exceptions import PrivacyError
from .models import DataExport
from .signals import export_ready

logger = logging.getLogger(__name__)

Dispatcher = get_class("communication.utils", "Dispatcher")

READY_EMAIL = "PRIVACY_EXPORT_READY"
"""Oscar communication event code of the "your data is ready" email."""

STALE_AFTER = datetime.timedelta(hours=1)
"""A request still pending after this long is taken as lost (a worker died) and retried."""

DAILY_LIMIT = 5
"""Copies a person may ask for in 24 hours: each costs the shop a full read of their data."""

EXPIRY_BATCH = 500
"""Archives deleted per call of :func:`expire_exports`."""


class ExportLimitReached(PrivacyError):
    """The person asked for too many copies lately; the message says so, to them."""


def expiry_days():
    return app_settings.EXPORT_EXPIRY_DAYS


def get_storage():
    """The private storage that holds the encrypted archives."""
    return storages[app_settings.EXPORT_STORAGE]


def request_export(user, *, exports_url, language=None, request=None):
    """Ask for a copy of ``user``'s data; ``(export, created)``.

    While a request is pending, asking again returns it (``created`` is
    ``False``) and queues nothing. ``exports_url`` is the absolute address of
    the exports page, for the email.
    """
    from .tasks import build_data_export

    now = timezone.now()
    with transaction.atomic():
        # One request at a time per person: two clicks give one archive.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        pending = DataExport.objects.filter(owner=user, status=DataExport.Status.PENDING).first()
        if pending is not None and pending.requested_at > now - STALE_AFTER:
            return pending, False
        recent = DataExport.objects.filter(
            owner=user, requested_at__gt=now - datetime.timedelta(days=1)
        ).count()
        if recent >= DAILY_LIMIT:
            raise ExportLimitReached(
                _(
                    "You have asked for %(count)s copies of your data in the last 24 hours: "
                    "please use the latest one, or ask again tomorrow."
                )
                % {"count": recent}
            )
        if pending is not None:
            DataExport.objects.filter(pk=pending.pk).update(status=DataExport.Status.FAILED)
        export = DataExport.objects.create(
            owner=user, language=language or translation.get_language() or ""
        )
        audit.record("export.requested", subject=user, target=export, request=request)
        transaction.on_commit(
            lambda: build_data_export.enqueue(str(export.pk), exports_url=exports_url)
        )
    return export, True


def build_export(export_id, *, exports_url):
    """Write, encrypt and store the archive of a pending request, then email its owner.

    Safe to run twice: only a pending request is built. Returns the export,
    or ``None`` if there was nothing to build.
    """
    export = (
        DataExport.objects.select_related("owner")
        .filter(pk=export_id, status=DataExport.Status.PENDING)
        .first()
    )
    if export is None:
        return None
    owner = export.owner
    storage = get_storage()
    try:
        with translation.override(export.language or None), tempfile.TemporaryFile() as encrypted:
            with EncryptedWriter(encrypted, context=_context(export)) as writer:
                rows = write_archive(owner, writer)
            size = encrypted.tell()
            encrypted.seek(0)
            name = storage.save(f"exports/{export.pk}.zip.enc", File(encrypted))
    except Exception:
        logger.exception("Export %s of user #%s failed", export.pk, owner.pk)
        DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.FAILED)
        audit.record("export.failed", subject=owner, target=export)
        return export

    now = timezone.now()
    with transaction.atomic():
        built = DataExport.objects.filter(pk=export.pk, status=DataExport.Status.PENDING).update(
            status=DataExport.Status.READY,
            ready_at=now,
            expires_at=now + datetime.timedelta(days=app_settings.EXPORT_EXPIRY_DAYS),
            file_name=name,
            size=size,
        )
        if not built:
            # Cancelled meanwhile (the account was closed): nothing may remain.
            transaction.on_commit(lambda: _delete_files([name]))
            return None
        # A new copy replaces the previous ones: fewer copies of the data lying around.
        # Only once this one is built: a build that was replaced or cancelled meanwhile
        # must not take the newer copy with it.
        _expire(
            DataExport.objects.filter(owner=owner, status=DataExport.Status.READY).exclude(
                pk=export.pk
            )
        )
        export.refresh_from_db()
        audit.record("export.ready", subject=owner, target=export, data={"rows": rows})
        transaction.on_commit(lambda: _send_ready_email(export, exports_url))
    export_ready.send(sender=DataExport, export=export)
    expire_exports()
    return export


def _send_ready_email(export, exports_url):
    owner = export.owner
    if not owner.email:
        return
    with translation.override(export.language or None):
        dispatcher = Dispatcher()
        messages = dispatcher.get_messages(
            READY_EMAIL, {"user": owner, "export": export, "exports_url": exports_url}
        )
        dispatcher.dispatch_user_messages(owner, messages)


def exports_url_for(request):
    """The absolute address of the exports page, for emails."""
    return request.build_absolute_uri(reverse("oscar_privacy:exports"))


def get_owned_export(user, export_id):
    """The export ``export_id`` if ``user`` owns it, else ``None`` (never another's)."""
    return DataExport.objects.filter(owner=user, pk=export_id).first()


def open_archive(export):
    """An iterator over the decrypted archive of a ready export.

    The first chunk is decrypted before this returns, so a missing or
    damaged file raises here (:class:`OSError`,
    :class:`~oscar_privacy.crypto.DecryptionError`) rather than in the
    middle of a download.
    """
    source = get_storage().open(export.file_name, "rb")
    chunks = decrypted_chunks(source, _context(export))
    try:
        first = next(chunks)
    except BaseException:
        source.close()
        raise

    def stream():
        try:
            yield first
            yield from chunks
        finally:
            source.close()

    return stream()


def _context(export):
    """What an archive is bound to: one export, so a file copied over another's is refused."""
    return f"oscar_privacy.DataExport:{export.pk}".encode()


def record_download(export, request):
    """Count a download and put it in the audit trail."""
    from django.db.models import F

    DataExport.objects.filter(pk=export.pk).update(
        downloads=F("downloads") + 1, last_downloaded_at=timezone.now()
    )
    audit.record("export.downloaded", subject=export.owner, target=export, request=request)


def mark_unreadable(export):
    """An archive that cannot be read any more: record it failed and delete what is left."""
    _expire(DataExport.objects.filter(pk=export.pk), status=DataExport.Status.FAILED)
    audit.record("export.unreadable", subject=export.owner, target=export)


def expire_exports(now=None, owner=None):
    """Delete the archives whose download period has ended; returns how many.

    The rows stay, marked expired, as the record that the request was
    answered. Deletes at most ``EXPIRY_BATCH`` (500) archives a call.
    """
    now = now or timezone.now()
    due = DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lte=now)
    if owner is not None:
        due = due.filter(owner=owner)
    return _expire(
        DataExport.objects.filter(pk__in=list(due.values_list("pk", flat=True)[:EXPIRY_BATCH]))
    )


def cancel_exports(owner):
    """Delete every archive of ``owner`` and cancel pending ones (the account is closed)."""
    return _expire(DataExport.objects.filter(owner=owner).exclude(status=DataExport.Status.EXPIRED))


def _expire(queryset, status=DataExport.Status.EXPIRED):
    """Mark ``queryset``'s exports ``status`` and delete their files once that is committed."""
    names = list(queryset.exclude(file_name="").values_list("file_name", flat=True))
    count = queryset.update(status=status, file_name="")
    if names:
        transaction.on_commit(lambda: _delete_files(names))
    return count


def _delete_files(names):
    storage = get_storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("Could not delete export archive %s", name)
