"""The export scales with the data map, not with the person's history.

Writing the archive costs one query per exported data map entry, whether the
customer has 10 orders or 1,000 (3,000 lines): rows are streamed in chunks,
and what a row displays comes in the same query. Time and memory budgets are
measured by ``make bench`` (``tests/benchmarks``), not asserted here.
"""

import io
import json
import re
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oscar_privacy.archive import exported_entries, write_archive
from oscar_privacy.crypto import EncryptedWriter, decrypted_chunks
from tests.factories import CATALOGUE_SIZE, customer_with_history


def archive_queries(user):
    """The SQL of writing ``user``'s archive (into memory), with its row count."""
    with CaptureQueriesContext(connection) as queries:
        rows = write_archive(user, io.BytesIO())
    return [query["sql"] for query in queries.captured_queries], rows


def shape(sql):
    """A query without its literal values (nor PostgreSQL's numbered cursor names)."""
    return re.sub(r"'[^']*'|\d+", "?", sql)


def tables(data):
    return {table["model"]: table for table in data["tables"]}


@pytest.mark.django_db
def test_archive_queries_do_not_grow_with_orders(django_assert_max_num_queries):
    small = customer_with_history(10, email="small@example.com")
    large = customer_with_history(1000, email="large@example.com")
    entries = len(list(exported_entries()))

    small_sql, small_rows = archive_queries(small)
    with django_assert_max_num_queries(entries):
        large_sql, large_rows = archive_queries(large)

    assert large_rows > small_rows * 50  # the large archive really is large
    assert len(large_sql) == len(small_sql), "\n".join(
        sorted(set(map(shape, large_sql)) ^ set(map(shape, small_sql)))
    )
    # The same queries, not just as many: one per exported entry.
    assert sorted(map(shape, large_sql)) == sorted(map(shape, small_sql))
    assert len(large_sql) == entries


@pytest.mark.django_db
def test_archive_of_a_thousand_orders_holds_every_order_and_line(django_assert_num_queries):
    user = customer_with_history(1000, lines_per_order=3)
    encrypted = io.BytesIO()

    with django_assert_num_queries(len(list(exported_entries()))):
        with EncryptedWriter(encrypted) as writer:
            rows = write_archive(user, writer)

    encrypted.seek(0)
    plain = io.BytesIO(b"".join(decrypted_chunks(encrypted)))
    with zipfile.ZipFile(plain) as archive:
        data = json.loads(archive.read("data.json"))
        html = archive.read("index.html").decode()
    found = tables(data)

    orders = found["order.order"]
    assert orders["count"] == len(orders["rows"]) == 1000
    assert len({row["number"] for row in orders["rows"]}) == 1000
    lines = found["order.line"]
    assert lines["count"] == len(lines["rows"]) == 3000
    # Each line names its order (its number, not a database id).
    assert {row["order"] for row in lines["rows"]} == {f"#{o['number']}" for o in orders["rows"]}
    assert found["order.shippingaddress"]["count"] == 1000
    assert found["order.billingaddress"]["count"] == 1000
    assert found["address.useraddress"]["count"] == 1
    assert found["reviews.productreview"]["count"] == CATALOGUE_SIZE
    assert found["customer.productalert"]["count"] == CATALOGUE_SIZE
    assert found["basket.basket"]["count"] == 1
    assert rows == sum(table["count"] for table in data["tables"])
    # index.html has the same rows: one body row each, plus each table's header row.
    assert html.count("<tr>") == rows + len(data["tables"])
