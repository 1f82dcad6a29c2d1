"""Budgets of the retention engine (run by ``make bench``; see conftest.py for the report).

The issue's budget: ``accounting_records`` anonymises the orders of 100,000
closed accounts whose legal hold has ended (300,000 orders) in at most 60 s
on PostgreSQL, at least 50 times faster per account than the naive loop
(``for obj in queryset: anonymise(obj); obj.save()``) measured in the same
run on 2,000 accounts, with memory growing by at most 150 MB and the same
number of queries for every batch. Measured here on accounts made by
:func:`tests.benchmarks.closed_accounts.generate`, as
:func:`~oscar_privacy.closure.close_account` leaves them (checked against a
real closure):

- time: :func:`~oscar_privacy.retention.apply.apply_rules` for
  ``accounting_records`` end to end, as ``manage.py privacy_retention --rule
  accounting_records`` runs it (batches of
  :data:`~oscar_privacy.retention.apply.DEFAULT_BATCH_SIZE`, each its own
  transaction, autocommit outside them);
- speed-up: accounts per second of that run over accounts per second of
  :func:`naive_loop` on :data:`NAIVE_ACCOUNTS` other accounts;
- memory: the process's resident set size (RSS) during the run, sampled
  every :data:`RSS_INTERVAL` seconds by a thread reading ``/proc/self/statm``,
  peak minus the size before the run (taken before anything else runs in
  Python: the data is written by PostgreSQL, the naive loop comes after).
  tracemalloc would see only Python's allocations (not the database
  driver's buffers) and slows Python several times, which would distort the
  time measured in the same run;
- queries: counted per batch with ``connection.execute_wrapper`` and the
  engine's ``progress`` callback; every batch must issue the same number.

Afterwards the rows are checked field by field on a sample, and 1,000 closed
accounts still under their hold must be untouched, so the run cannot pass by
doing nothing (or everything).
"""

import gc
import os
import threading
import time
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.contrib.sites.models import Site
from django.db import connection
from django.db.models import Max
from django.utils import timezone
from oscar.test.factories import UserFactory, VoucherFactory

from oscar_privacy.closure import close_account
from oscar_privacy.datamap import datamap
from oscar_privacy.models import AccountClosure
from oscar_privacy.retention.apply import DEFAULT_BATCH_SIZE, apply_rules
from oscar_privacy.retention.rules import get_rule
from tests.factories import _france, catalogue

from . import closed_accounts
from .closed_accounts import LINES, ORDERS

ACCOUNTS = 100_000
"""Eligible closed accounts the engine anonymises (one of them closed by ``close_account``)."""
NAIVE_ACCOUNTS = 2_000
"""Other eligible accounts, written after the engine's run and anonymised by :func:`naive_loop`."""
HELD_ACCOUNTS = 1_000
"""Closed accounts still under their hold: the run must leave them alone."""

TIME_BUDGET = 60.0
SPEEDUP_BUDGET = 50.0
MB = 1024 * 1024
MEMORY_GROWTH_BUDGET = 150 * MB
RSS_INTERVAL = 0.005
SAMPLE_EVERY = 997
"""Every 997th account of the run is checked field by field (about 100 accounts)."""

Order = apps.get_model("order", "Order")
ShippingAddress = apps.get_model("order", "ShippingAddress")
BillingAddress = apps.get_model("order", "BillingAddress")
Line = apps.get_model("order", "Line")
LineAttribute = apps.get_model("order", "LineAttribute")
OrderNote = apps.get_model("order", "OrderNote")
Source = apps.get_model("payment", "Source")
SourceType = apps.get_model("payment", "SourceType")
VoucherApplication = apps.get_model("voucher", "VoucherApplication")
User = apps.get_model("auth", "User")

ACCOUNTING_MODELS = (
    Order,
    ShippingAddress,
    BillingAddress,
    Line,
    LineAttribute,
    OrderNote,
    Source,
    VoucherApplication,
)


