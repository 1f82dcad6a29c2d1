"""The ``consent_proof`` rule: proof kept until five years after the relationship ends."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.db import connection
from django.utils import timezone
from oscar.test.factories import UserFactory, create_order

from oscar_privacy.closure import close_account
from oscar_privacy.models import (
    AccountClosure,
    ConsentAction,
    ConsentChannel,
    ConsentPurpose,
    ConsentRecord,
    DataExport,
    PrivacyRequest,
    RetentionRun,
)
from oscar_privacy.retention.apply import apply_rules
from oscar_privacy.retention.evidence import ConsentWithdrawalsStep
from oscar_privacy.retention.handlers import Context
from oscar_privacy.retention.rules import get_rule

Order = apps.get_model("order", "Order")
User = apps.get_model("auth", "User")

NOW = timezone.now()
DAY = datetime.timedelta(days=1)
RULE = "consent_proof"
GIVEN, WITHDRAWN = ConsentAction.GIVEN, ConsentAction.WITHDRAWN
NEWSLETTER, TERMS = ConsentPurpose.NEWSLETTER, ConsentPurpose.TERMS

pytestmark = pytest.mark.django_db


def ago(**kwargs):
    return NOW - relativedelta(**kwargs)


def consent(at, *, user=None, email="", purpose=TERMS, action=GIVEN):
    record = ConsentRecord(
        created_at=at,
        user=user,
        email=email,
        purpose=purpose,
        action=action,
        channel=ConsentChannel.CHECKOUT,
    )
    record.save()
    return record


def closed_account(closed, *, erased=True, email=None):
    """A customer with consent proof and a copy handed over, whose account closed at ``closed``."""
    email = email or f"c{User.objects.count()}@example.com"
    user = UserFactory(email=email)
    consent(closed - relativedelta(years=2), user=user, email=email)
    consent(closed - relativedelta(years=2), user=user, email=email, purpose=NEWSLETTER)
    DataExport.objects.create(owner=user, status=DataExport.Status.EXPIRED)
    close_account(user, channel=AccountClosure.Channel.MY_ACCOUNT)
    # The closure's newsletter withdrawal and the closure itself, moved back in time.
    withdrawal = ConsentRecord.objects.get(user=user, action=WITHDRAWN)
    ConsentRecord.objects.filter(pk=withdrawal.pk).purge()
    consent(closed, user=user, email=email, purpose=NEWSLETTER, action=WITHDRAWN)
    AccountClosure.objects.filter(user=user).update(
        closed_at=closed, erased_at=closed if erased else None
    )
    return user


def proof_of(user):
    return (
        ConsentRecord.objects.filter(user=user).count(),
        DataExport.objects.filter(owner=user).count(),
        AccountClosure.objects.filter(user=user).count(),
    )


def run(now=NOW, **kwargs):
    (result,) = apply_rules([RULE], now=now, **kwargs)
    return result


# Accounts


def test_an_account_closed_five_years_and_a_day_ago_loses_its_proof():
    kept = closed_account(ago(years=4, months=11))
    gone = closed_account(ago(years=5, days=1))
    result = run()
    assert proof_of(kept) == (3, 1, 1)
    assert proof_of(gone) == (0, 0, 0)
    assert result.counts == {
        "oscar_privacy.ConsentRecord": 3,
        "oscar_privacy.DataExport": 1,
        "oscar_privacy.AccountClosure": 1,
    }
    # The emptied account row stays: nothing personal is left in it.
    gone.refresh_from_db()
    assert (gone.email, gone.is_active, gone.has_usable_password()) == ("", False, False)
    assert run().counts == {}


def test_a_closure_whose_order_data_is_still_held_stays_without_its_proof():
    user = closed_account(ago(years=6), erased=False)
    result = run()
    assert proof_of(user) == (0, 0, 1)
    assert "oscar_privacy.AccountClosure" not in result.counts
    # Once the hold ends (accounting_records sets erased_at), the closure goes too.
    AccountClosure.objects.filter(user=user).update(erased_at=NOW)
    assert run().counts == {"oscar_privacy.AccountClosure": 1}


def test_an_open_account_keeps_its_proof_forever(customer):
    consent(ago(years=20), user=customer, email=customer.email)
    consent(ago(years=20), user=customer, email=customer.email, purpose=NEWSLETTER)
    consent(
        ago(years=19), user=customer, email=customer.email, purpose=NEWSLETTER, action=WITHDRAWN
    )
    DataExport.objects.create(
        owner=customer, status=DataExport.Status.EXPIRED, requested_at=ago(years=20)
    )
    assert run().counts == {}
    assert proof_of(customer) == (3, 1, 0)


def test_staff_and_superusers_are_never_touched(staff):
    admin = UserFactory(email="root@example.com", is_superuser=True)
    for user in (staff, admin):
        consent(ago(years=9), user=user, email=user.email)
        AccountClosure.objects.create(
            user=user,
            channel=AccountClosure.Channel.STAFF,
            closed_at=ago(years=8),
            erased_at=ago(years=8),
        )
    assert run().counts == {}
    assert ConsentRecord.objects.count() == 2
    assert AccountClosure.objects.count() == 2


def test_an_account_closed_long_ago_whose_address_is_still_in_touch_keeps_its_proof():
    user = closed_account(ago(years=6), email="back@example.com")
    create_order(guest_email="BACK@example.com")  # ordered as a guest last week
    assert run().counts == {}
    assert proof_of(user) == (3, 1, 1)


# People known by email only


def test_a_guest_is_forgotten_five_years_after_the_last_contact():
    old = [
        consent(ago(years=7), email="old@example.com"),
        consent(ago(years=6), email="old@example.com", purpose=NEWSLETTER),
        consent(
            ago(years=5, days=1), email="old@example.com", purpose=NEWSLETTER, action=WITHDRAWN
        ),
    ]
    recent = [
        consent(ago(years=7), email="recent@example.com"),
        consent(ago(years=4, months=11), email="recent@example.com"),
    ]
    result = run()
    assert result.counts == {"oscar_privacy.ConsentRecord": 3}
    assert not ConsentRecord.objects.filter(pk__in=[r.pk for r in old]).exists()
    assert ConsentRecord.objects.filter(pk__in=[r.pk for r in recent]).count() == 2


def test_a_recent_guest_order_keeps_old_consent_records():
    record = consent(ago(years=8), email="guest@example.com")
    order = create_order(guest_email="Guest@Example.com")
    Order.objects.filter(pk=order.pk).update(date_placed=ago(years=1))
    assert run().counts == {}
    Order.objects.filter(pk=order.pk).update(date_placed=ago(years=5, days=1))
    assert run().counts == {"oscar_privacy.ConsentRecord": 1}
    assert not ConsentRecord.objects.filter(pk=record.pk).exists()


def test_a_newsletter_consent_in_force_is_never_deleted():
    # Subscribed nine years ago, never withdrew: still receives the newsletter.
    subscribed = consent(ago(years=9), email="reader@example.com", purpose=NEWSLETTER)
    accepted = consent(ago(years=9), email="reader@example.com")
    # Subscribed again after withdrawing: the last record is what is in force.
    again = [
        consent(ago(years=9), email="again@example.com", purpose=NEWSLETTER),
        consent(ago(years=8), email="again@example.com", purpose=NEWSLETTER, action=WITHDRAWN),
        consent(ago(years=7), email="again@example.com", purpose=NEWSLETTER),
    ]
    assert run().counts == {}
    assert ConsentRecord.objects.count() == 5
    assert {subscribed.pk, accepted.pk} | {r.pk for r in again} == set(
        ConsentRecord.objects.values_list("pk", flat=True)
    )


def test_an_accepted_policy_is_proof_not_a_standing_consent():
    consent(ago(years=6), email="buyer@example.com", purpose=ConsentPurpose.PRIVACY_POLICY)
    consent(ago(years=6), email="buyer@example.com", purpose=TERMS)
    assert run().counts == {"oscar_privacy.ConsentRecord": 2}


def test_an_open_account_under_the_address_keeps_guest_records(customer):
    consent(ago(years=8), email=customer.email.upper())
    assert run().counts == {}


def test_records_without_a_person_count_from_their_own_date():
    consent(ago(years=5, days=1))
    consent(ago(years=4))
    assert run().counts == {"oscar_privacy.ConsentRecord": 1}
    assert ConsentRecord.objects.get().created_at == ago(years=4)


def test_a_withdrawal_waits_for_the_consent_it_withdrew():
    """Deleting a withdrawal first would make the consent look in force again."""
    given = consent(ago(years=8), email="w@example.com", purpose=NEWSLETTER)
    withdrawal = consent(ago(years=7), email="w@example.com", purpose=NEWSLETTER, action=WITHDRAWN)
    step = ConsentWithdrawalsStep(get_rule(RULE), "address")
    ctx = Context(NOW, {RULE: get_rule(RULE)})
    assert not step.eligible(ctx).exists()
    ConsentRecord.objects.filter(pk=given.pk).purge()  # as the first step does
    assert list(step.eligible(ctx)) == [withdrawal]
    # A run does both, in one pass, whatever the batch size.
    consent(ago(years=8), email="x@example.com", purpose=NEWSLETTER)
    consent(ago(years=7), email="x@example.com", purpose=NEWSLETTER, action=WITHDRAWN)
    assert run(batch_size=1).counts == {"oscar_privacy.ConsentRecord": 3}
    assert not ConsentRecord.objects.exists()


# Privacy requests


def request(*, decided, status=PrivacyRequest.Status.DONE, **kwargs):
    return PrivacyRequest.objects.create(
        kind=PrivacyRequest.Kind.ACCESS,
        status=status,
        received_at=decided - relativedelta(days=20),
        decided_at=decided,
        **kwargs,
    )


def test_answered_requests_go_five_years_after_the_relationship_ends(customer):
    gone = [
        request(decided=ago(years=6)),  # no one known: counted from the decision
        request(decided=ago(years=6), email="gone@example.com"),
        request(decided=ago(years=6), status=PrivacyRequest.Status.REFUSED),
        request(decided=ago(years=7), user=closed_account(ago(years=5, days=1))),
    ]
    kept = [
        request(decided=ago(years=4, months=11)),
        request(decided=ago(years=7), status=PrivacyRequest.Status.IN_PROGRESS),
        request(decided=ago(years=7), user=customer),  # open account
        request(decided=ago(years=7), matched_user=closed_account(ago(years=4))),
        request(decided=ago(years=7), email=customer.email),
    ]
    result = run()
    assert result.counts["oscar_privacy.PrivacyRequest"] == len(gone)
    assert set(PrivacyRequest.objects.values_list("pk", flat=True)) == {r.pk for r in kept}


def test_a_closure_waits_for_the_requests_of_its_account():
    user = closed_account(ago(years=6))
    request(decided=ago(years=4), user=user)
    assert run().counts == {"oscar_privacy.ConsentRecord": 3, "oscar_privacy.DataExport": 1}
    assert proof_of(user) == (0, 0, 1)


# The run


def test_dry_run_counts_what_a_run_deletes_and_changes_nothing():
    closed_account(ago(years=6))
    closed_account(ago(years=6), erased=False)
    consent(ago(years=6), email="old@example.com", purpose=NEWSLETTER)
    consent(ago(years=6), email="old@example.com", purpose=NEWSLETTER, action=WITHDRAWN)
    request(decided=ago(years=6))
    before = (ConsentRecord.objects.count(), AccountClosure.objects.count())
    dry = run(dry_run=True)
    assert (ConsentRecord.objects.count(), AccountClosure.objects.count()) == before
    real = run()
    assert (
        dry.counts
        == real.counts
        == {
            "oscar_privacy.ConsentRecord": 8,
            "oscar_privacy.DataExport": 2,
            "oscar_privacy.AccountClosure": 1,
            "oscar_privacy.PrivacyRequest": 1,
        }
    )
    assert list(RetentionRun.objects.order_by("pk").values_list("dry_run", "counts")) == [
        (True, dry.counts),
        (False, real.counts),
    ]


def test_queries_do_not_grow_with_the_rows(django_assert_max_num_queries):
    for i in range(30):
        consent(ago(years=6), email=f"g{i}@example.com")
        request(decided=ago(years=6))
    # Per step: its batches (here one each), each a select, a locked re-check and a delete.
    with django_assert_max_num_queries(25):
        result = run()
    assert result.counts["oscar_privacy.ConsentRecord"] == 30


@pytest.mark.skipif(connection.vendor != "postgresql", reason="checks a PostgreSQL plan")
def test_each_batch_locks_only_its_own_rows():
    from django.test.utils import CaptureQueriesContext

    consent(ago(years=6), email="old@example.com")
    with CaptureQueriesContext(connection) as captured:
        run()
    locks = [q["sql"] for q in captured.captured_queries if "FOR UPDATE" in q["sql"]]
    assert locks and all(sql.rstrip().endswith("SKIP LOCKED") for sql in locks)
    assert all('FOR UPDATE OF "oscar_privacy_' in sql for sql in locks)
