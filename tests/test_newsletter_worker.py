"""A newsletter sent by a real worker process, killed in the middle, and resumed.

The sending task is queued with django-tasks-db (the ``worker`` backend of
``tests/settings.py``) and run by ``manage.py db_worker`` in another process,
which sends through a slow backend that writes each recipient to a file. The
test kills the worker (SIGKILL: no clean-up runs) in the middle of a batch,
then resumes the sending as an operator would (``privacy_newsletter_send
--resume``, here run at once in this process). Nobody receives it twice;
those of the killed batch whose message went out before the kill are
exactly the ones the resumed sending skips along with the rest of the batch.
PostgreSQL only, as for ``tests/test_export_worker.py``.
"""

import os
import subprocess
import sys
import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from oscar_privacy.newsletter.addresses import address_hash
from oscar_privacy.newsletter.models import Channel, Delivery, Mailing, Subscription
from oscar_privacy.newsletter.tasks import send_mailing_task

from .test_export_worker import ROOT, WORKER_TIMEOUT, database_url

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: a worker process cannot reach SQLite's in-memory test database",
    ),
    pytest.mark.django_db(transaction=True),
]

SUBSCRIBERS = 40
BATCH = 5
KILL_AFTER = 12
"""Messages the worker sends before it is killed: in its third batch."""


def start_worker(log):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "OSCAR_PRIVACY_TEST_NEWSLETTER_BACKEND": "tests.newsletter_backend.RecordingSlowBackend",
        "OSCAR_PRIVACY_TEST_NEWSLETTER_BATCH": str(BATCH),
        "OSCAR_PRIVACY_TEST_NEWSLETTER_LOG": str(log),
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
    ]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def sent_by_worker(log):
    return log.read_text().split() if log.exists() else []


def test_a_killed_worker_leaves_nobody_mailed_twice(tmp_path):
    now = timezone.now()
    Subscription.objects.bulk_create(
        Subscription(
            email=f"reader{n}@example.com",
            email_hash=address_hash(f"reader{n}@example.com"),
            state=Subscription.State.SUBSCRIBED,
            source=Channel.IMPORT,
            confirmed_at=now,
        )
        for n in range(SUBSCRIBERS)
    )
    mailing = Mailing.objects.create(subject="Spring news", html="%%unsubscribe_url%%", text="t")
    send_mailing_task.using(backend="worker").enqueue(mailing.pk)

    log = tmp_path / "sent.txt"
    worker = start_worker(log)
    deadline = time.monotonic() + WORKER_TIMEOUT
    try:
        while len(sent_by_worker(log)) < KILL_AFTER:
            assert worker.poll() is None, worker.stdout.read()
            assert time.monotonic() < deadline, "the worker sent too little in time"
            time.sleep(0.05)
    finally:
        worker.kill()
        worker.wait(timeout=30)
    before_kill = sent_by_worker(log)

    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENDING and mailing.finished_at is None
    claimed = Delivery.objects.filter(mailing=mailing, status=Delivery.Status.CLAIMED)
    interrupted = set(claimed.values_list("subscription__email", flat=True))
    assert len(interrupted) == BATCH  # the batch being handed over when the worker died
    assert set(before_kill) - interrupted == set(
        Delivery.objects.filter(mailing=mailing, status=Delivery.Status.SENT).values_list(
            "subscription__email", flat=True
        )
    )

    # The dead worker's lease runs out; the operator resumes.
    Mailing.objects.filter(pk=mailing.pk).update(lease_until=timezone.now())
    call_command("privacy_newsletter_send", "--resume")
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT

    resumed = [message.to[0] for message in mail.outbox]
    everyone = before_kill + resumed
    assert len(everyone) == len(set(everyone)), "someone received the newsletter twice"
    assert not interrupted & set(resumed)
    lost = interrupted - set(before_kill)
    assert set(everyone) | lost == {f"reader{n}@example.com" for n in range(SUBSCRIBERS)}
    assert Delivery.objects.filter(mailing=mailing).count() == SUBSCRIBERS
