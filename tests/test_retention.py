"""``manage.py privacy_retention`` and the engine that applies the retention rules."""

import datetime
import json
import os
import subprocess
import sys
import threading
from decimal import Decimal as D
from io import StringIO
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oscar.test.factories import (
    BillingAddressFactory,
    ShippingAddressFactory,
    UserFactory,
    create_order,
    create_product,
)

from oscar_privacy.closure import close_account
from oscar_privacy.models import (
    AccountClosure,
    AuditEvent,
    DataExport,
    InactivityNotice,
    RetentionRun,
)
from oscar_privacy.retention.apply import apply_rules
from oscar_privacy.retention.handlers import HANDLERS

Order = apps.get_model("order", "Order")
ShippingAddress = apps.get_model("order", "ShippingAddress")
BillingAddress = apps.get_model("order", "BillingAddress")
OrderNote = apps.get_model("order", "OrderNote")
OrderLineAttribute = apps.get_model("order", "LineAttribute")
Source = apps.get_model("payment", "Source")
SourceType = apps.get_model("payment", "SourceType")
Bankcard = apps.get_model("payment", "Bankcard")
Basket = apps.get_model("basket", "Basket")
BasketLine = apps.get_model("basket", "Line")
ProductAlert = apps.get_model("customer", "ProductAlert")
Email = apps.get_model("communication", "Email")
Notification = apps.get_model("communication", "Notification")
UserProductView = apps.get_model("analytics", "UserProductView")
UserSearch = apps.get_model("analytics", "UserSearch")
UserRecord = apps.get_model("analytics", "UserRecord")

NOW = timezone.now()
DAY = datetime.timedelta(days=1)
YEAR = 365 * DAY

pytestmark = pytest.mark.django_db


def years_ago(years):
    return NOW - relativedelta(years=years)


def make_order(*, user=None, guest_email="", placed):
    """An order with the rows the data map keeps for accounting, placed at ``placed``."""
    order = create_order(
        user=user,
        guest_email=guest_email,
        shipping_address=ShippingAddressFactory(
            first_name="Camille", last_name="Martin", line1="3 rue Vide", postcode="75011"
        ),
        billing_address=BillingAddressFactory(
            first_name="Camille", last_name="Martin", line1="3 rue Vide", postcode="75011"
        ),
    )
    Order.objects.filter(pk=order.pk).update(date_placed=placed)
    OrderNote.objects.create(order=order, message="Ring at the back door")
    OrderLineAttribute.objects.create(line=order.lines.get(), type="engraving", value="Camille")
    source_type, _ = SourceType.objects.get_or_create(name="Card", code="card")
    Source.objects.create(
        order=order, source_type=source_type, amount_allocated=10, reference="PSP-1", label="Visa"
    )
    order.refresh_from_db()
    return order


def closed_customer(*, last_order_years_ago=2, email=None):
    """A customer who ordered ``last_order_years_ago`` and then closed the account."""
    user = UserFactory(email=email or f"c{UserFactory._meta.model.objects.count()}@example.com")
    order = make_order(user=user, placed=years_ago(last_order_years_ago))
    closure = close_account(user, channel=AccountClosure.Channel.STAFF)
    return user, order, closure


def run(rule, *, now=NOW, **kwargs):
    (result,) = apply_rules([rule], now=now, **kwargs)
    return result


def assert_order_untouched(order):
    fresh = Order.objects.get(pk=order.pk)
    assert (fresh.user_id, fresh.guest_email) == (order.user_id, order.guest_email)
    assert fresh.shipping_address.first_name == "Camille"
    assert fresh.shipping_address.postcode == "75011"
    assert fresh.billing_address.line1 == "3 rue Vide"
    assert fresh.notes.get().message == "Ring at the back door"
    assert fresh.sources.get().label == "Visa"
    assert OrderLineAttribute.objects.get(line__order=fresh).value == "Camille"


