"""Property-based tests of the ``accounting_records`` holds, over random customer histories.

Hypothesis makes customers (open, closed, staff) and guests with orders of
random ages (0 to 15 years), closes the accounts it was told to, and runs
the retention engine (what ``manage.py privacy_retention`` calls) at a
random moment up to six years later. Then, order by order, and for every
data map entry kept for accounting (the order, its addresses, lines, line
options, notes and payment sources):

- a row still under its hold (a closed account whose ``hold_until`` is
  after the run, a guest order younger than the accounting period, an open
  or staff account's order) is exactly as it was before the closure;
- a row past its hold has, in every field the data map gives an
  anonymiser, that anonymiser's value, and every other column unchanged.

Each example runs in a savepoint rolled back at its end, so examples do not
see each other's rows; the products, country and site are made once per test.
"""

import datetime
import itertools

import pytest
from django.apps import apps
from django.contrib.sites.models import Site
from django.db import models, transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from oscar.test.factories import UserFactory

from oscar_privacy.closure import close_account
from oscar_privacy.datamap import datamap
from oscar_privacy.models import AccountClosure
from oscar_privacy.retention import get_rules
from oscar_privacy.retention.apply import apply_rules
from tests.factories import SHIPPING, UNIT_PRICE, _address, _france, _order_line, catalogue

Order = apps.get_model("order", "Order")
ShippingAddress = apps.get_model("order", "ShippingAddress")
BillingAddress = apps.get_model("order", "BillingAddress")
Line = apps.get_model("order", "Line")
LineAttribute = apps.get_model("order", "LineAttribute")
OrderNote = apps.get_model("order", "OrderNote")
Source = apps.get_model("payment", "Source")
SourceType = apps.get_model("payment", "SourceType")
User = apps.get_model("auth", "User")

RULE = "accounting_records"
DAY = datetime.timedelta(days=1)

pytestmark = pytest.mark.django_db


def _days(max_years):
    """A number of days up to ``max_years`` years, spread over the years (not only near 0)."""
    return st.builds(
        lambda years, days: years * 365 + days,
        st.integers(min_value=0, max_value=max_years - 1),
        st.integers(min_value=0, max_value=365),
    )


ages = st.lists(_days(15), max_size=3)
histories = st.lists(
    st.tuples(st.sampled_from(["open", "closed", "staff"]), ages), min_size=1, max_size=4
)


@pytest.fixture
def shop(db):
    """What every example shares: products, a country, the site, a payment source type."""
    source_type, _ = SourceType.objects.get_or_create(name="Card", code="card")
    return {
        "products": catalogue(),
        "country": _france(),
        "site": Site.objects.get_current(),
        "source_type": source_type,
    }


def _place_orders(shop, person, ages_in_days, *, user=None, guest_email="", now):
    """Orders placed ``ages_in_days`` before ``now``, each with every row kept for accounting."""
    count = len(ages_in_days)
    country = shop["country"]
    shipping = ShippingAddress.objects.bulk_create(
        [
            _address(ShippingAddress, person, country, i, phone_number="+33123456789", notes="Gate")
            for i in range(count)
        ]
    )
    billing = BillingAddress.objects.bulk_create(
        [_address(BillingAddress, person, country, i) for i in range(count)]
    )
    orders = Order.objects.bulk_create(
        [
            Order(
                number=f"{user.pk if user else guest_email}-{i}",
                site=shop["site"],
                user=user,
                guest_email=guest_email,
                billing_address=billing[i],
                shipping_address=shipping[i],
                currency="EUR",
                total_incl_tax=UNIT_PRICE + SHIPPING,
                total_excl_tax=UNIT_PRICE + SHIPPING,
                shipping_incl_tax=SHIPPING,
                shipping_excl_tax=SHIPPING,
                shipping_method="Standard shipping",
                shipping_code="standard",
                status="Complete",
                date_placed=now - age * DAY,
            )
            for i, age in enumerate(ages_in_days)
        ]
    )
    products = itertools.cycle(shop["products"])
    lines = Line.objects.bulk_create([_order_line(order, next(products), 1) for order in orders])
    LineAttribute.objects.bulk_create(
        [LineAttribute(line=line, type="engraving", value=person.first_name) for line in lines]
    )
    OrderNote.objects.bulk_create(
        [OrderNote(order=order, message="Ring at the back door") for order in orders]
    )
    Source.objects.bulk_create(
        [
            Source(
                order=order,
                source_type=shop["source_type"],
                amount_allocated=UNIT_PRICE + SHIPPING,
                reference=f"PSP-{order.number}",
                label="Visa ending 1111",
            )
            for order in orders
        ]
    )
    return orders


def _order_path(entry):
    """The lookup from ``entry``'s model to its order, or ``None``."""
    if entry.model_class is Order:
        return "pk"
    for path in (entry.email_path, entry.user_path):
        if path and path.endswith("__guest_email"):
            return path.removesuffix("__guest_email")
    return None


