"""Email providers' events through django-anymail's real webhook views.

Postmark's tracking webhook is posted to as Postmark does (JSON, HTTP basic
auth with ``ANYMAIL["WEBHOOK_SECRET"]``, here the sandbox's); anymail parses
the event and sends its ``tracking`` signal, which the newsletter receives.
"""

import base64
import datetime
import json
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from oscar_privacy.models import ConsentAction, ConsentChannel, ConsentRecord
from oscar_privacy.newsletter import subscriptions
from oscar_privacy.newsletter.addresses import address_hash
from oscar_privacy.newsletter.models import Channel, Subscription

pytestmark = pytest.mark.django_db

State = Subscription.State
READER = "reader@example.com"


@pytest.fixture
def reader():
    subscriptions.request_subscription(READER, via=Channel.IMPORT)
    Subscription.objects.update(state=State.SUBSCRIBED)
    return Subscription.objects.get()


def postmark(client, event, secret=None, settings=None):
    secret = secret if secret is not None else settings.ANYMAIL["WEBHOOK_SECRET"]
    headers = {}
    if secret:
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(secret.encode()).decode()
    return client.post(
        reverse("anymail:postmark_tracking_webhook"),
        json.dumps(event),
        content_type="application/json",
        **headers,
    )


def at(moment):
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def bounce(email, kind="HardBounce", moment=None):
    return {
        "RecordType": "Bounce",
        "Type": kind,
        "ID": 4242,
        "Email": email,
        "BouncedAt": at(moment or timezone.now()),
    }


def complaint(email, moment=None):
    return {
        "RecordType": "SpamComplaint",
        "Type": "SpamComplaint",
        "ID": 4243,
        "Email": email,
        "BouncedAt": at(moment or timezone.now()),
    }


def unsubscription(email, moment=None):
    return {
        "RecordType": "SubscriptionChange",
        "Recipient": email,
        "SuppressSending": True,
        "SuppressionReason": "ManualSuppression",
        "ChangedAt": at(moment or timezone.now()),
    }


def test_an_unsubscription_from_the_provider_is_applied_at_once(client, settings, reader):
    response = postmark(client, unsubscription(READER.upper()), settings=settings)
    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.state == State.UNSUBSCRIBED and reader.email == ""
    assert (reader.ended_via, reader.ended_detail) == (Channel.ESP, "Postmark: unsubscribed")
    record = ConsentRecord.objects.get()
    assert (record.email, record.action, record.channel) == (
        READER,
        ConsentAction.WITHDRAWN,
        ConsentChannel.ESP_WEBHOOK,
    )


def test_a_complaint_and_a_hard_bounce(client, settings, reader):
    subscriptions.request_subscription("other@example.com", via=Channel.IMPORT)
    Subscription.objects.update(state=State.SUBSCRIBED)
    postmark(client, complaint(READER), settings=settings)
    postmark(client, bounce("other@example.com"), settings=settings)
    states = dict(Subscription.objects.values_list("email_hash", "state"))
    assert states == {
        address_hash(READER): State.COMPLAINED,
        address_hash("other@example.com"): State.BOUNCED,
    }
    # A bounce is the mailbox failing, not a withdrawal: one consent record, the complaint's.
    assert ConsentRecord.objects.get().channel == ConsentChannel.ESP_WEBHOOK


def test_a_soft_bounce_changes_nothing(client, settings, reader):
    postmark(client, bounce(READER, kind="SoftBounce"), settings=settings)
    reader.refresh_from_db()
    assert reader.state == State.SUBSCRIBED


def test_duplicates_and_late_events_are_harmless(client, settings, reader):
    event = unsubscription(READER)
    for _ in range(3):
        assert postmark(client, event, settings=settings).status_code == 200
    postmark(client, bounce(READER), settings=settings)  # arrives after, about an older message
    reader.refresh_from_db()
    assert reader.state == State.UNSUBSCRIBED
    assert ConsentRecord.objects.count() == 1