def assert_order_anonymised(order):
    fresh = Order.objects.get(pk=order.pk)
    assert fresh.user_id is None
    assert fresh.guest_email == ""
    # What accounting needs stays.
    assert fresh.number == order.number
    assert fresh.date_placed == order.date_placed
    assert fresh.total_incl_tax == order.total_incl_tax
    assert fresh.currency == order.currency
    assert fresh.lines.get().line_price_incl_tax == order.lines.get().line_price_incl_tax
    for address in (fresh.shipping_address, fresh.billing_address):
        assert (address.first_name, address.last_name, address.line1) == ("", "", "")
        assert address.postcode == "75"
        assert address.country_id == "GB"
        assert address.search_text == ""
    assert fresh.notes.get().message == "[redacted]"
    source = fresh.sources.get()
    assert (source.label, source.reference, source.amount_allocated) == ("", "PSP-1", 10)
    assert OrderLineAttribute.objects.get(line__order=fresh).value == {}


# accounting_records: closed accounts


def test_closed_account_inside_its_hold_is_untouched():
    _user, order, closure = closed_customer(last_order_years_ago=2)
    assert closure.hold_until > NOW
    result = run("accounting_records")
    assert result.counts == {}
    assert_order_untouched(order)
    closure.refresh_from_db()
    assert closure.erased_at is None


def test_closed_account_past_its_hold_is_anonymised():
    user, order, closure = closed_customer(last_order_years_ago=2)
    _other_user, other_order, other_closure = closed_customer(last_order_years_ago=1)
    later = closure.hold_until + DAY
    assert other_closure.hold_until > later
    result = run("accounting_records", now=later)
    assert_order_anonymised(order)
    assert_order_untouched(other_order)
    closure.refresh_from_db()
    other_closure.refresh_from_db()
    assert closure.erased_at == later
    assert other_closure.erased_at is None
    assert result.counts["order.Order"] == 1
    assert result.counts["oscar_privacy.AccountClosure"] == 1
    assert result.counts["order.ShippingAddress"] == 1
    # The emptied account itself stays (the closure points at it), inactive.
    user.refresh_from_db()
    assert not user.is_active


def test_an_order_newer_than_the_hold_keeps_the_account_out():
    user, order, closure = closed_customer(last_order_years_ago=2)
    later = closure.hold_until + DAY
    # An order that slipped in (say, imported by staff) after the closure was computed.
    Order.objects.filter(pk=make_order(user=None, placed=later - DAY).pk).update(user=user)
    result = run("accounting_records", now=later)
    assert "order.Order" not in result.counts or result.counts["order.Order"] == 0
    assert_order_untouched(order)
    closure.refresh_from_db()
    assert closure.erased_at is None


def test_closed_staff_account_is_never_touched(staff):
    order = make_order(user=staff, placed=years_ago(12))
    AccountClosure.objects.create(
        user=staff, channel=AccountClosure.Channel.STAFF, hold_until=years_ago(1)
    )
    result = run("accounting_records")
    assert result.counts == {}
    assert_order_untouched(order)


# accounting_records: guest orders


def test_guest_orders_past_the_period_are_anonymised():
    old = make_order(guest_email="guest@example.com", placed=years_ago(10) - DAY)
    recent = make_order(guest_email="guest@example.com", placed=years_ago(10) + DAY)
    customer = UserFactory()
    customers = make_order(user=customer, placed=years_ago(12))  # not closed: not this rule
    result = run("accounting_records")
    assert_order_anonymised(old)
    assert_order_untouched(recent)
    assert_order_untouched(customers)
    assert result.counts["order.Order"] == 1
    assert result.counts["order.BillingAddress"] == 1
    assert result.counts["order.LineAttribute"] == 1


def test_dry_run_counts_and_changes_nothing():
    old = make_order(guest_email="guest@example.com", placed=years_ago(11))
    _user, order, closure = closed_customer(last_order_years_ago=2)
    later = closure.hold_until + DAY
    result = run("accounting_records", now=later, dry_run=True)
    assert result.counts["order.Order"] == 2
    assert result.counts["oscar_privacy.AccountClosure"] == 1
    assert_order_untouched(old)
    assert_order_untouched(order)
    closure.refresh_from_db()
    assert closure.erased_at is None
    run_row = RetentionRun.objects.get()
    assert run_row.dry_run
    assert run_row.counts["order.Order"] == 2


