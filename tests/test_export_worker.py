"""An export built by a real worker process, as in production.

The task is queued with django-tasks-db (the ``worker`` backend of
``tests/settings.py``) and run by ``manage.py db_worker --batch`` in another
process, connected to this test run's database. PostgreSQL only: on SQLite
pytest-django's test database lives in memory, out of another process's reach.
"""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django_tasks import TaskResultStatus
from oscar.core.loading import get_model

from oscar_privacy.export import get_storage, open_archive
from oscar_privacy.models import AuditEvent, DataExport
from oscar_privacy.tasks import build_data_export
from tests.factories import customer_with_history

Email = get_model("communication", "Email")

ROOT = Path(__file__).resolve().parent.parent
WORKER_TIMEOUT = 120
EXPORTS_URL = "https://shop.example.com/account/privacy/exports/"

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: a worker process cannot reach SQLite's in-memory test database",
    ),
    pytest.mark.django_db(transaction=True),
]


def database_url():
    """``DATABASE_URL`` of the database the tests run on (pytest-django's test database)."""
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db.get("HOST") or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def run_worker():
    """Run ``db_worker`` on the ``worker`` backend until its queue is empty."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "OSCAR_PRIVACY_TEST_EXPORT_ROOT": str(get_storage().location),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = [
        sys.executable,
        str(ROOT / "sandbox" / "manage.py"),
        "db_worker",
        "--backend=worker",
        "--queue-name=default",
        "--batch",
        "--no-startup-delay",
        "--no-reload",
        "--interval=0",
        "--verbosity=2",
    ]
    return subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT,
        check=False,
    )


def test_a_worker_process_builds_the_export():
    user = customer_with_history(10, email="worker@example.com")
    export = DataExport.objects.create(owner=user, language="en")

    result = build_data_export.using(backend="worker").enqueue(
        str(export.pk), exports_url=EXPORTS_URL
    )
    export.refresh_from_db()
    assert export.status == DataExport.Status.PENDING  # queued, not run here
    assert result.status == TaskResultStatus.READY

    worker = run_worker()
    assert worker.returncode == 0, worker.stdout + worker.stderr

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL, worker.stdout + worker.stderr
    assert result.return_value == DataExport.Status.READY
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    assert export.file_name and get_storage().exists(export.file_name)
    assert get_storage().size(export.file_name) == export.size > 0

    # The worker read this test's data: the archive holds the customer's 10 orders.
    plain = b"".join(open_archive(export))
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        data = json.loads(archive.read("data.json"))
    assert data["person"]["email"] == "worker@example.com"
    orders = next(table for table in data["tables"] if table["model"] == "order.order")
    assert orders["count"] == 10

    # The email went out from the worker: locmem cannot show it here, but the
    # audit trail and Oscar's record of sent emails can.
    ready = AuditEvent.objects.get(action="export.ready", subject=user)
    assert ready.target_id == str(export.pk)
    assert ready.data["rows"] > 10
    assert Email.objects.filter(user=user, email="worker@example.com").count() == 1
