"""An order placed while a retention run is under way keeps its account out (PostgreSQL).

The order is placed and committed by another connection (another thread,
real transactions) at the worst moments: after the run selected the batch's
rows, before it locks them again; and, for the closing of inactive
accounts, after that re-check, just before the accounts are closed.
"""

import datetime
import threading

import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.db import connection
from django.utils import timezone
from oscar.test.factories import UserFactory, create_order

from oscar_privacy.closure import close_account
from oscar_privacy.models import AccountClosure, InactivityNotice
from oscar_privacy.retention.apply import apply_rules
from oscar_privacy.retention.handlers import ClosedAccountOrdersStep
from oscar_privacy.retention.inactivity import CloseInactiveStep, WarnInactiveStep

Order = apps.get_model("order", "Order")
User = apps.get_model("auth", "User")

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: real concurrent transactions and row locks",
    ),
    pytest.mark.django_db(transaction=True),
]


def in_another_connection(action):
    """Run ``action`` in a thread of its own (its own connection), committed, and wait."""
    errors = []

    def target():
        from django.db import connection as own

        try:
            action()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            own.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    assert not thread.is_alive() and errors == []


def on_call(monkeypatch, step_class, method, number, action):
    """Run ``action`` in another connection when ``step_class.method`` is called the n-th time."""
    original = getattr(step_class, method)
    calls = [0]

    def wrapper(self, *args, **kwargs):
        calls[0] += 1
        if calls[0] == number:
            in_another_connection(action)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(step_class, method, wrapper)
    return calls


def inactive_customer():
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(
        last_login=timezone.now() - relativedelta(years=4),
        date_joined=timezone.now() - relativedelta(years=5),
    )
    return user


def test_an_order_between_selection_and_lock_keeps_the_account_unwarned(monkeypatch):
    ordering, idle = inactive_customer(), inactive_customer()
    # Call 1 selects the batch's keys; call 2 re-checks them under the lock.
    calls = on_call(
        monkeypatch, WarnInactiveStep, "eligible", 2, lambda: create_order(user=ordering)
    )
    (result,) = apply_rules(["customer_account"])
    assert calls[0] >= 2
    assert list(InactivityNotice.objects.values_list("user", flat=True)) == [idle.pk]
    assert result.counts == {"oscar_privacy.InactivityNotice": 1}


@pytest.mark.parametrize(("method", "number"), [("eligible", 2), ("apply", 1)])
def test_an_order_during_the_batch_keeps_a_warned_account_open(monkeypatch, method, number):
    ordering, idle = inactive_customer(), inactive_customer()
    warned = timezone.now() - datetime.timedelta(days=31)
    for user in (ordering, idle):
        InactivityNotice.objects.create(user=user, warned_at=warned)
    on_call(monkeypatch, CloseInactiveStep, method, number, lambda: create_order(user=ordering))
    (result,) = apply_rules(["customer_account"])
    assert list(AccountClosure.objects.values_list("user", flat=True)) == [idle.pk]
    assert result.counts["oscar_privacy.AccountClosure"] == 1
    ordering.refresh_from_db()
    assert ordering.is_active
    assert Order.objects.filter(user=ordering).count() == 1


def test_an_order_between_selection_and_lock_keeps_a_closed_account_out(monkeypatch):
    user = UserFactory()
    order = create_order(user=user)
    Order.objects.filter(pk=order.pk).update(date_placed=timezone.now() - relativedelta(years=2))
    closure = close_account(user, channel=AccountClosure.Channel.STAFF)  # the order held
    # Years later: the hold has ended.
    Order.objects.filter(pk=order.pk).update(date_placed=timezone.now() - relativedelta(years=11))
    AccountClosure.objects.filter(pk=closure.pk).update(
        hold_until=timezone.now() - datetime.timedelta(days=1)
    )
    other = create_order(guest_email="import@example.com")

    def slip_in():
        # An order that reaches the closed account anyway (a staff import, say).
        Order.objects.filter(pk=other.pk).update(user=user, guest_email="")

    on_call(monkeypatch, ClosedAccountOrdersStep, "eligible", 2, slip_in)
    (result,) = apply_rules(["accounting_records"])
    closure.refresh_from_db()
    assert closure.erased_at is None
    assert "oscar_privacy.AccountClosure" not in result.counts
    order.refresh_from_db()
    assert order.user_id == user.pk  # left under its hold