def test_second_run_changes_nothing():
    make_order(guest_email="guest@example.com", placed=years_ago(11))
    _user, _order, closure = closed_customer(last_order_years_ago=2)
    later = closure.hold_until + DAY
    first = run("accounting_records", now=later)
    assert first.counts["order.Order"] == 2
    second = run("accounting_records", now=later)
    assert second.counts == {}
    assert RetentionRun.objects.count() == 2


def test_small_batches_give_the_same_result_as_one():
    orders = [
        make_order(guest_email=f"g{i}@example.com", placed=years_ago(11) - i * DAY)
        for i in range(5)
    ]
    result = run("accounting_records", batch_size=2)
    assert result.batches == 3
    assert result.counts["order.Order"] == 5
    assert result.counts["order.ShippingAddress"] == 5
    for order in orders:
        assert_order_anonymised(order)


def _queries_per_batch(rule, batch_size, **kwargs):
    """Queries of each batch of a run, the run rolled back so that it can be repeated."""
    costs = []
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        seen = [0]

        def progress(result, step, counts):
            costs.append(len(captured.captured_queries) - seen[0])
            seen[0] = len(captured.captured_queries)

        run(rule, batch_size=batch_size, progress=progress, **kwargs)
        transaction.set_rollback(True)
    return costs


@pytest.mark.parametrize("rule", ["accounting_records", "email_history"])
def test_queries_per_batch_are_constant(rule, customer):
    for i in range(8):
        if rule == "accounting_records":
            make_order(guest_email=f"g{i}@example.com", placed=years_ago(11))
        else:
            Email.objects.create(user=customer, email="c@example.com", subject="s", body_text="b")
    Email.objects.update(date_sent=years_ago(2))
    four = _queries_per_batch(rule, 2)
    two = _queries_per_batch(rule, 4)
    assert (len(four), len(two)) == (4, 2)
    # The first batch also pays for the run's start; every later one costs the same,
    # whatever the batch size.
    assert len(set(four[1:] + two[1:])) == 1
    assert four[0] == two[0]


def test_closed_accounts_cost_the_same_queries_per_batch():
    closures, orders = [], []
    for extra in range(4):
        user, order, closure = closed_customer(last_order_years_ago=2)
        orders.append(order)
        # Accounts with more orders: a batch costs the same whatever they hold.
        for _ in range(extra):
            older = make_order(user=None, placed=order.date_placed - YEAR)
            Order.objects.filter(pk=older.pk).update(user=user)
            older.user_id = user.pk
            orders.append(older)
        closures.append(closure)
    later = max(closure.hold_until for closure in closures) + DAY
    ones = _queries_per_batch("accounting_records", 1, now=later)
    twos = _queries_per_batch("accounting_records", 2, now=later)
    assert (len(ones), len(twos)) == (4, 2)
    assert len(set(ones[1:] + twos[1:])) == 1
    assert ones[0] == twos[0]
    result = run("accounting_records", now=later, batch_size=3)
    assert result.counts["order.Order"] == len(orders) == 10
    assert result.counts["order.ShippingAddress"] == 10
    assert result.counts["order.LineAttribute"] == 10
    assert result.counts["oscar_privacy.AccountClosure"] == 4
    for order in orders:
        assert_order_anonymised(order)


