"""Newsletter imports: any file, of any size, is read line by line in a background task.

Bad input of every kind (a bare CR, CRLF, a BOM, binary content, NUL bytes, a field
over 128 KiB, wrong columns) is refused line by line and never stops the good lines
or answers 500; every chunking of a file reads the same (a property test); an import is
audited when it starts, its file is kept encrypted only while it runs, and 20,000 rows
go through in batches with the same queries per batch and bounded memory. Tasks run at
once here (django-tasks' ImmediateBackend); tests/test_newsletter_import_worker.py runs
one in a real worker process.
"""

import io
import tracemalloc

import pytest
from django.contrib.auth.models import Permission
from django.contrib.sites.models import Site
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given, strategies
from hypothesis import settings as hypothesis_settings
from oscar.test.factories import UserFactory

from oscar_privacy.crypto import MAGIC
from oscar_privacy.models import AuditEvent, ConsentRecord
from oscar_privacy.newsletter import imports
from oscar_privacy.newsletter.address_files import MAX_LINE_BYTES, physical_lines, read_lines
from oscar_privacy.newsletter.addresses import address_hash
from oscar_privacy.newsletter.models import Channel, SubscriberImport, Subscription

from .staff import login_verified

State = Subscription.State

HUGE = b"x" * (200 * 1024)
"""A field over csv's 128 KiB limit: the import answered 500 on it."""

FILES = {
    "bare CR": (b"email\ra@example.com\rb@example.com\r", ["a@example.com", "b@example.com"], {}),
    "CRLF": (
        b"email\r\na@example.com\r\nb@example.com\r\n",
        ["a@example.com", "b@example.com"],
        {},
    ),
    "mixed ends": (b"a@example.com\rb@example.com\r\nc@example.com\n", ["a@", "b@", "c@"], {}),
    "BOM": (b"\xef\xbb\xbfEmail,Name\r\na@example.com,A\r\n", ["a@example.com"], {}),
    "binary": (
        b"email\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8\nb@example.com\n",
        ["b@example.com"],
        {2: "not_utf8", 3: "control", 4: "control", 5: "not_utf8"},
    ),
    "NUL": (b"email\na\x00@example.com\nb@example.com\n", ["b@example.com"], {2: "control"}),
    "huge field": (
        b"email\na@example.com\n" + HUGE + b"\nb@example.com\n",
        ["a@", "b@"],
        {3: "too_long"},
    ),
    "huge quoted field": (
        b'email,note\na@example.com,"' + HUGE + b'"\nb@example.com,x\n',
        ["b@example.com"],  # the line with the huge field is refused whole
        {2: "too_long"},
    ),
    "wrong columns": (
        b"name,phone\nAlice,0612345678\nBob\n,\n",
        [],
        {2: "invalid", 3: "invalid", 4: "no_column"},
    ),
    "email column not first": (
        b"name;e-mail;city\nAlice;a@example.com;Paris\nBob;;Lyon\n",
        ["a@example.com"],
        {3: "no_column"},
    ),
    "unclosed quote": (
        b'email\n"a@example.com\nb@example.com\n',
        ["b@example.com"],
        {2: "malformed"},
    ),
    "no header": (b"a@example.com\nb@example.com", ["a@example.com", "b@example.com"], {}),
    "too long an address": (b"email\n" + b"a" * 250 + b"@example.com\n", [], {2: "invalid"}),
}
"""name: (file, the addresses it holds (a prefix is enough), {line: refusal})."""


def lines_of(data, size):
    return list(read_lines([data[start : start + size] for start in range(0, len(data), size)]))


# Reading ------------------------------------------------------------------------


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("chunk", [1, 7, 64 * 1024])
def test_every_line_is_read_or_refused_on_its_own(name, chunk):
    data, addresses, refused = FILES[name]
    lines = lines_of(data, chunk)
    assert [line.number for line in lines] == list(range(1, len(lines) + 1))
    assert {line.number: line.error for line in lines if line.error} == refused
    found = [line.address for line in lines if line.address]
    assert len(found) == len(addresses)
    assert all(any(address.startswith(p) for p in addresses) for address in found)