class RssPeak:
    """Peak resident set size (bytes) of this process while the ``with`` block runs."""

    def __init__(self, interval=RSS_INTERVAL):
        self.interval = interval
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.stop = threading.Event()

    def rss(self):
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * self.page

    def _sample(self):
        while not self.stop.wait(self.interval):
            self.peak = max(self.peak, self.rss())

    def __enter__(self):
        gc.collect()
        self.start = self.peak = self.rss()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.peak = max(self.peak, self.rss())
        self.growth = self.peak - self.start


class QueriesPerBatch:
    """Queries the engine issues, split at each batch by its ``progress`` callback."""

    def __init__(self):
        self.total = 0
        self.mark = 0
        self.before_first_batch = None
        self.batches = []  # (step label, queries)
        self.first_table = AccountClosure._meta.db_table

    def __call__(self, execute, sql, params, many, context):
        if self.before_first_batch is None and self.first_table in sql:
            # The run's own start (its RetentionRun row) is not part of a batch.
            self.before_first_batch = self.mark = self.total
        self.total += 1
        return execute(sql, params, many, context)

    def progress(self, result, step, counts):
        self.batches.append((step.label, self.total - self.mark))
        self.mark = self.total


def _accounting_entries():
    """The data map entries ``accounting_records`` anonymises, rows found through others first."""
    entries = [
        entry
        for entry in datamap
        if "accounting_records" in entry.retention
        and entry.user_path not in (None, "pk")
        and entry.anonymisation_values()
    ]
    return sorted(entries, key=lambda entry: -entry.user_path.count("__"))


def naive_loop(closures, now):
    """Anonymise the order data of ``closures`` one object at a time; the baseline.

    For each account, each entry's rows are loaded as model instances, given
    the values of the data map's anonymisers (expressions such as the
    postcode's prefix are computed by the database in the same query) and
    saved one by one, then the closure is marked erased.
    """
    entries = [(entry, entry.anonymisation_values()) for entry in _accounting_entries()]
    for closure in closures.select_related("user"):
        for entry, values in entries:
            plain = {name: value for name, value in values.items() if not _is_expression(value)}
            computed = {name: value for name, value in values.items() if _is_expression(value)}
            queryset = entry.queryset_for(user=closure.user).annotate(
                **{f"anonymised_{name}": value for name, value in computed.items()}
            )
            for obj in queryset:
                for name, value in plain.items():
                    setattr(obj, name, value)
                for name in computed:
                    setattr(obj, name, getattr(obj, f"anonymised_{name}"))
                obj.save()
        closure.erased_at = now
        closure.save()


def _is_expression(value):
    return hasattr(value, "resolve_expression")


def _snapshot(user):
    """Every row of ``user``'s order data, as dicts, for comparing before and after a closure."""
    return {
        entry.label: sorted(
            entry.queryset_for(user=user).values(), key=lambda row: tuple(map(str, row.values()))
        )
        for entry in datamap
        if entry.model_class in ACCOUNTING_MODELS
    }


def _closed_for_real(fixtures, now):
    """One account generated open and closed by ``close_account`` while its hold runs.

    Its dates are then moved back ten years, as if it had been closed then:
    ``(block, user, rows before the closure, rows after it)``.
    """
    block = closed_accounts.generate(1, now=now, years_ago=0, open_accounts=True, **fixtures)
    closed_accounts.reset_sequences()
    user = User.objects.get(pk=block.user + 1)
    before = _snapshot(user)
    closure = close_account(user, channel=AccountClosure.Channel.MY_ACCOUNT)
    assert closure.hold_until > now and closure.erased_at is None
    after = _snapshot(user)
    back = relativedelta(years=10)
    for model, names in (
        (AccountClosure, ["closed_at", "last_order_at", "hold_until"]),
        (Order, ["date_placed"]),
        (OrderNote, ["date_created", "date_updated"]),
        (VoucherApplication, ["date_created"]),
    ):
        for row in model._default_manager.filter(
            **{"order__user" if model is OrderNote else "user": user}
        ):
            for name in names:
                setattr(row, name, getattr(row, name) - back)
            # update(), not save(): auto_now would set date_updated to now.
            model._default_manager.filter(pk=row.pk).update(
                **{name: getattr(row, name) for name in names}
            )
    user.refresh_from_db()
    return block, user, before, after