def test_query_count_is_linear_in_batches(customer):
    def total_queries(rows, batch_size):
        Email.objects.all().delete()
        RetentionRun.objects.all().delete()
        Email.objects.bulk_create(
            Email(user=customer, email="c@example.com", subject="s", body_text="b")
            for _ in range(rows)
        )
        Email.objects.update(date_sent=years_ago(2))
        with CaptureQueriesContext(connection) as captured:
            result = run("email_history", batch_size=batch_size)
        assert result.counts["communication.Email"] == rows
        return result.batches, len(captured.captured_queries)

    batches2, queries2 = total_queries(4, 2)
    batches4, queries4 = total_queries(8, 2)
    batches6, queries6 = total_queries(12, 2)
    assert (batches2, batches4, batches6) == (2, 4, 6)
    per_batch = (queries4 - queries2) / 2
    assert per_batch == (queries6 - queries4) / 2
    # And the same per-batch cost with bigger batches.
    batches_big, queries_big = total_queries(8, 4)
    assert batches_big == 2
    assert queries_big == queries2


# The other rules


def test_data_exports_expired_archives(customer):
    expired = DataExport.objects.create(
        owner=customer,
        status=DataExport.Status.READY,
        expires_at=NOW - DAY,
        file_name="exports/old.zip.enc",
    )
    current = DataExport.objects.create(
        owner=customer,
        status=DataExport.Status.READY,
        expires_at=NOW + DAY,
        file_name="exports/new.zip.enc",
    )
    assert run("data_exports", dry_run=True).counts == {"oscar_privacy.DataExport": 1}
    assert DataExport.objects.get(pk=expired.pk).status == DataExport.Status.READY
    result = run("data_exports")
    assert result.counts == {"oscar_privacy.DataExport": 1}
    expired.refresh_from_db()
    current.refresh_from_db()
    assert (expired.status, expired.file_name) == (DataExport.Status.EXPIRED, "")
    assert (current.status, current.file_name) == (DataExport.Status.READY, "exports/new.zip.enc")
    assert run("data_exports").counts == {}


def test_sessions_expired_ones_deleted():
    for i in range(3):
        Session.objects.create(session_key=f"old{i}", session_data="x", expire_date=NOW - DAY)
    Session.objects.create(session_key="live", session_data="x", expire_date=NOW + DAY)
    result = run("sessions", batch_size=2)
    assert result.counts == {"sessions.Session": 3}
    assert result.batches == 2
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


def test_shop_statistics(customer, staff):
    product = create_product()
    for user in (customer, staff):
        UserProductView.objects.create(user=user, product=product)
        UserSearch.objects.create(user=user, query="red shoes")
    old = years_ago(1) - 40 * DAY
    UserProductView.objects.update(date_created=old)
    UserSearch.objects.update(date_created=old)
    recent_view = UserProductView.objects.create(user=customer, product=product)
    idle = UserFactory()
    UserRecord.objects.create(user=idle, num_product_views=3, date_last_order=years_ago(2))
    UserRecord.objects.create(user=customer, num_product_views=9)  # viewed lately: kept
    UserRecord.objects.create(user=UserFactory(), date_last_order=NOW - DAY)
    UserRecord.objects.create(user=staff, num_product_views=1)
    result = run("shop_statistics")
    assert result.counts == {
        "analytics.UserProductView": 1,
        "analytics.UserSearch": 1,
        "analytics.UserRecord": 1,
    }
    assert set(UserProductView.objects.values_list("pk", "user")) == {
        (recent_view.pk, customer.pk),
        (UserProductView.objects.get(user=staff).pk, staff.pk),
    }
    assert list(UserSearch.objects.values_list("user", flat=True)) == [staff.pk]
    assert not UserRecord.objects.filter(user=idle).exists()
    assert UserRecord.objects.count() == 3


