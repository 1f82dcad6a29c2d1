"""Budget of the account recovery candidates (run by ``make bench``; see conftest.py).

Staff open a recovery request and :func:`oscar_privacy.recovery.candidates`
scores every eligible account against the facts, in two queries. Measured on
:data:`ACCOUNTS` open accounts made by :func:`closed_accounts.generate`
(``open_accounts=True``: "Camille Martin <n>", 3 orders each with shipping
and billing addresses, the same phone number on every shipping address,
postcodes 75001 to 75020). The data is harsher than a real shop's: every
account shares the first name, so that fact alone matches 100,000 accounts
and 600,000 order addresses, and every row goes through the scoring.

- a typical request (names, postcode, order number, date of the last order):
  one account matches all five; some 20,000 others share the first name and a
  postcode or the date, and are scored too;
- the worst case: the phone number given is on every account's orders, so
  every account is a candidate with two facts or more.

Each figure is the slowest of :data:`ROUNDS` runs, the first one cold.
"""

import time

import pytest
from django.contrib.sites.models import Site
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oscar.apps.order.models import Order
from oscar.apps.payment.models import SourceType
from oscar.test.factories import UserFactory, VoucherFactory

from oscar_privacy.models import PrivacyRequest
from oscar_privacy.recovery import candidates
from tests.factories import _france, catalogue

from . import closed_accounts

ACCOUNTS = 100_000
ACCOUNT = 4242
"""The requester: the 4,242nd generated account."""
ROUNDS = 3
TIME_BUDGET = 2.0
"""Seconds for one candidates() call over 100,000 accounts: staff wait for the page."""


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("The recovery benchmark generates its data with PostgreSQL's SQL.")
        now = timezone.now()
        started = time.perf_counter()
        fixtures = {
            "site": Site.objects.get_current(),
            "country": _france(),
            "staff": UserFactory(is_staff=True, username="bench-recovery-staff"),
            "product": catalogue(1)[0],
            "source_type": SourceType.objects.get_or_create(name="Card", code="card")[0],
            "voucher": VoucherFactory(code="BENCH-RECOVERY", name="Bench recovery"),
        }
        block = closed_accounts.generate(
            ACCOUNTS, now=now, years_ago=1, open_accounts=True, **fixtures
        )
        closed_accounts.reset_sequences()
        generated_in = time.perf_counter() - started
    yield {"block": block, "generated_in": generated_in}
    with django_db_blocker.unblock():
        closed_accounts.remove_all()


def _measure(details):
    privacy_request = PrivacyRequest.objects.create(
        kind=PrivacyRequest.Kind.RECOVERY, details=details
    )
    timings = []
    for _round in range(ROUNDS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            found = candidates(privacy_request)
            timings.append(time.perf_counter() - started)
    return max(timings), found, len(queries)


def _target(shop):
    """The 4,242nd account and its last order, whose facts the requester remembers."""
    block = shop["block"]
    last_order = block.order_ids(ACCOUNT)[0]  # the first of an account's orders is its last
    return block.user + ACCOUNT, Order.objects.select_related("shipping_address").get(pk=last_order)


@pytest.mark.django_db
def test_recovery_candidates_typical(shop, bench):
    user_id, order = _target(shop)
    details = {
        "first_name": "Camille",
        "last_name": f"Martin {ACCOUNT}",
        "postcode": order.shipping_address.postcode,
        "order_number": order.number,
        "last_order_date": timezone.localtime(order.date_placed).date().isoformat(),
    }
    seconds, found, queries = _measure(details)
    assert found[0].user.pk == user_id and found[0].score == 5
    assert queries == 2
    assert bench(
        f"recovery candidates, typical request, {ACCOUNTS:,} accounts",
        round(seconds, 3),
        "s",
        TIME_BUDGET,
        accounts=ACCOUNTS,
        orders=ACCOUNTS * closed_accounts.ORDERS,
        queries=queries,
        generated_in=round(shop["generated_in"], 1),
    )


@pytest.mark.django_db
def test_recovery_candidates_worst_case(shop, bench):
    user_id, order = _target(shop)
    details = {
        "first_name": "Camille",
        "last_name": f"Martin {ACCOUNT}",
        "phone": "01 23 45 67 89",  # on every account's orders
        "postcode": order.shipping_address.postcode,
    }
    seconds, found, queries = _measure(details)
    assert len(found) == 10 and found[0].user.pk == user_id and found[0].score == 4
    assert bench(
        f"recovery candidates, every account a candidate, {ACCOUNTS:,} accounts",
        round(seconds, 3),
        "s",
        TIME_BUDGET,
        accounts=ACCOUNTS,
        queries=queries,
    )
