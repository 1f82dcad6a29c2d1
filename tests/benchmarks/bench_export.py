"""Budgets of "Download my data" (run by ``make bench``; see conftest.py for the report).

The issue's budget: exporting a customer with 1,000 orders (3 lines each, with
addresses, reviews and alerts) takes the same number of queries as one with
10 orders, at most 2 s on PostgreSQL, and memory stays flat (the archive is
streamed). Measured here on customers made by
:func:`tests.factories.customer_with_history`:

- time: :func:`oscar_privacy.export.build_export` end to end for the
  1,000-order customer (archive written, encrypted, stored, audit event,
  email sent), the slowest of :data:`ROUNDS` runs, the first one cold;
- queries: :func:`oscar_privacy.archive.write_archive` and ``build_export``
  for both customers, which must issue the same number;
- memory: tracemalloc's peak while the archive is written and encrypted
  (into a sink that discards the bytes), 1,000 orders minus 10 orders. The
  budget is :data:`MEMORY_GROWTH_BUDGET`; see there why.

Run with ``make bench``; the figures are printed as a table and written to
``.bench/results.json``.
"""

import gc
import io
import statistics
import time
import tracemalloc
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oscar_privacy import archive
from oscar_privacy.archive import exported_entries, write_archive
from oscar_privacy.crypto import EncryptedWriter
from oscar_privacy.export import build_export
from oscar_privacy.models import DataExport
from tests.factories import customer_with_history

SMALL, LARGE = 10, 1000
LINES_PER_ORDER = 3
ROUNDS = 3
TIME_BUDGET = 2.0
"""Seconds for ``build_export`` of the 1,000-order customer: the issue's figure."""

MB = 1024 * 1024
MEMORY_GROWTH_BUDGET = 8 * MB
"""Extra peak memory allowed for the 1,000-order archive over the 10-order one.

Streaming bounds memory by what the archive holds at once, not by the number
of orders: rows come from the database ``archive.CHUNK_SIZE`` (2,000) at a
time, and both files go out through encrypting writers that buffer one frame
(``crypto.CHUNK_SIZE``, 256 KB). The widest rows are the order lines, each
fetched with its order (about 2 KB a row in Python); while Django fetches the
next chunk the previous one is still referenced, so the 3,000 lines of 1,000
orders are all in memory at once (chunks of 2,000 and 1,000). Measured on
PostgreSQL: 6.8 MB more than for 10 orders. Past about 1,300 orders the peak
stops growing: 9.8 MB for 3,000 orders and for 6,000 orders alike.

8 MB leaves room for other Python and driver versions yet fails an archive
that holds the person's rows at once: reading the 6,013 rows of the
1,000-order customer into lists and serialising them costs 11.3 MB, before
any HTML. A smaller ``archive.CHUNK_SIZE`` lowers the figure (500: 3.7 MB).
"""

EXPORTS_URL = "https://shop.example.com/account/privacy/exports/"


class Discard(io.RawIOBase):
    """A binary file that forgets what is written to it (and cannot seek, like a stream)."""

    def writable(self):
        return True

    def write(self, data):
        return len(data)


@pytest.fixture(scope="module")
def customers(django_db_setup, django_db_blocker):
    """The 10-order and 1,000-order customers, committed once for the module."""
    with django_db_blocker.unblock():
        started = time.perf_counter()
        small = customer_with_history(SMALL, LINES_PER_ORDER, email="small@example.com")
        large = customer_with_history(LARGE, LINES_PER_ORDER, email="large@example.com")
        made_in = time.perf_counter() - started
    return {SMALL: small, LARGE: large, "made_in": made_in}


def archive_queries(user):
    with CaptureQueriesContext(connection) as queries:
        rows = write_archive(user, EncryptedWriter(Discard()))
    return len(queries), rows