def test_a_line_too_long_is_never_held_in_memory():
    chunks = (b"y" * 65536 for _ in range(64))  # a 4 MiB line
    tracemalloc.start()
    try:
        (line,) = list(physical_lines(chunks))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert line[2] is None and line[1] == 64 * 65536
    assert peak < 4 * (65536 + MAX_LINE_BYTES)


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    data=strategies.binary(max_size=400)
    | strategies.lists(
        strategies.sampled_from(
            [b"a@example.com", b"email", b",", b";", b'"', b"\r", b"\n", b"\r\n", b"\x00", b"\xff"]
        )
    ).map(b"".join),
    size=strategies.integers(min_value=1, max_value=50),
)
def test_any_bytes_in_any_chunks_read_the_same_and_never_fail(data, size):
    whole = list(read_lines([data]))
    assert lines_of(data, size) == whole
    assert [line.number for line in whole] == list(range(1, len(whole) + 1))
    if whole:
        assert whole[-1].end == len(data)


# Through the subscribers page ----------------------------------------------------------


@pytest.fixture
def editor(db, client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    login_verified(client, staff)
    return staff


def upload(client, data, name="list.csv", **extra):
    file = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(reverse("oscar_privacy_newsletter_subscribers"), {"file": file, **extra})


@pytest.mark.django_db
@pytest.mark.parametrize("name", FILES)
def test_every_bad_file_is_imported_line_by_line_through_the_page(
    client, editor, name, django_capture_on_commit_callbacks
):
    data, addresses, refused = FILES[name]
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, data)
    assert response.status_code == 302
    job = SubscriberImport.objects.get()
    assert job.status == SubscriberImport.Status.DONE and job.file_name == ""
    assert job.counts["pending"] == len(addresses)
    assert job.counts["invalid"] == job.error_count == len(refused)
    assert dict(job.errors) == refused
    assert len(mail.outbox) == len(addresses)
    page = client.get(reverse("oscar_privacy_newsletter_import", args=[job.pk]))
    assert page.status_code == 200
    for number in refused:
        assert f"<td>{number}</td>" in page.content.decode()
    assert [event.action for event in AuditEvent.objects.order_by("pk")] == [
        "newsletter.import_started",
        "newsletter.imported",
    ]


@pytest.mark.django_db
def test_an_oversized_or_utf16_file_is_a_form_error(client, editor, settings):
    settings.OSCAR_PRIVACY_NEWSLETTER_IMPORT_MAX_BYTES = 100
    response = upload(client, b"email\n" + b"a@example.com\n" * 10)
    assert response.status_code == 200
    assert "The file is too large" in response.content.decode()
    settings.OSCAR_PRIVACY_NEWSLETTER_IMPORT_MAX_BYTES = 10 * 1024 * 1024
    response = upload(client, "email\na@example.com\n".encode("utf-16"))
    assert "save it as CSV UTF-8" in response.content.decode()
    response = upload(client, b"")
    assert response.status_code == 200
    assert not SubscriberImport.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_importing_needs_the_permission(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_subscription"),
    )
    login_verified(client, viewer)
    assert client.get(reverse("oscar_privacy_newsletter_subscribers")).status_code == 200
    refused = upload(client, b"a@example.com\n")
    # Wagtail answers a PermissionDenied in its admin with a redirect to its home page.
    assert (refused.status_code, refused["Location"]) == (302, reverse("wagtailadmin_home"))
    assert not SubscriberImport.objects.exists()


@pytest.mark.django_db
def test_an_import_is_audited_when_it_starts_and_its_file_is_kept_encrypted(client, editor):
    # The task is queued at commit; here it has not run yet.
    response = upload(client, b"email\nsecret-person@example.com\n", confirmed="on")
    assert response.status_code == 302
    job = SubscriberImport.objects.get()
    assert job.status == SubscriberImport.Status.QUEUED
    started = AuditEvent.objects.get()
    assert (started.action, started.actor, started.target_id) == (
        "newsletter.import_started",
        editor,
        str(job.pk),
    )
    stored = imports.get_storage().open(job.file_name, "rb").read()
    assert stored.startswith(MAGIC) and b"secret-person" not in stored
    page = client.get(reverse("oscar_privacy_newsletter_subscribers")).content.decode()
    assert "Queued" in page and "0% (0 lines read)" in page

    assert imports.run_import(job.pk).status == SubscriberImport.Status.DONE
    assert not imports.get_storage().exists(job.file_name)
    assert Subscription.objects.get().state == State.SUBSCRIBED
    assert imports.run_import(job.pk) is None  # run once