@pytest.fixture(scope="module")
def retention_run(django_db_setup, django_db_blocker):
    """Generate the shop, run the naive loop, then the engine; what was measured."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("The retention benchmark generates its data with PostgreSQL's SQL.")
        now = timezone.now()
        started = time.perf_counter()
        product = catalogue(1)[0]
        fixtures = {
            "site": Site.objects.get_current(),
            "country": _france(),
            "staff": UserFactory(is_staff=True, username="bench-staff"),
            "product": product,
            "source_type": SourceType.objects.get_or_create(name="Card", code="card")[0],
            "voucher": VoucherFactory(code="BENCH-RETENTION", name="Bench retention"),
        }
        block = closed_accounts.generate(ACCOUNTS - 1, now=now, years_ago=10, **fixtures)
        held_block = closed_accounts.generate(HELD_ACCOUNTS, now=now, years_ago=2, **fixtures)
        closed_accounts.reset_sequences()
        real_block, real_user, real_before, real_after = _closed_for_real(fixtures, now)
        generated_in = time.perf_counter() - started

        queries = QueriesPerBatch()
        with connection.execute_wrapper(queries), RssPeak() as memory:
            started = time.perf_counter()
            (result,) = apply_rules(
                ["accounting_records"],
                now=now,
                batch_size=DEFAULT_BATCH_SIZE,
                progress=queries.progress,
            )
            seconds = time.perf_counter() - started

        # The baseline's accounts are written after the run, which would take them too.
        started = time.perf_counter()
        naive_block = closed_accounts.generate(NAIVE_ACCOUNTS, now=now, years_ago=10, **fixtures)
        closed_accounts.reset_sequences()
        generated_in += time.perf_counter() - started
        naive_closures = AccountClosure.objects.filter(user_id__in=naive_block.user_ids())
        started = time.perf_counter()
        naive_loop(naive_closures, now)
        naive_seconds = time.perf_counter() - started
    yield {
        "now": now,
        "block": block,
        "naive_block": naive_block,
        "held_block": held_block,
        "real_block": real_block,
        "real_user": real_user,
        "real_before": real_before,
        "real_after": real_after,
        "generated_in": generated_in,
        "naive_seconds": naive_seconds,
        "seconds": seconds,
        "result": result,
        "memory": memory,
        "queries": queries,
    }
    with django_db_blocker.unblock():
        closed_accounts.remove_all()


def test_retention_time(retention_run, bench):
    result = retention_run["result"]
    ok = bench(
        f"accounting_records, {ACCOUNTS:,} closed accounts",
        round(retention_run["seconds"], 2),
        "s",
        TIME_BUDGET,
        accounts=ACCOUNTS,
        orders=ACCOUNTS * ORDERS,
        lines_per_order=LINES,
        batch_size=DEFAULT_BATCH_SIZE,
        batches=result.batches,
        counts=result.counts,
        generated_in=round(retention_run["generated_in"], 1),
    )
    assert result.counts[AccountClosure._meta.label] == ACCOUNTS
    assert ok, f"{ACCOUNTS} accounts took {retention_run['seconds']:.1f} s"


def test_retention_speedup(retention_run, bench):
    engine_rate = ACCOUNTS / retention_run["seconds"]
    naive_rate = NAIVE_ACCOUNTS / retention_run["naive_seconds"]
    bench(
        f"naive loop, {NAIVE_ACCOUNTS:,} closed accounts",
        round(retention_run["naive_seconds"], 2),
        "s",
        accounts_per_second=round(naive_rate, 1),
    )
    ok = bench(
        "accounting_records speed-up over the naive loop",
        round(engine_rate / naive_rate, 1),
        "×",
        SPEEDUP_BUDGET,
        ok=engine_rate >= SPEEDUP_BUDGET * naive_rate,
        budget_text=f"≥ {SPEEDUP_BUDGET:g}×",
        engine_accounts_per_second=round(engine_rate, 1),
        naive_accounts_per_second=round(naive_rate, 1),
    )
    assert ok, f"engine {engine_rate:.0f} accounts/s, naive loop {naive_rate:.0f} accounts/s"


def test_retention_memory(retention_run, bench):
    memory = retention_run["memory"]
    ok = bench(
        f"accounting_records RSS growth, {ACCOUNTS:,} accounts",
        round(memory.growth / MB, 2),
        "MB",
        MEMORY_GROWTH_BUDGET / MB,
        rss_before_mb=round(memory.start / MB, 2),
        rss_peak_mb=round(memory.peak / MB, 2),
        sampled_every_s=RSS_INTERVAL,
    )
    assert ok, f"RSS grew by {memory.growth / MB:.0f} MB"


def test_retention_queries_per_batch(retention_run, bench):
    queries = retention_run["queries"]
    per_batch = [count for _label, count in queries.batches]
    expected_batches = -(-ACCOUNTS // DEFAULT_BATCH_SIZE)
    ok = bench(
        f"accounting_records queries per batch of {DEFAULT_BATCH_SIZE:,}",
        max(per_batch),
        "queries",
        min(per_batch),
        ok=len(set(per_batch)) == 1 and len(per_batch) == expected_batches,
        budget_text=f"= {min(per_batch)} in all {len(per_batch)} batches",
        distinct_counts=sorted(set(per_batch)),
        batches=len(per_batch),
        before_first_batch=queries.before_first_batch,
        total=queries.total,
    )
    assert ok, f"queries per batch: {sorted(set(per_batch))} over {len(per_batch)} batches"


@pytest.mark.django_db
def test_generated_accounts_are_as_close_account_leaves_them(retention_run):
    """The generator's closed accounts match one closed by the real service."""
    real = retention_run["real_user"]
    # close_account keeps every row of the order data under the hold, unchanged.
    assert retention_run["real_before"] == retention_run["real_after"]
    assert all(retention_run["real_before"].values())
    block = retention_run["block"]
    generated = User.objects.get(pk=block.user + 1)
    fields = ["first_name", "last_name", "email", "password", "is_active", "last_login"]
    fields += ["is_staff", "is_superuser"]
    assert {f: getattr(generated, f) for f in fields} == {f: getattr(real, f) for f in fields}
    assert (real.username, generated.username) == (
        f"anonymised-{real.pk}",
        f"anonymised-{generated.pk}",
    )
    rule = get_rule("accounting_records")
    closure = AccountClosure.objects.get(user=generated)
    assert closure.had_orders
    last_order = Order.objects.filter(pk__in=block.order_ids(1)).aggregate(Max("date_placed"))
    assert closure.last_order_at == last_order["date_placed__max"]
    assert closure.hold_until == closure.last_order_at + rule.delta
    assert closure.hold_until < retention_run["now"]