def export_once(user, capture_on_commit):
    """Run ``build_export`` for a new request of ``user``; ``(seconds, queries)``."""
    export = DataExport.objects.create(owner=user, language="en")
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        with capture_on_commit(execute=True):  # the email is part of the job
            built = build_export(export.pk, exports_url=EXPORTS_URL)
        elapsed = time.perf_counter() - started
    assert built is not None and built.status == DataExport.Status.READY
    return elapsed, len(queries)


@pytest.mark.django_db
def test_export_time(customers, bench, django_capture_on_commit_callbacks):
    large = customers[LARGE]
    runs = [export_once(large, django_capture_on_commit_callbacks) for _ in range(ROUNDS)]
    seconds = [elapsed for elapsed, _ in runs]
    ok = bench(
        f"build_export, {LARGE:,} orders (slowest of {ROUNDS})",
        round(max(seconds), 3),
        "s",
        TIME_BUDGET,
        runs=[round(s, 3) for s in seconds],
        median=round(statistics.median(seconds), 3),
        orders=LARGE,
        lines_per_order=LINES_PER_ORDER,
        customers_made_in=round(customers["made_in"], 3),
    )
    assert ok, f"build_export took {max(seconds):.2f} s (budget {TIME_BUDGET} s): {seconds}"


@pytest.mark.django_db
def test_export_queries(customers, bench, django_capture_on_commit_callbacks):
    entries = len(list(exported_entries()))
    # Oscar caches the Site its emails name; pytest-django clears that cache for each test.
    export_once(customers[SMALL], django_capture_on_commit_callbacks)
    small_queries, small_rows = archive_queries(customers[SMALL])
    large_queries, large_rows = archive_queries(customers[LARGE])
    ok_small = bench(
        f"write_archive queries, {SMALL} orders",
        small_queries,
        "queries",
        entries,
        budget_text=f"≤ {entries} (one per exported entry)",
        rows=small_rows,
    )
    ok_large = bench(
        f"write_archive queries, {LARGE:,} orders",
        large_queries,
        "queries",
        small_queries,
        budget_text=f"= {small_queries} ({SMALL} orders)",
        ok=large_queries == small_queries,
        rows=large_rows,
    )
    _, build_small = export_once(customers[SMALL], django_capture_on_commit_callbacks)
    _, build_large = export_once(customers[LARGE], django_capture_on_commit_callbacks)
    ok_build = bench(
        f"build_export queries, {LARGE:,} orders",
        build_large,
        "queries",
        build_small,
        budget_text=f"= {build_small} ({SMALL} orders)",
        ok=build_large == build_small,
    )
    assert ok_small and ok_large and ok_build, (small_queries, large_queries, entries)


def archive_peak(user):
    """Peak traced memory (bytes) above the start while ``user``'s archive is written."""
    gc.collect()
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        with EncryptedWriter(Discard()) as writer:
            write_archive(user, writer)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - start


def archive_sizes(user):
    """Uncompressed sizes (bytes) of the files in ``user``'s archive."""
    target = io.BytesIO()
    write_archive(user, target)
    with zipfile.ZipFile(target) as written:
        return {info.filename: info.file_size for info in written.infolist()}


@pytest.mark.django_db
def test_export_memory(customers, bench):
    write_archive(customers[SMALL], Discard())  # load templates and catalogues first
    small = archive_peak(customers[SMALL])
    large = archive_peak(customers[LARGE])
    sizes = archive_sizes(customers[LARGE])
    bench(f"write_archive peak memory, {SMALL} orders", round(small / MB, 2), "MB")
    bench(f"write_archive peak memory, {LARGE:,} orders", round(large / MB, 2), "MB")
    ok = bench(
        f"peak memory growth, {SMALL} → {LARGE:,} orders",
        round((large - small) / MB, 2),
        "MB",
        MEMORY_GROWTH_BUDGET / MB,
        chunk_size=archive.CHUNK_SIZE,
        uncompressed_archive_bytes=sizes,
    )
    assert ok, f"peak memory grew by {(large - small) / MB:.1f} MB for {LARGE - SMALL} orders"
