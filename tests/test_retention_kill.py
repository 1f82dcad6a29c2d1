"""Retention runs killed half-way, and two at once, in real processes on PostgreSQL.

Each run here is another process (``manage.py privacy_retention``, or
:mod:`tests.retention_worker` where the test must act at an exact moment)
connected to this test run's database, as cron would start it. The data
set: guest orders placed 11 years ago (``accounting_records`` anonymises
them) and the consent records of those guests, six years old, half of them
withdrawn from the newsletter (``consent_proof`` deletes those) and half
still subscribed (kept).

PostgreSQL only: on SQLite the test database lives in memory, out of another
process's reach, and SQLite has no row locks to skip.
"""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.contrib.sites.models import Site
from django.db import connection
from django.utils import timezone

from oscar_privacy.models import (
    ConsentAction,
    ConsentChannel,
    ConsentPurpose,
    ConsentRecord,
    RetentionRun,
)
from oscar_privacy.retention.apply import apply_rules
from tests.factories import _address, _france
from tests.test_export_worker import ROOT, database_url

Order = apps.get_model("order", "Order")
OrderNote = apps.get_model("order", "OrderNote")
ShippingAddress = apps.get_model("order", "ShippingAddress")
BillingAddress = apps.get_model("order", "BillingAddress")

RULES = ("accounting_records", "consent_proof")
GUESTS = 400
BATCH = 20
BASE = 500_000  # explicit primary keys, the same in both copies of the data set
TIMEOUT = 180

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: another process cannot reach SQLite's in-memory test "
        "database, and SQLite has no row locks to skip",
    ),
    pytest.mark.django_db(transaction=True),
]

SNAPSHOT_MODELS = (Order, ShippingAddress, BillingAddress, OrderNote, ConsentRecord)


def build(now=None):
    """The data set, with fixed primary keys: built twice with the same ``now``, the same rows."""
    now = now or timezone.now()
    placed = now - relativedelta(years=11)
    country = _france()
    site = Site.objects.get_current()

    class Guest:
        first_name, last_name = "Camille", "Martin"

    shipping = ShippingAddress.objects.bulk_create(
        [
            _address(ShippingAddress, Guest, country, i, pk=BASE + i, phone_number="+33123456789")
            for i in range(GUESTS)
        ]
    )
    billing = BillingAddress.objects.bulk_create(
        [_address(BillingAddress, Guest, country, i, pk=BASE + i) for i in range(GUESTS)]
    )
    Order.objects.bulk_create(
        Order(
            pk=BASE + i,
            number=f"K-{i}",
            site=site,
            guest_email=f"guest{i}@example.com",
            billing_address=billing[i],
            shipping_address=shipping[i],
            currency="EUR",
            total_incl_tax=10,
            total_excl_tax=10,
            shipping_incl_tax=0,
            shipping_excl_tax=0,
            status="Complete",
            date_placed=placed - relativedelta(minutes=i),
        )
        for i in range(GUESTS)
    )
    OrderNote.objects.bulk_create(
        OrderNote(pk=BASE + i, order_id=BASE + i, message=f"Leave it with neighbour {i}")
        for i in range(GUESTS)
    )
    OrderNote.objects.update(date_created=now, date_updated=now)  # not the time of the build
    records = []
    for i in range(GUESTS):
        email = f"guest{i}@example.com"
        given = now - relativedelta(years=7, minutes=i)
        entries = [
            (ConsentPurpose.TERMS, ConsentAction.GIVEN, given),
            (ConsentPurpose.NEWSLETTER, ConsentAction.GIVEN, given),
        ]
        if i % 2:  # the odd ones withdrew six years ago; the even ones still subscribe
            entries.append(
                (ConsentPurpose.NEWSLETTER, ConsentAction.WITHDRAWN, given + relativedelta(years=1))
            )
        for purpose, action, at in entries:
            records.append(
                ConsentRecord(
                    pk=BASE + len(records),
                    created_at=at,
                    email=email,
                    purpose=purpose,
                    action=action,
                    channel=ConsentChannel.CHECKOUT,
                    order_number=f"K-{i}",
                )
            )
    ConsentRecord.objects.bulk_create(records)