def test_an_event_older_than_a_resubscription_is_ignored(client, settings, reader):
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Subscription.objects.update(changed_at=timezone.now())  # re-subscribed just now
    postmark(client, bounce(READER, moment=an_hour_ago), settings=settings)
    postmark(client, unsubscription(READER, moment=an_hour_ago), settings=settings)
    reader.refresh_from_db()
    assert reader.state == State.SUBSCRIBED


def test_an_unknown_address_that_unsubscribes_joins_the_suppression_list(client, settings):
    postmark(client, unsubscription("stranger@example.com"), settings=settings)
    postmark(client, bounce("bounced-stranger@example.com"), settings=settings)
    (entry,) = Subscription.objects.all()
    assert entry.email_hash == address_hash("stranger@example.com") and entry.email == ""
    assert subscriptions.is_opposed("stranger@example.com")
    outcome = subscriptions.request_subscription("stranger@example.com", via=Channel.IMPORT)
    assert outcome.opposed


def test_unknown_events_are_ignored_and_logged(client, settings, reader, caplog):
    with caplog.at_level(logging.WARNING, logger="oscar_privacy.newsletter.events"):
        response = postmark(client, {"RecordType": "SomethingNew", "ID": 99}, settings=settings)
        postmark(client, {"RecordType": "Delivery", "Recipient": READER}, settings=settings)
    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.state == State.SUBSCRIBED
    (logged,) = caplog.records
    assert "unknown event from Postmark" in logged.getMessage()
    assert READER not in logged.getMessage()


@pytest.mark.parametrize("secret", ["", "sandbox:wrong", "intruder:not-secret"])
def test_a_forged_webhook_is_rejected(client, settings, reader, secret):
    response = postmark(client, unsubscription(READER), secret=secret, settings=settings)
    assert response.status_code == 400
    reader.refresh_from_db()
    assert reader.state == State.SUBSCRIBED
    assert not ConsentRecord.objects.exists()


def test_the_webhook_secret_check(settings):
    from oscar_privacy.newsletter.checks import check_webhook_secret

    settings.DEBUG = False
    assert check_webhook_secret() == []
    settings.ANYMAIL = {}
    assert [message.id for message in check_webhook_secret()] == ["oscar_privacy.E020"]


def mailjet(client, settings, events):
    secret = base64.b64encode(settings.ANYMAIL["WEBHOOK_SECRET"].encode()).decode()
    return client.post(
        reverse("anymail:mailjet_tracking_webhook"),
        json.dumps(events),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {secret}",
    )


@pytest.mark.parametrize("count", [3, 30])
def test_a_batch_of_events_costs_the_same_queries_whatever_its_size(
    client, settings, count, django_assert_max_num_queries
):
    for n in range(count):
        subscriptions.request_subscription(f"reader{n}@example.com", via=Channel.IMPORT)
    Subscription.objects.update(state=State.SUBSCRIBED)
    now = int(timezone.now().timestamp())
    kinds = [{"event": "unsub"}, {"event": "spam"}, {"event": "bounce", "hard_bounce": True}]
    events = [
        {**kinds[n % 3], "email": f"reader{n}@example.com", "time": now} for n in range(count)
    ]
    events += [  # a duplicate, a soft bounce, a stranger's unsubscription, an open
        events[0],
        {"event": "bounce", "hard_bounce": False, "email": "reader1@example.com", "time": now},
        {"event": "unsub", "email": "stranger@example.com", "time": now},
        {"event": "open", "email": "reader2@example.com", "time": now},
    ]
    # Session, the SELECT … FOR UPDATE, one UPDATE per kind, the stranger, the withdrawals.
    with django_assert_max_num_queries(10):
        assert mailjet(client, settings, events).status_code == 200
    states = list(Subscription.objects.values_list("state", flat=True))
    assert states.count(State.UNSUBSCRIBED) == (count + 2) // 3 + 1  # the stranger
    assert states.count(State.COMPLAINED) == (count + 1) // 3
    assert states.count(State.BOUNCED) == count // 3
    withdrawals = ConsentRecord.objects.filter(channel=ConsentChannel.ESP_WEBHOOK)
    assert withdrawals.count() == (count + 2) // 3 + (count + 1) // 3
    assert not Subscription.objects.exclude(email="").exists()