def test_stale_baskets(customer, staff):
    stale = Basket.objects.create(owner=customer)
    anonymous = Basket.objects.create()
    saved = Basket.objects.create(owner=customer, status=Basket.SAVED)
    touched = Basket.objects.create(owner=UserFactory())
    frozen = Basket.objects.create(owner=customer, status=Basket.FROZEN)
    staffs = Basket.objects.create(owner=staff)
    ordered = make_order(guest_email="g@example.com", placed=NOW - YEAR).basket
    Basket.objects.update(date_created=NOW - 91 * DAY)
    # An order still linked to an (odd) open basket keeps it.
    Basket.objects.filter(pk=ordered.pk).update(status=Basket.OPEN)
    product = create_product(price=D("5.00"))
    for basket in (touched, stale):
        BasketLine.objects.create(
            basket=basket,
            product=product,
            stockrecord=product.stockrecords.get(),
            line_reference=f"line-{basket.pk}",
            price_currency="EUR",
        )
    BasketLine.objects.filter(basket=stale).update(date_updated=NOW - 91 * DAY)
    fresh = Basket.objects.create(owner=customer)
    result = run("stale_baskets")
    assert result.counts["basket.Basket"] == 3
    assert result.counts["basket.Line"] == 1
    left = set(Basket.objects.values_list("pk", flat=True))
    assert left == {touched.pk, frozen.pk, staffs.pk, ordered.pk, fresh.pk}
    assert stale.pk not in left and anonymous.pk not in left and saved.pk not in left


def test_unconfirmed_alerts(customer, staff):
    product = create_product()
    old_anonymous = ProductAlert.objects.create(
        product=product, email="a@example.com", status=ProductAlert.UNCONFIRMED
    )
    old_active = ProductAlert.objects.create(product=product, user=customer)
    old_staff = ProductAlert.objects.create(
        product=product, user=staff, status=ProductAlert.UNCONFIRMED
    )
    ProductAlert.objects.update(date_created=NOW - 31 * DAY)
    new = ProductAlert.objects.create(
        product=product, email="b@example.com", status=ProductAlert.UNCONFIRMED
    )
    assert old_active.status == ProductAlert.ACTIVE
    result = run("unconfirmed_alerts")
    assert result.counts == {"customer.ProductAlert": 1}
    left = set(ProductAlert.objects.values_list("pk", flat=True))
    assert left == {old_active.pk, old_staff.pk, new.pk}
    assert old_anonymous.pk not in left


def test_email_history(customer, staff):
    Email.objects.create(user=customer, email=customer.email, subject="Old", body_text="b")
    Email.objects.create(email="guest@example.com", subject="Old guest", body_text="b")
    Email.objects.create(user=staff, email=staff.email, subject="Old staff", body_text="b")
    Notification.objects.create(recipient=customer, subject="Old", body="b")
    Notification.objects.create(recipient=staff, subject="Old staff", body="b")
    Email.objects.update(date_sent=years_ago(1) - DAY)
    Notification.objects.update(date_sent=years_ago(1) - DAY)
    Email.objects.create(user=customer, email=customer.email, subject="New", body_text="b")
    result = run("email_history")
    assert result.counts == {"communication.Email": 2, "communication.Notification": 1}
    assert set(Email.objects.values_list("subject", flat=True)) == {"New", "Old staff"}
    assert list(Notification.objects.values_list("subject", flat=True)) == ["Old staff"]


def test_bank_cards(customer, staff):
    for user in (customer, staff):
        Bankcard.objects.create(
            user=user,
            card_type="Visa",
            number="4111111111111111",
            expiry_date=datetime.date(2030, 1, 31),
        )
    result = run("bank_cards")
    assert result.counts == {"payment.Bankcard": 1}
    assert list(Bankcard.objects.values_list("user", flat=True)) == [staff.pk]


def test_audit_trail(customer):
    AuditEvent(
        action="old", actor_label="system", subject=customer, created_at=years_ago(1) - DAY
    ).save()
    AuditEvent(action="new", actor_label="system", subject=customer).save()
    assert run("audit_trail", dry_run=True).counts == {"oscar_privacy.AuditEvent": 1}
    assert AuditEvent.objects.count() == 2
    result = run("audit_trail")
    assert result.counts == {"oscar_privacy.AuditEvent": 1}
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["new"]


# The command


def call(*args):
    out = StringIO()
    call_command("privacy_retention", *args, stdout=out)
    return out.getvalue()


