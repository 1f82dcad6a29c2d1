"""Budgets of the newsletter (run by ``make bench``; see conftest.py).

- **unsubscribe**: a mail client's RFC 8058 one-click POST, through the test
  client and every middleware of the sandbox: at most 3 queries;
- **webhook events**: 10,000 events of an email provider in Mailjet's format,
  posted in batches of 1,000 to anymail's authenticated webhook view (as
  Mailjet does when it groups events), each an unsubscription, a spam
  complaint or a hard bounce of a different subscriber: applied in at most 5 s;
- **import**: a CSV file of 20,000 addresses (with a confirmation link each, through
  Django's locmem backend), stored encrypted then run by the import task as a worker
  runs it: at most 60 s (it took about 200 s inside one request before issue 13);
- **sending**: one newsletter to 10,000 confirmed subscribers through
  django-anymail's test backend, one message per recipient with its own
  link and headers: at most 30 s, and the same number of queries for every
  batch of ``NEWSLETTER_BATCH_SIZE`` (500).

Subscribers are generated with ``bulk_create``; times are wall-clock
seconds of the measured step only.
"""

import base64
import json
import time

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from oscar_privacy.newsletter import imports, tokens
from oscar_privacy.newsletter.addresses import address_hash
from oscar_privacy.newsletter.models import Channel, Mailing, Subscription
from oscar_privacy.newsletter.sending import send_mailing

pytestmark = pytest.mark.django_db

SUBSCRIBERS = 10_000
EVENTS_PER_POST = 1_000
EVENTS_BUDGET = 5.0
SENDING_BUDGET = 30.0
IMPORT_ROWS = 20_000
IMPORT_BUDGET = 60
UNSUBSCRIBE_QUERIES = 3
BATCH_SIZE = 500
MAILJET_EVENTS = (
    {"event": "unsub"},
    {"event": "spam"},
    {"event": "bounce", "hard_bounce": True, "error": "user unknown"},
)


def generate(count):
    now = timezone.now()
    addresses = [f"subscriber{n}@example.com" for n in range(count)]
    Subscription.objects.bulk_create(
        [
            Subscription(
                email=address,
                email_hash=address_hash(address),
                state=Subscription.State.SUBSCRIBED,
                source=Channel.IMPORT,
                confirmed_at=now,
                changed_at=now,
            )
            for address in addresses
        ],
        batch_size=2000,
    )
    return addresses


def test_unsubscribe_budget(client, bench):
    generate(1)
    subscription = Subscription.objects.get()
    url = reverse(
        "oscar_privacy_newsletter:unsubscribe", args=[tokens.unsubscribe_token(subscription.pk)]
    )
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.post(
            url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        )
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.state == Subscription.State.UNSUBSCRIBED
    assert bench(
        "newsletter one-click unsubscribe, queries",
        len(queries),
        "queries",
        UNSUBSCRIBE_QUERIES,
        seconds=round(elapsed, 4),
    )


def test_webhook_events_budget(client, bench):
    addresses = generate(SUBSCRIBERS)
    now = int(time.time())
    events = [
        {**MAILJET_EVENTS[n % 3], "email": address, "time": now, "MessageID": n}
        for n, address in enumerate(addresses)
    ]
    auth = base64.b64encode(django_settings.ANYMAIL["WEBHOOK_SECRET"].encode()).decode()
    url = reverse("anymail:mailjet_tracking_webhook")
    bodies = [
        json.dumps(events[start : start + EVENTS_PER_POST])
        for start in range(0, len(events), EVENTS_PER_POST)
    ]
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        for body in bodies:
            response = client.post(
                url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Basic {auth}"
            )
            assert response.status_code == 200
        elapsed = time.perf_counter() - started
    states = dict(Subscription.objects.values_list("state").annotate(n=Count("pk")).order_by())
    assert states == {
        Subscription.State.UNSUBSCRIBED: 3334,
        Subscription.State.COMPLAINED: 3333,
        Subscription.State.BOUNCED: 3333,
    }
    assert bench(
        f"newsletter: {SUBSCRIBERS:,} webhook events applied",
        round(elapsed, 2),
        "s",
        EVENTS_BUDGET,
        events=SUBSCRIBERS,
        posts=len(bodies),
        queries=len(queries),
    )


def test_sending_budget(settings, bench):
    settings.OSCAR_PRIVACY_NEWSLETTER_EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.OSCAR_PRIVACY_NEWSLETTER_BATCH_SIZE = BATCH_SIZE
    settings.OSCAR_PRIVACY_NEWSLETTER_UNSUBSCRIBE_MAILTO = "unsubscribe@shop.example"
    generate(SUBSCRIBERS)
    mailing = Mailing.objects.create(
        subject="Spring news",
        html="<p>Linen is back.</p><p><a href='%%unsubscribe_url%%'>Unsubscribe</a></p>",
        text="Linen is back.\n\nUnsubscribe: %%unsubscribe_url%%",
        from_email="shop@example.com",
    )
    mail.outbox.clear()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        mailing = send_mailing(mailing.pk)
        elapsed = time.perf_counter() - started
    assert mailing.sent_count == SUBSCRIBERS and len(mail.outbox) == SUBSCRIBERS
    headers = mail.outbox[-1].anymail_test_params["extra_headers"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    batches = SUBSCRIBERS // BATCH_SIZE
    # Per batch: read, claim (savepoint, insert, release), record the sent, the progress.
    per_batch = (len(queries) - 6) / batches
    mail.outbox.clear()
    assert per_batch <= 6
    assert bench(
        f"newsletter: {SUBSCRIBERS:,} recipients sent (anymail test backend)",
        round(elapsed, 2),
        "s",
        SENDING_BUDGET,
        recipients=SUBSCRIBERS,
        batches=batches,
        queries=len(queries),
        queries_per_batch=per_batch,
    )


def test_import_budget(bench):
    data = b"email\r\n" + b"".join(
        f"reader{n}@example.com\r\n".encode() for n in range(IMPORT_ROWS)
    )
    job = imports.store_import([data])
    mail.outbox.clear()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        job = imports.run_import(job.pk)
        elapsed = time.perf_counter() - started
    assert job.counts["pending"] == IMPORT_ROWS and len(mail.outbox) == IMPORT_ROWS
    mail.outbox.clear()
    assert bench(
        f"newsletter: {IMPORT_ROWS:,} addresses imported (a link each)",
        round(elapsed, 2),
        "s",
        IMPORT_BUDGET,
        rows=IMPORT_ROWS,
        batches=IMPORT_ROWS // imports.IMPORT_BATCH_SIZE + 1,
        queries=len(queries),
    )