def wipe():
    ConsentRecord.objects.all().purge()
    OrderNote.objects.all().delete()
    Order.objects.all().delete()
    ShippingAddress.objects.all().delete()
    BillingAddress.objects.all().delete()
    RetentionRun.objects.all().delete()


def snapshot():
    """Every field of every row in scope, model by model, in key order."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in SNAPSHOT_MODELS
    }


def subscribed_emails():
    """Addresses whose newest newsletter record is "given": consents in force."""
    newest = {}
    for email, action in (
        ConsentRecord.objects.filter(purpose=ConsentPurpose.NEWSLETTER)
        .order_by("created_at", "pk")
        .values_list("email", "action")
    ):
        newest[email] = action
    return {email for email, action in newest.items() if action == ConsentAction.GIVEN}


def environment():
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }


def command(*extra):
    args = [arg for rule in RULES for arg in ("--rule", rule)]
    return [
        sys.executable,
        str(ROOT / "sandbox" / "manage.py"),
        "privacy_retention",
        *args,
        "--batch-size",
        str(BATCH),
        *extra,
    ]


def worker(*extra):
    return [
        sys.executable,
        "-m",
        "tests.retention_worker",
        *RULES,
        "--batch-size",
        str(BATCH),
        *extra,
    ]


def start(args):
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=environment(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_to_the_end(args):
    done = subprocess.run(
        args, cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=TIMEOUT
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def read_until(process, predicate):
    """Lines of ``process`` up to the first that ``predicate`` accepts (returned)."""
    seen = []
    for line in process.stdout:
        seen.append(line)
        if predicate(line):
            return line
    process.wait(TIMEOUT)
    raise AssertionError("".join(seen) + process.stderr.read())


def kill(process):
    """SIGKILL ``process`` and wait until PostgreSQL has ended its session (and rolled back)."""
    process.send_signal(signal.SIGKILL)
    process.wait(TIMEOUT)
    assert process.returncode == -signal.SIGKILL
    process.stdout.close()
    process.stderr.close()
    process.stdin.close()
    deadline = time.monotonic() + TIMEOUT
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
            assert time.monotonic() < deadline, "the killed run's session did not end"
            time.sleep(0.05)


def anonymised_orders():
    return Order.objects.filter(guest_email="").count()


def test_killed_runs_end_as_an_uninterrupted_run():
    now = timezone.now()
    build(now)
    before = snapshot()
    run_to_the_end(command())
    expected = snapshot()
    uninterrupted = {run.rule: run.counts for run in RetentionRun.objects.all()}
    assert uninterrupted["accounting_records"]["order.Order"] == GUESTS
    # Even guests stay subscribed: their two records each are kept.
    assert uninterrupted["consent_proof"] == {"oscar_privacy.ConsentRecord": 3 * GUESTS // 2}
    assert len(expected["oscar_privacy.ConsentRecord"]) == GUESTS

    wipe()
    build(now)
    assert snapshot() == before

    # 1. Killed inside its third batch, rows changed and locked, not committed.
    held = start(worker("--hold-in-batch", "3"))
    assert read_until(held, lambda line: line.startswith("holding")) == (
        "holding accounting_records 3\n"
    )
    assert anonymised_orders() == 2 * BATCH  # the third batch is not visible
    kill(held)
    assert anonymised_orders() == 2 * BATCH  # and it was rolled back
    killed = RetentionRun.objects.get()
    assert killed.finished_at is None
    assert killed.status == RetentionRun.Status.RUNNING
    # The log row says what the committed batches did: saved in their transactions.
    assert killed.counts["order.Order"] == 2 * BATCH

    # 2. The command itself, killed at once after its first consent_proof batch.
    rerun = start(command())
    read_until(rerun, lambda line: line.startswith("consent_proof [oscar_privacy.ConsentRecord]"))
    kill(rerun)
    assert anonymised_orders() == GUESTS  # accounting_records had finished
    left = ConsentRecord.objects.count()
    assert len(expected["oscar_privacy.ConsentRecord"]) < left < 3 * GUESTS // 2 + GUESTS
    # A run stopped anywhere never makes a withdrawn consent look in force again.
    assert subscribed_emails() == {f"guest{i}@example.com" for i in range(0, GUESTS, 2)}

    # 3. Run again, to the end: the same state as the uninterrupted run, field by field.
    run_to_the_end(command())
    assert snapshot() == expected

    # The log tells the story: two unfinished runs, and no row counted twice.
    runs = list(RetentionRun.objects.order_by("pk").values_list("rule", "finished_at", "counts"))
    assert [(rule, finished is None) for rule, finished, _counts in runs] == [
        ("accounting_records", True),  # killed in its third batch
        ("accounting_records", False),  # the rerun finished it
        ("consent_proof", True),  # killed after its first batch
        ("accounting_records", False),  # nothing left
        ("consent_proof", False),  # finished the rest
    ]
    totals = {}
    for rule, _finished, counts in runs:
        totals[rule] = totals.get(rule, Counter()) + Counter(counts)
    assert totals == {rule: Counter(counts) for rule, counts in uninterrupted.items()}


def test_two_processes_at_once_share_the_work():
    build()
    due = {r.rule: r.counts for r in apply_rules(RULES, dry_run=True, log=False)}

    # One run holds its first batch locked while a second one runs from start to end.
    first = start(worker("--hold-in-batch", "1"))
    read_until(first, lambda line: line.startswith("holding"))
    second = json.loads(run_to_the_end(command("--report", "json")))
    first.stdin.write("go on\n")
    first.stdin.flush()
    done = read_until(first, lambda line: line.startswith("done "))
    assert first.wait(TIMEOUT) == 0, first.stderr.read()
    first.stdout.close()
    first.stderr.close()
    first.stdin.close()

    results = [
        {rule["rule"]: rule["counts"] for rule in second["rules"]},
        {rule["rule"]: rule["counts"] for rule in json.loads(done.removeprefix("done "))},
    ]
    # Each row was processed exactly once: the counts add up to what was due.
    for rule in RULES:
        assert sum((Counter(result[rule]) for result in results), Counter()) == Counter(due[rule])
    # The second run skipped the locked batch, which the first did once released.
    assert results[1]["accounting_records"]["order.Order"] == BATCH
    assert results[0]["accounting_records"]["order.Order"] == GUESTS - BATCH
    assert anonymised_orders() == GUESTS
    assert ConsentRecord.objects.count() == GUESTS
    assert RetentionRun.objects.filter(finished_at__isnull=True).count() == 0


def test_two_processes_started_together_do_no_work_twice():
    build()
    due = {r.rule: r.counts for r in apply_rules(RULES, dry_run=True, log=False)}
    workers = [start(worker("--wait-for-go")) for _ in range(2)]
    for process in workers:
        read_until(process, lambda line: line == "ready\n")
    for process in workers:
        process.stdin.write("go\n")
        process.stdin.flush()
    results = []
    for process in workers:
        done = read_until(process, lambda line: line.startswith("done "))
        assert process.wait(TIMEOUT) == 0, process.stderr.read()
        for stream in (process.stdin, process.stdout, process.stderr):
            stream.close()
        results.append({rule["rule"]: rule["counts"] for rule in json.loads(done[5:])})
    for rule in RULES:
        assert sum((Counter(result[rule]) for result in results), Counter()) == Counter(due[rule])
    assert anonymised_orders() == GUESTS
    assert ConsentRecord.objects.count() == GUESTS