def test_command_runs_every_rule_and_logs_each(customer):
    Email.objects.create(user=customer, email=customer.email, subject="Old", body_text="b")
    Email.objects.update(date_sent=years_ago(2))
    output = call()
    assert "email_history [communication.Email] batch 1: communication.Email: 1" in output
    assert "email_history: changed 1 row(s) (communication.Email: 1)" in output
    assert "staff_records: not automated yet" in output
    assert "consent_proof: changed 0 row(s)" in output
    assert set(RetentionRun.objects.values_list("rule", flat=True)) == set(HANDLERS)
    email_run = RetentionRun.objects.get(rule="email_history")
    assert email_run.counts == {"communication.Email": 1}
    assert email_run.finished_at is not None
    assert not email_run.dry_run and not email_run.stopped_early


def test_command_json_report(customer):
    Email.objects.create(user=customer, email=customer.email, subject="Old", body_text="b")
    Email.objects.update(date_sent=years_ago(2))
    document = json.loads(call("--report", "json", "--dry-run"))
    assert document["dry_run"] is True
    assert document["not_automated"] == ["staff_records"]
    rules = {rule["rule"]: rule for rule in document["rules"]}
    assert rules["email_history"]["counts"] == {"communication.Email": 1}
    assert Email.objects.count() == 1


def test_command_max_seconds_zero_stops_and_a_rerun_finishes(customer):
    Email.objects.create(user=customer, email=customer.email, subject="Old", body_text="b")
    Email.objects.update(date_sent=years_ago(2))
    output = call("--rule", "email_history", "--max-seconds", "0")
    assert "stopped early" in output
    assert Email.objects.count() == 1
    assert RetentionRun.objects.get().stopped_early
    output = call("--rule", "email_history", "--max-seconds", "60")
    assert "stopped early" not in output
    assert Email.objects.count() == 0


def test_command_a_rule_whose_action_was_changed_is_not_automated(settings, customer):
    settings.OSCAR_PRIVACY_RETENTION = {"email_history": {"action": "review"}}
    Email.objects.create(user=customer, email=customer.email, subject="Old", body_text="b")
    Email.objects.update(date_sent=years_ago(2))
    output = call("--rule", "email_history")
    assert "email_history: not automated yet" in output
    assert Email.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--rule", "nope"), "Unknown retention rule 'nope'; known rules: accounting_records"),
        (("--batch-size", "0"), "--batch-size"),
        (("--batch-size", "many"), "--batch-size"),
        (("--max-seconds", "-1"), "--max-seconds"),
        (("--max-seconds", "nan"), "--max-seconds"),
        (("--max-seconds", "soon"), "--max-seconds"),
        (("--batch-size", "-5"), "--batch-size"),
        (("--batch-size", "2.5"), "--batch-size"),
        (("--rule", "email_history", "--rule", "nope"), "Unknown retention rule 'nope'"),
        (("--report", "xml"), "--report"),
    ],
)
def test_command_bad_arguments(args, message, customer):
    Email.objects.create(user=customer, email=customer.email, subject="Old", body_text="b")
    Email.objects.update(date_sent=years_ago(2))
    with pytest.raises(CommandError, match=message.replace("'", ".")):
        call(*args)
    assert Email.objects.count() == 1
    assert not RetentionRun.objects.exists()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--rule", "nope"), 1, "CommandError: Unknown retention rule 'nope'; known rules: "),
        (("--batch-size", "0"), 2, "argument --batch-size: invalid positive whole number value"),
        (("--max-seconds", "-1"), 2, "argument --max-seconds: invalid number of seconds"),
    ],
)
def test_command_line_mistakes_give_a_message_not_a_traceback(tmp_path, args, code, message):
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(
        [sys.executable, str(root / "sandbox" / "manage.py"), "privacy_retention", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == code
    assert message in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"shop_statistics": {"period": "-P13M"}}, "'shop_statistics'.*'-P13M'"),
        ({"shop_statistics": {"period": "13 months"}}, "not an ISO 8601 period"),
        ({"shop_statistics": {"action": "burn"}}, "action 'burn'"),
        ({"shop_statistics": {"period": 13}}, "'shop_statistics'.*13"),
        ({"shop_statistics": {"period": "PT12H"}}, "not an ISO 8601 period"),
        ({"shop_statistics": {"category": "mood"}}, "category 'mood' is not one of"),
        ({"shop_statistics": {"start": "birthday"}}, "start 'birthday'"),
        ({"shop_statistics": {"periode": "P1Y"}}, "unknown keys: periode"),
        ({"loyalty": {"period": "P1Y"}}, "new rule and needs"),
        ("P1Y", "OSCAR_PRIVACY_RETENTION"),
    ],
)
def test_command_bad_settings_stop_before_anything_changes(settings, setting, message, customer):
    settings.OSCAR_PRIVACY_RETENTION = setting
    Email.objects.create(user=customer, email=customer.email, subject="Old", body_text="b")
    Email.objects.update(date_sent=years_ago(2))
    with pytest.raises(CommandError, match=message):
        call()
    assert Email.objects.count() == 1
    assert not RetentionRun.objects.exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL's row locks (SKIP LOCKED)"
)
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_share_the_work_without_doing_it_twice():
    orders = [
        make_order(guest_email=f"g{i}@example.com", placed=years_ago(11) - i * DAY)
        for i in range(12)
    ]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(run("accounting_records", batch_size=2))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(result.counts.get("order.Order", 0) for result in results) == 12
    assert sum(result.counts.get("order.ShippingAddress", 0) for result in results) == 12
    for order in orders:
        assert_order_anonymised(order)
    assert run("accounting_records").counts == {}


