"""The newsletter as a person meets it, in Chromium: subscribe and confirm from the
email, then unsubscribe from a newsletter's link.

The emails are the real ones, captured by Django's locmem backend in the
live server's process; their links point at the live server
(``OSCAR_PRIVACY_NEWSLETTER_SITE_URL``).

``UPDATE_SCREENSHOTS=1`` also saves the subscription form to
``docs/_static/newsletter-subscribe.png``.
"""

import os
import re
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from oscar_privacy.models import ConsentAction, ConsentRecord, PolicyKind
from oscar_privacy.newsletter.models import Subscription
from oscar_privacy.newsletter.sending import queue_mailing
from oscar_privacy.newsletter.subscriptions import Channel, request_subscription

from ..shop import publish

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture says what to install
    expect = None

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "_static" / "newsletter-subscribe.png"
READER = "reader@example.com"


@pytest.fixture
def links_to_live_server(settings, live_server):
    settings.OSCAR_PRIVACY_NEWSLETTER_SITE_URL = live_server.url


def link(text, live_server, name):
    match = re.search(rf"{re.escape(live_server.url)}/newsletter/{name}/[^\s\"<]+/", text)
    assert match, text
    return match[0]


def test_subscribe_then_confirm_from_the_email(live_server, page, links_to_live_server):
    privacy = publish(PolicyKind.PRIVACY, "We protect your data.")
    page.goto(reverse("oscar_privacy_newsletter:subscribe"))
    page.wait_for_load_state("load")
    form = page.locator("#newsletter_subscribe_form")
    box = form.get_by_label("I have read and accept the privacy policy")
    expect(box).not_to_be_checked()
    form.get_by_label("Your email address").fill(READER)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=SCREENSHOT, full_page=True, animations="disabled", caret="hide")
    box.check()
    form.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    subscription = Subscription.objects.get()
    assert subscription.state == Subscription.State.PENDING
    assert ConsentRecord.objects.filter(version=privacy, email=READER).exists()
    (message,) = mail.outbox
    assert message.to == [READER]

    page.goto(link(message.body, live_server, "confirm"))
    page.wait_for_load_state("load")
    subscription.refresh_from_db()
    assert subscription.state == Subscription.State.PENDING  # opening the link is not enough
    page.get_by_role("button", name="Confirm my subscription").click()
    expect(page.locator("#newsletter-subscribed")).to_contain_text("You are subscribed")
    subscription.refresh_from_db()
    assert subscription.state == Subscription.State.SUBSCRIBED


def test_unsubscribe_from_a_newsletters_link(live_server, page, links_to_live_server):
    request_subscription(READER, via=Channel.IMPORT)
    Subscription.objects.update(state=Subscription.State.SUBSCRIBED)
    mailing = queue_mailing(subject="Spring news", body_html="<p>Linen is back.</p>")
    # Transactional test: the task ran when the mailing was committed.
    mailing.refresh_from_db()
    assert mailing.status == mailing.Status.SENT
    (message,) = [m for m in mail.outbox if m.subject == "Spring news"]
    html = message.alternatives[0][0]

    page.goto(link(html, live_server, "unsubscribe"))
    page.wait_for_load_state("load")
    assert Subscription.objects.get().state == Subscription.State.SUBSCRIBED
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.locator("#newsletter-unsubscribed")).to_contain_text("You are unsubscribed")

    subscription = Subscription.objects.get()
    assert (subscription.state, subscription.email) == (Subscription.State.UNSUBSCRIBED, "")
    assert ConsentRecord.objects.get().action == ConsentAction.WITHDRAWN
