"""``manage.py privacy_reencrypt``: field values and export archives move to the newest key."""

import datetime
import io
import json
import os

import pytest
from cryptography.fernet import Fernet
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils import timezone

from oscar_privacy import crypto, rotation
from oscar_privacy import export as exports
from oscar_privacy.crypto import MAGIC, EncryptedWriter
from oscar_privacy.fields import EncryptedJSONField, is_readable
from oscar_privacy.models import AuditEvent, DataExport, PrivacyRequest

pytestmark = pytest.mark.django_db(transaction=False)

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
LOST_KEY = Fernet.generate_key().decode()
DETAILS = {"first_name": "Zoé", "message": "j'ai perdu mon identifiant"}
# Over two chunks of 256 KiB: the archive has three frames.
ARCHIVE = os.urandom(2 * crypto.CHUNK_SIZE + 1234)
LABEL = "oscar_privacy.PrivacyRequest.details"


def storage():
    return storages["oscar_privacy_exports"]


def stored(name):
    with storage().open(name, "rb") as file:
        return file.read()


def stored_names():
    return set(storage().listdir("exports")[1])


def raw_column(privacy_request):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT details FROM {PrivacyRequest._meta.db_table} WHERE id = %s",  # noqa: S608
            [privacy_request.pk],
        )
        return cursor.fetchone()[0]


def new_request(settings, key, details=DETAILS):
    """A request whose details were encrypted with ``key`` alone."""
    keys = settings.OSCAR_PRIVACY_ENCRYPTION_KEYS
    settings.OSCAR_PRIVACY_ENCRYPTION_KEYS = [key]
    try:
        return PrivacyRequest.objects.create(kind=PrivacyRequest.Kind.RECOVERY, details=details)
    finally:
        settings.OSCAR_PRIVACY_ENCRYPTION_KEYS = keys


def ready_export(settings, owner, key, data=ARCHIVE, status=DataExport.Status.READY):
    """An export of ``owner`` whose archive (``data``) was encrypted with ``key`` alone."""
    now = timezone.now()
    export = DataExport.objects.create(
        owner=owner, status=status, ready_at=now, expires_at=now + datetime.timedelta(days=7)
    )
    keys = settings.OSCAR_PRIVACY_ENCRYPTION_KEYS
    settings.OSCAR_PRIVACY_ENCRYPTION_KEYS = [key]
    try:
        target = io.BytesIO()
        writer = EncryptedWriter(target, context=exports._context(export))
        writer.write(data)
        writer.close()
    finally:
        settings.OSCAR_PRIVACY_ENCRYPTION_KEYS = keys
    name = storage().save(f"exports/{export.pk}.zip.enc", ContentFile(target.getvalue()))
    DataExport.objects.filter(pk=export.pk).update(file_name=name, size=len(target.getvalue()))
    export.refresh_from_db()
    return export


def archive_content(export):
    export.refresh_from_db()
    return b"".join(exports.open_archive(export))