@pytest.mark.django_db
def test_accounts_are_anonymised_field_by_field(retention_run):
    now = retention_run["now"]
    block = retention_run["block"]
    result = retention_run["result"]
    orders = ACCOUNTS * ORDERS
    assert result.counts == {
        "oscar_privacy.AccountClosure": ACCOUNTS,
        "order.Order": orders,
        "order.ShippingAddress": orders,
        "order.BillingAddress": orders,
        "order.LineAttribute": orders,
        "order.OrderNote": orders,
        "payment.Source": orders,
        "voucher.VoucherApplication": ACCOUNTS,
    }
    assert not AccountClosure.objects.filter(erased_at__isnull=True, hold_until__lte=now).exists()
    # The one closed by close_account, and a sample of the generated ones.
    accounts = [(retention_run["real_block"], 1)] + [
        (block, account) for account in range(1, block.count + 1, SAMPLE_EVERY)
    ]
    for account_block, account in accounts:
        user_id = account_block.user + account
        closure = AccountClosure.objects.get(user_id=user_id)
        assert closure.erased_at == now
        order_ids = account_block.order_ids(account)
        orders = Order.objects.filter(pk__in=order_ids).select_related(
            "shipping_address", "billing_address"
        )
        assert len(orders) == ORDERS
        for order in orders:
            _assert_order_anonymised(order)
        application = VoucherApplication.objects.get(order_id=order_ids[0])
        assert application.user_id is None
        assert application.date_created == closure.last_order_at
        # The emptied account stays, as the closure left it.
        assert User.objects.filter(
            pk=user_id, username=f"anonymised-{user_id}", email="", is_active=False
        ).exists()


