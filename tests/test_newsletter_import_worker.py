"""A newsletter import run by a real worker process, as in production.

The file is stored (encrypted) and its task queued with django-tasks-db (the ``worker``
backend of ``tests/settings.py``); ``manage.py db_worker --batch`` runs it in another
process, connected to this test run's database and reading the same private storage.
The worker reads the file back, applies it in batches and deletes it. PostgreSQL only,
as for ``tests/test_export_worker.py``.
"""

import pytest
from django.db import connection
from django_tasks import TaskResultStatus

from oscar_privacy.models import AuditEvent, ConsentRecord
from oscar_privacy.newsletter.imports import get_storage, store_import
from oscar_privacy.newsletter.models import SubscriberImport, Subscription
from oscar_privacy.newsletter.tasks import import_subscribers_task

from .test_export_worker import run_worker

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: a worker process cannot reach SQLite's in-memory test database",
    ),
    pytest.mark.django_db(transaction=True),
]

ROWS = 1200
"""Three batches of the task's 500 lines."""


def test_a_worker_process_imports_the_file():
    data = b"email\r\n" + b"".join(f"reader{n}@example.com\r\n".encode() for n in range(ROWS))
    data += b"\x00binary\r\nnot-an-address\r\n"
    job = store_import([data], confirmed=True)
    assert get_storage().exists(job.file_name)
    assert AuditEvent.objects.filter(action="newsletter.import_started").count() == 1

    result = import_subscribers_task.using(backend="worker").enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == SubscriberImport.Status.QUEUED  # queued, not run here

    worker = run_worker()
    assert worker.returncode == 0, worker.stdout + worker.stderr
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL, worker.stdout + worker.stderr
    assert result.return_value == SubscriberImport.Status.DONE

    job.refresh_from_db()
    assert (job.status, job.lines_read, job.error_count) == ("done", ROWS + 3, 2)
    assert job.counts["added"] == ROWS and job.errors == [
        [ROWS + 2, "control"],
        [ROWS + 3, "invalid"],
    ]
    assert job.percent == 100 and job.bytes_read == job.size == len(data)
    assert not get_storage().exists(f"newsletter-imports/{job.pk}.csv.enc")
    assert Subscription.objects.filter(state=Subscription.State.SUBSCRIBED).count() == ROWS
    assert ConsentRecord.objects.count() == ROWS
    assert AuditEvent.objects.get(action="newsletter.imported").data["added"] == ROWS