def run(capture, *args):
    """Run the command (on-commit callbacks included); its standard output."""
    out = io.StringIO()
    with capture(execute=True):
        call_command("privacy_reencrypt", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def rotated(settings):
    """A new key put first; the old one still listed."""
    settings.OSCAR_PRIVACY_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    return settings


def test_every_encrypted_field_of_every_installed_model_is_found():
    found = rotation.encrypted_fields()
    assert (PrivacyRequest, PrivacyRequest._meta.get_field("details")) in found
    assert all(isinstance(field, EncryptedJSONField) for _model, field in found)


def test_old_values_and_archives_become_readable_with_the_new_key_alone(rotated, customer, capture):
    old = [new_request(rotated, OLD_KEY, {**DETAILS, "n": n}) for n in range(3)]
    current = new_request(rotated, NEW_KEY)
    current_token = raw_column(current)
    empty = new_request(rotated, OLD_KEY)
    with connection.cursor() as cursor:  # a blank column holds nothing to encrypt
        cursor.execute(
            f"UPDATE {PrivacyRequest._meta.db_table} SET details = '' WHERE id = %s",  # noqa: S608
            [empty.pk],
        )
    export = ready_export(rotated, customer, OLD_KEY)
    up_to_date = ready_export(rotated, customer, NEW_KEY, data=b"already new")
    up_to_date_file = stored(up_to_date.file_name)
    old_name = export.file_name

    output = run(capture, "--batch-size", "2")

    assert f"{LABEL}: 3 re-encrypted, 1 already current, 0 unreadable" in output
    assert "exports: 1 re-encrypted, 1 already current, 0 unreadable" in output
    assert "the other keys can be removed" in output
    rotated.OSCAR_PRIVACY_ENCRYPTION_KEYS = [NEW_KEY]  # the old key is gone
    for n, privacy_request in enumerate(old):
        assert PrivacyRequest.objects.get(pk=privacy_request.pk).details == {**DETAILS, "n": n}
        assert crypto.is_current(raw_column(privacy_request).encode())
    assert raw_column(current) == current_token  # untouched
    assert PrivacyRequest.objects.get(pk=empty.pk).details is None
    # Byte for byte the same archive, now under a new file; the old file is gone.
    assert archive_content(export) == ARCHIVE
    assert export.file_name != old_name and old_name not in stored_names()
    assert export.size == len(stored(export.file_name))
    assert stored(up_to_date.file_name) == up_to_date_file
    event = AuditEvent.objects.get(action="encryption.rotated")
    counts = {item["label"]: item for item in event.data["results"]}
    assert counts[LABEL]["reencrypted"] == 3 and counts[LABEL]["current"] == 1
    assert counts["exports"]["reencrypted"] == 1 and counts["exports"]["current"] == 1


def test_a_second_run_finds_everything_current_and_changes_nothing(rotated, customer, capture):
    privacy_request = new_request(rotated, OLD_KEY)
    export = ready_export(rotated, customer, OLD_KEY)
    run(capture)
    token, export_file = raw_column(privacy_request), stored(DataExport.objects.get().file_name)

    output = run(capture)

    assert f"{LABEL}: 0 re-encrypted, 1 already current, 0 unreadable" in output
    assert "exports: 0 re-encrypted, 1 already current, 0 unreadable" in output
    assert raw_column(privacy_request) == token
    export.refresh_from_db()
    assert stored(export.file_name) == export_file


def test_values_no_key_opens_are_reported_by_id_kept_and_the_command_fails(
    rotated, customer, capture, capsys, monkeypatch
):
    lost = new_request(rotated, LOST_KEY, {"message": "SECRET-CONTENT"})
    lost_token = raw_column(lost)
    fine = new_request(rotated, OLD_KEY)
    lost_export = ready_export(rotated, customer, LOST_KEY)
    lost_file = stored(lost_export.file_name)

    # As run from a shell; its closing of the connections would end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with capture(execute=True), pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "privacy_reencrypt"])

    assert exit_info.value.code == 1
    out, err = capsys.readouterr()
    assert f"{LABEL}: 1 re-encrypted, 0 already current, 1 unreadable" in out
    assert f"unreadable, by id: {lost.pk}" in out
    assert "exports: 0 re-encrypted, 0 already current, 1 unreadable" in out
    assert f"unreadable, by id: {lost_export.pk}" in out
    assert "2 items could not be re-encrypted" in err and "keep the old keys" in err
    assert "SECRET-CONTENT" not in out + err
    assert raw_column(lost) == lost_token
    lost_export.refresh_from_db()
    assert lost_export.status == DataExport.Status.READY
    assert stored(lost_export.file_name) == lost_file
    rotated.OSCAR_PRIVACY_ENCRYPTION_KEYS = [NEW_KEY]
    assert PrivacyRequest.objects.get(pk=fine.pk).details == DETAILS
    assert not is_readable(PrivacyRequest.objects.get(pk=lost.pk).details)
    event = AuditEvent.objects.get(action="encryption.rotated")
    counts = {item["label"]: item for item in event.data["results"]}
    assert counts[LABEL]["unreadable_ids"] == [str(lost.pk)]
    assert counts["exports"]["unreadable_ids"] == [str(lost_export.pk)]


def test_a_dry_run_counts_and_changes_nothing(rotated, customer, capture):
    old = new_request(rotated, OLD_KEY)
    current = new_request(rotated, NEW_KEY)
    lost = new_request(rotated, LOST_KEY)
    tokens = [raw_column(item) for item in (old, current, lost)]
    export = ready_export(rotated, customer, OLD_KEY)
    export_file = stored(export.file_name)
    files = stored_names()

    with pytest.raises(CommandError, match="1 item could not be re-encrypted"):
        run(capture, "--dry-run")
    output = run(capture, "--dry-run", "--only", "exports")

    assert "exports: 1 to re-encrypt, 0 already current, 0 unreadable" in output
    assert "Dry run: nothing was changed." in output
    assert [raw_column(item) for item in (old, current, lost)] == tokens
    assert DataExport.objects.get().file_name == export.file_name
    assert stored(export.file_name) == export_file and stored_names() == files
    assert not AuditEvent.objects.filter(action="encryption.rotated").exists()


def test_only_fields_leaves_the_archives_and_only_exports_the_fields(rotated, customer, capture):
    privacy_request = new_request(rotated, OLD_KEY)
    token = raw_column(privacy_request)
    export = ready_export(rotated, customer, OLD_KEY)

    output = run(capture, "--only", "fields")
    assert LABEL in output and "exports:" not in output
    assert DataExport.objects.get().file_name == export.file_name

    output = run(capture, "--only", "exports")
    assert LABEL not in output and "exports: 1 re-encrypted" in output
    assert raw_column(privacy_request) != token


def test_archives_of_exports_not_ready_are_left_alone(rotated, customer, capture):
    failed = ready_export(rotated, customer, OLD_KEY, status=DataExport.Status.FAILED)
    content = stored(failed.file_name)

    output = run(capture)

    assert "exports: 0 re-encrypted, 0 already current, 0 unreadable" in output
    assert DataExport.objects.get().file_name == failed.file_name
    assert stored(failed.file_name) == content


@pytest.mark.parametrize("rows", [6, 11])
def test_each_batch_costs_the_same_queries(rotated, rows, django_assert_max_num_queries):
    for n in range(rows):
        new_request(rotated, OLD_KEY, {"n": n})
    batches = -(-rows // 3)
    field = PrivacyRequest._meta.get_field("details")
    # Per batch: savepoint, SELECT ... FOR UPDATE, one UPDATE, release; then the
    # empty batch that ends the loop (savepoint, SELECT, release).
    with django_assert_max_num_queries(4 * batches + 3):
        result = rotation.reencrypt_field(PrivacyRequest, field, batch_size=3)
    assert result.batches == batches and result.reencrypted == rows
    rotated.OSCAR_PRIVACY_ENCRYPTION_KEYS = [NEW_KEY]
    assert all(is_readable(r.details) for r in PrivacyRequest.objects.all())


def test_an_archive_damaged_part_way_is_reported_and_kept(rotated, customer, capture):
    export = ready_export(rotated, customer, OLD_KEY)
    encrypted = stored(export.file_name)
    # Flip a byte inside the last frame: the first two decrypt, the third does not.
    damaged = encrypted[:-10] + bytes([encrypted[-10] ^ 1]) + encrypted[-9:]
    storage().delete(export.file_name)
    storage().save(export.file_name, ContentFile(damaged))
    files = stored_names()

    with pytest.raises(CommandError, match="1 item could not be re-encrypted"):
        run(capture)

    assert DataExport.objects.get().file_name == export.file_name
    assert stored(export.file_name) == damaged
    assert stored_names() == files  # no partial copy left behind


def test_a_storage_failure_part_way_leaves_the_old_archive_valid(
    rotated, customer, capture, monkeypatch, capsys
):
    export = ready_export(rotated, customer, OLD_KEY)
    encrypted = stored(export.file_name)
    files = stored_names()

    def broken_save(name, content, max_length=None):
        content.read(1000)  # part of the new file was sent
        raise OSError("disk full")

    monkeypatch.setattr(storage(), "save", broken_save)
    output = io.StringIO()
    with capture(execute=True), pytest.raises(CommandError, match="1 item could not"):
        call_command("privacy_reencrypt", stdout=output)
    monkeypatch.undo()

    assert "exports: 0 re-encrypted, 0 already current, 0 unreadable, 1 failed" in (
        output.getvalue()
    )
    assert f"failed, by id: {export.pk}" in output.getvalue()
    assert DataExport.objects.get().file_name == export.file_name
    assert stored(export.file_name) == encrypted and stored_names() == files
    assert archive_content(export) == ARCHIVE  # still served, with the old key


def test_an_archive_expired_meanwhile_is_not_brought_back(rotated, customer, capture, monkeypatch):
    export = ready_export(rotated, customer, OLD_KEY)
    write_new_archive = rotation._write_new_archive

    def expiring(*args):
        written = write_new_archive(*args)
        exports.expire_exports(now=timezone.now() + datetime.timedelta(days=8))
        return written

    monkeypatch.setattr(rotation, "_write_new_archive", expiring)
    output = run(capture)

    assert "exports: 0 re-encrypted" in output
    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED and export.file_name == ""
    # Neither the old archive nor the new copy remains.
    assert not [name for name in stored_names() if name.startswith(str(export.pk))]


def test_the_first_frame_tells_whether_an_archive_is_current(rotated, customer):
    export = ready_export(rotated, customer, NEW_KEY)
    with storage().open(export.file_name, "rb") as source:
        assert crypto.file_is_current(source)
    assert not crypto.file_is_current(io.BytesIO(b"not an archive"))
    assert not crypto.file_is_current(io.BytesIO(MAGIC + b"\x00"))


@pytest.mark.parametrize("value", ["0", "-1", "5001", "many"])
def test_a_wrong_batch_size_is_refused(value):
    with pytest.raises(CommandError, match="batch_size|batch-size"):
        call_command("privacy_reencrypt", "--batch-size", value)


def test_the_audit_event_holds_counts_and_ids_only(rotated, capture):
    new_request(rotated, OLD_KEY, {"message": "SECRET-CONTENT"})
    run(capture)
    event = AuditEvent.objects.get(action="encryption.rotated")
    assert "SECRET-CONTENT" not in json.dumps(event.data)
    assert event.actor is None and event.subject is None