def _assert_order_anonymised(order):
    g = int(order.number.rsplit("-", 1)[1])  # the generator's row number
    assert order.user_id is None
    assert order.guest_email == ""
    # What accounting needs stays.
    assert order.total_incl_tax == order.total_excl_tax == Decimal("4.90") + 25 * (1 + g % 4)
    assert order.currency == "EUR"
    assert order.shipping_method == "Standard shipping"
    assert order.date_placed < timezone.now() - relativedelta(years=10)
    assert order.status == "Complete"
    for address in (order.shipping_address, order.billing_address):
        assert (address.title, address.first_name, address.last_name) == ("", "", "")
        assert (address.line1, address.line4, address.search_text) == ("", "", "")
        assert address.postcode == "75"
        assert address.country_id == "FR"
    assert order.shipping_address.phone_number in ("", None)
    assert order.shipping_address.notes == ""
    lines = list(order.lines.order_by("pk"))
    assert len(lines) == LINES
    assert all(line.line_price_incl_tax == 12.5 * line.quantity for line in lines)
    assert [attribute.value for attribute in lines[0].attributes.all()] == [{}]
    note = order.notes.get()
    assert note.message == "[redacted]"
    assert note.user.username == "bench-staff"
    source = order.sources.get()
    assert source.label == ""
    assert source.reference.startswith("PSP-")
    assert source.amount_allocated == order.total_incl_tax


@pytest.mark.django_db
def test_accounts_under_their_hold_are_untouched(retention_run):
    held = retention_run["held_block"]
    user_ids = list(held.user_ids())
    assert not AccountClosure.objects.filter(user_id__in=user_ids, erased_at__isnull=False).exists()
    orders = Order.objects.filter(user_id__in=user_ids)
    assert orders.count() == HELD_ACCOUNTS * ORDERS
    assert not orders.filter(shipping_address__first_name="").exists()
    assert not OrderNote.objects.filter(order__in=orders, message="[redacted]").exists()
    assert not Source.objects.filter(order__in=orders, label="").exists()
    assert VoucherApplication.objects.filter(user_id__in=user_ids).count() == HELD_ACCOUNTS


@pytest.mark.django_db
def test_naive_loop_did_the_same(retention_run):
    """The baseline did the real work too: its accounts end as the engine's do."""
    naive = retention_run["naive_block"]
    assert not AccountClosure.objects.filter(
        user_id__in=naive.user_ids(), erased_at__isnull=True
    ).exists()
    for account in (1, NAIVE_ACCOUNTS // 2, NAIVE_ACCOUNTS):
        for order in Order.objects.filter(pk__in=naive.order_ids(account)):
            assert order.user_id is None
            address = order.shipping_address
            assert (address.first_name, address.line1, address.postcode) == ("", "", "75")
            assert order.notes.get().message == "[redacted]"