def _accounting_entries():
    entries = [e for e in datamap if RULE in e.retention and _order_path(e) is not None]
    # The test must see every kind of row it creates.
    assert {e.model_class for e in entries} >= {
        Order,
        ShippingAddress,
        BillingAddress,
        Line,
        LineAttribute,
        OrderNote,
        Source,
    }
    return entries


def _snapshot(entries, order_pks):
    """``{(label, pk): {column: value}}`` of every accounting row of those orders."""
    rows = {}
    for entry in entries:
        queryset = entry.model_class._default_manager.filter(
            **{f"{_order_path(entry)}__in": order_pks}
        ).order_by()
        for row in queryset.values():
            rows[entry.label, row["id"]] = (_order_of(entry, row, queryset.model), row)
    return rows


def _order_of(entry, row, model):
    path = _order_path(entry)
    if path == "pk":
        return row["id"]
    return model._default_manager.filter(pk=row["id"]).values_list(f"{path}__pk", flat=True)[0]


def _anonymised_value(model_field, anonymiser, before):
    """What the anonymiser named in the data map leaves in a column (an independent oracle)."""
    if anonymiser == "clear":
        if model_field.null:
            return None
        if isinstance(model_field, models.JSONField):
            return {}
        if isinstance(model_field, models.BooleanField):
            return False
        return ""
    if anonymiser == "redact":
        return "[redacted]"
    if anonymiser == "postcode_prefix":
        return before[:2]
    raise AssertionError(f"Teach this test what the {anonymiser!r} anonymiser leaves.")


def _expected_anonymised(entry, row):
    expected = dict(row)
    model = entry.model_class
    for personal in entry.fields:
        if personal.anonymiser:
            model_field = model._meta.get_field(personal.name)
            expected[model_field.attname] = _anonymised_value(
                model_field, personal.anonymiser, row[model_field.attname]
            )
    return expected


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    customers=histories,
    guests=ages,
    later_days=_days(6),
)
def test_holds_are_kept_and_nothing_personal_outlives_them(shop, customers, guests, later_days):
    with transaction.atomic():
        _check_history(shop, customers, guests, later_days)
        transaction.set_rollback(True)


def _check_history(shop, customers, guests, later_days):
    now = timezone.now()
    run_at = now + later_days * DAY
    cutoff = get_rules()[RULE].cutoff(run_at)
    entries = _accounting_entries()

    people = []  # (kind, user, orders)
    for index, (kind, order_ages) in enumerate(customers):
        user = UserFactory(
            first_name="Camille",
            last_name=f"Martin{index}",
            email=f"person{index}@example.com",
            is_staff=kind == "staff",
        )
        people.append((kind, user, _place_orders(shop, user, order_ages, user=user, now=now)))
    guest = UserFactory.build(first_name="Dominique", last_name="Guest")
    guest_orders = _place_orders(shop, guest, guests, guest_email="guest@example.com", now=now)
    staff_users = {
        user.pk: User.objects.filter(pk=user.pk).values().get()
        for kind, user, _ in people
        if kind == "staff"
    }

    all_orders = [order.pk for _, _, orders in people for order in orders]
    all_orders += [order.pk for order in guest_orders]
    before = _snapshot(entries, all_orders)

    past_hold = set()  # order pks whose hold has ended by run_at
    for kind, user, orders in people:
        if kind == "closed":
            closure = close_account(user, channel=AccountClosure.Channel.STAFF)
            if closure.hold_until is None or closure.hold_until <= run_at:
                past_hold.update(order.pk for order in orders)
                if orders:
                    # Anonymised by the closure itself, or by the retention run.
                    by = "the closure" if closure.hold_until is None else "the retention run"
                    event(f"closed account, anonymised by {by}")
        elif kind == "staff" and orders:
            # A closure made by hand, its hold long over: staff data is still never touched.
            AccountClosure.objects.create(
                user=user, channel=AccountClosure.Channel.STAFF, hold_until=now - DAY
            )
    past_hold.update(order.pk for order in guest_orders if order.date_placed < cutoff)
    for kind, _user, orders in people:
        if orders:
            ended = any(order.pk in past_hold for order in orders)
            event(f"{kind} account, hold {'ended' if ended else 'running'}")
    if guest_orders:
        ended = past_hold.intersection(order.pk for order in guest_orders)
        event(f"guest orders, {'some' if ended else 'none'} past the period")

    apply_rules([RULE], now=run_at)

    after = _snapshot(entries, all_orders)
    assert after.keys() == before.keys()  # anonymising deletes nothing
    by_label = {entry.label: entry for entry in entries}
    for key, (order_pk, row) in before.items():
        label, pk = key
        if order_pk in past_hold:
            expected = _expected_anonymised(by_label[label], row)
            assert after[key][1] == expected, f"{label} {pk} of an order past its hold"
        else:
            assert after[key][1] == row, f"{label} {pk} of an order under its hold"
    for pk, row in staff_users.items():
        assert User.objects.filter(pk=pk).values().get() == row