# customer_account: inactive accounts are warned, then closed ------------------------


def inactive(user, years=4):
    type(user).objects.filter(pk=user.pk).update(
        last_login=years_ago(years), date_joined=years_ago(years + 1)
    )


def test_inactive_customers_are_warned_once(
    customer, staff, mailoutbox, django_capture_on_commit_callbacks
):
    inactive(customer)
    inactive(staff)
    active = UserFactory(email="active@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        output = call("--rule", "customer_account")
    assert "oscar_privacy.InactivityNotice: 1" in output
    assert list(InactivityNotice.objects.values_list("user", flat=True)) == [customer.pk]
    assert [message.to for message in mailoutbox] == [[customer.email]]
    assert "will be closed" in mailoutbox[0].subject
    assert "Unless you log in before" in mailoutbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        call("--rule", "customer_account")
    assert InactivityNotice.objects.count() == 1
    assert len(mailoutbox) == 1
    active.refresh_from_db()
    assert active.is_active


def test_a_recent_order_counts_as_activity(customer):
    inactive(customer)
    create_order(user=customer)
    call("--rule", "customer_account")
    assert not InactivityNotice.objects.exists()


def test_coming_back_withdraws_the_warning_and_keeps_the_account(customer):
    inactive(customer)
    call("--rule", "customer_account")
    InactivityNotice.objects.update(warned_at=years_ago(1))
    type(customer).objects.filter(pk=customer.pk).update(last_login=timezone.now())
    call("--rule", "customer_account")
    assert not InactivityNotice.objects.exists()
    assert not AccountClosure.objects.exists()


def test_still_inactive_after_the_grace_period_the_account_is_closed(
    customer, mailoutbox, django_capture_on_commit_callbacks
):
    inactive(customer)
    call("--rule", "customer_account")
    assert not AccountClosure.objects.exists()  # warned, not closed yet
    InactivityNotice.objects.update(warned_at=timezone.now() - datetime.timedelta(days=31))
    output = call("--rule", "customer_account", "--dry-run")
    assert "oscar_privacy.AccountClosure: 1" in output
    assert not AccountClosure.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        call("--rule", "customer_account")
    closure = AccountClosure.objects.get()
    assert (closure.user_id, closure.channel) == (customer.pk, AccountClosure.Channel.RETENTION)
    customer.refresh_from_db()
    assert not customer.is_active and customer.email == ""
    assert not InactivityNotice.objects.exists()  # erased with the account
    assert "is closed" in mailoutbox[-1].subject