@pytest.mark.django_db
def test_the_suppression_list_and_repeats(django_capture_on_commit_callbacks):
    Subscription.objects.create(
        email="", email_hash=address_hash("gone@example.com"), state=State.UNSUBSCRIBED
    )
    Subscription.objects.create(
        email="here@example.com", email_hash=address_hash("here@example.com"), state=State.PENDING
    )
    data = b"email\ngone@example.com\nGONE@example.com\nhere@example.com\nnew@example.com\n"
    data += b"NEW@EXAMPLE.com\n" * 3
    job = imports.store_import([data])
    job = imports.run_import(job.pk, batch_size=2)
    assert job.counts == {
        "added": 0,
        "pending": 1,
        "already": 1,
        "duplicate": 3,
        "suppressed": 2,
        "invalid": 0,
    }
    assert [m.to for m in mail.outbox] == [["new@example.com"]]


# Scale ---------------------------------------------------------------------------------


def addresses_file(count, start=0):
    return b"email\n" + b"".join(
        f"reader{n}@example.com\n".encode() for n in range(start, start + count)
    )


def queries_of_import(data, batch_size):
    job = imports.store_import([data])
    with CaptureQueriesContext(connection) as queries:
        imports.run_import(job.pk, batch_size=batch_size)
    return len(queries)


@pytest.mark.django_db
def test_each_batch_costs_the_same_queries():
    """Batches of 100 lines: 1, 3 and 5 of them; the queries grow by the same for each."""
    Site.objects.get_current()  # cached once for the process, as in production
    one = queries_of_import(addresses_file(99, 0), 100)  # the header makes 100 lines
    three = queries_of_import(addresses_file(299, 1000), 100)
    five = queries_of_import(addresses_file(499, 5000), 100)
    per_batch = (five - three) // 2
    assert five - three == three - one == 2 * per_batch
    assert per_batch <= 10
    assert len(mail.outbox) == 99 + 299 + 499


@pytest.mark.django_db
def test_twenty_thousand_rows_in_batches_with_bounded_memory():
    small = imports.store_import([addresses_file(10_000, 100_000)], confirmed=True)
    large = imports.store_import([addresses_file(20_000)], confirmed=True)
    peaks = []
    for job in (small, large):
        tracemalloc.start()
        try:
            done = imports.run_import(job.pk)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        peaks.append(peak)
        assert done.status == SubscriberImport.Status.DONE
    assert done.counts["added"] == 20_000 and done.lines_read == 20_001
    assert Subscription.objects.count() == 30_000
    assert ConsentRecord.objects.count() == 30_000
    # Twice the rows, not twice the memory: one batch and one chunk of the file at a time.
    assert peaks[1] < 1.3 * peaks[0], peaks


@pytest.mark.django_db
def test_an_import_that_stopped_resumes_where_it_stopped():
    job = imports.store_import([addresses_file(500)], confirmed=True)
    job = imports._claim(job.pk)

    class WorkerKilled(BaseException):
        pass

    def until_killed(lines):
        for line in lines:
            if line.number > 250:
                raise WorkerKilled  # in its third batch
            yield line

    source = imports.get_storage().open(job.file_name, "rb")
    with pytest.raises(WorkerKilled), source:
        lines = read_lines(imports.decrypted_chunks(source, imports._context(job)))
        imports.apply_lines(job, until_killed(lines), batch_size=100)
    job.refresh_from_db()
    assert (job.status, job.lines_read, job.counts["added"]) == ("running", 200, 199)
    assert imports.run_import(job.pk) is None  # its lease still runs
    SubscriberImport.objects.filter(pk=job.pk).update(lease_until=job.created_at)
    call_command("privacy_newsletter_import", "--resume", stdout=io.StringIO())
    job.refresh_from_db()
    assert (job.status, job.lines_read, job.counts["added"]) == ("done", 501, 500)
    assert Subscription.objects.filter(source=Channel.IMPORT).count() == 500
    assert ConsentRecord.objects.count() == 500


@pytest.mark.django_db
def test_the_command_reports_each_refused_line(tmp_path):
    source = tmp_path / "list.csv"
    source.write_bytes(FILES["binary"][0])
    out, err = io.StringIO(), io.StringIO()
    call_command("privacy_newsletter_import", str(source), stdout=out, stderr=err)
    assert "pending: 1" in out.getvalue() and "invalid: 4" in out.getvalue()
    assert "line 2: not UTF-8 text" in err.getvalue()
    assert AuditEvent.objects.filter(action="newsletter.import_started").exists()
