"""Unsubscribing from a newsletter: the headers of real messages, the link, one-click.

Messages are sent through the real sending (``send_mailing``) to Django's
locmem backend, then read back as the MIME a mail client receives: the
``List-Unsubscribe`` header is parsed as RFC 2369 says, and its https link
is posted to as RFC 8058 says a mail client does.
"""

import email
import email.policy
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from oscar_privacy.models import ConsentAction, ConsentChannel, ConsentPurpose, ConsentRecord
from oscar_privacy.newsletter import subscriptions, tokens
from oscar_privacy.newsletter.addresses import address_hash
from oscar_privacy.newsletter.models import Channel, Subscription
from oscar_privacy.newsletter.sending import queue_mailing

pytestmark = pytest.mark.django_db

State = Subscription.State
ONE_CLICK = "List-Unsubscribe=One-Click"


def subscribed(*addresses, user=None):
    for address in addresses:
        outcome = subscriptions.request_subscription(address, via=Channel.IMPORT, user=user)
        if user is not None:
            # The address followed the link naming the account: the account manages it.
            subscriptions.link_account(outcome.subscription, user.pk)
    Subscription.objects.update(state=State.SUBSCRIBED)
    return list(Subscription.objects.order_by("pk"))


def send(django_capture_on_commit_callbacks, subject="Spring news", body="<p>New <b>linen</b></p>"):
    with django_capture_on_commit_callbacks(execute=True):
        mailing = queue_mailing(subject=subject, body_html=body)
    mailing.refresh_from_db()
    return mailing


def received(message):
    """``message`` as the recipient's mail client parses it."""
    return email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)


def list_unsubscribe(parsed):
    """The URIs of a List-Unsubscribe header (RFC 2369: comma-separated, in angle brackets)."""
    value = str(parsed["List-Unsubscribe"])
    uris = re.findall(r"<([^>]+)>", value)
    assert ", ".join(f"<{uri}>" for uri in uris) == " ".join(value.split())
    return uris


def one_click(client, url, **extra):
    """A mail client's RFC 8058 POST: no cookie, no CSRF token, the one-click body."""
    path = urlsplit(url).path
    return client.post(path, ONE_CLICK, content_type="application/x-www-form-urlencoded", **extra)


def without_csrf_tokens(response):
    """The page, its CSRF tokens (masked anew for every response) left out."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.fixture
def mailto(settings):
    settings.OSCAR_PRIVACY_NEWSLETTER_UNSUBSCRIBE_MAILTO = "unsubscribe@shop.example"
    return settings.OSCAR_PRIVACY_NEWSLETTER_UNSUBSCRIBE_MAILTO


def test_every_message_has_its_own_link_and_the_rfc_8058_headers(
    client, mailto, django_capture_on_commit_callbacks
):
    alice, bob = subscribed("alice@example.com", "bob@example.com")
    mailing = send(django_capture_on_commit_callbacks)
    assert mailing.status == mailing.Status.SENT and mailing.sent_count == 2
    by_recipient = {message.to[0]: received(message) for message in mail.outbox}
    assert set(by_recipient) == {"alice@example.com", "bob@example.com"}

    links = {}
    for address, parsed in by_recipient.items():
        assert parsed["Subject"] == "Spring news"
        assert str(parsed["List-Unsubscribe-Post"]) == ONE_CLICK
        https, mailto_uri = list_unsubscribe(parsed)
        assert https.startswith("https://testserver/newsletter/unsubscribe/")
        mailto_parts = urlsplit(mailto_uri)
        assert mailto_parts.scheme == "mailto" and mailto_parts.path == mailto
        token = urlsplit(https).path.split("/")[-2]
        assert parse_qs(mailto_parts.query)["subject"] == [f"unsubscribe {token}"]
        # The same link in the text and the HTML bodies, and no one else's.
        text = parsed.get_body(("plain",)).get_content()
        html = parsed.get_body(("html",)).get_content()
        assert https in text and https in html
        assert "New linen" in text and "<b>linen</b>" in html
        links[address] = https
    assert links["alice@example.com"] != links["bob@example.com"]
    assert links["alice@example.com"] not in by_recipient["bob@example.com"].as_string()

    response = one_click(client, links["bob@example.com"])
    assert response.status_code == 200
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.state, bob.state) == (State.SUBSCRIBED, State.UNSUBSCRIBED)
    assert bob.email == "" and bob.ended_via == Channel.ONE_CLICK
    withdrawal = ConsentRecord.objects.get()
    assert (withdrawal.email, withdrawal.action, withdrawal.channel) == (
        "bob@example.com",
        ConsentAction.WITHDRAWN,
        ConsentChannel.NEWSLETTER_FORM,
    )
    # The next newsletter goes to Alice only.
    mail.outbox.clear()
    send(django_capture_on_commit_callbacks, subject="Summer news")
    assert [message.to for message in mail.outbox] == [["alice@example.com"]]


def test_the_link_in_the_body_opens_a_page_that_changes_nothing_until_the_button(
    client, django_capture_on_commit_callbacks
):
    (reader,) = subscribed("reader@example.com")
    send(django_capture_on_commit_callbacks)
    text = received(mail.outbox[0]).get_body(("plain",)).get_content()
    path = urlsplit(re.search(r"https://testserver/newsletter/unsubscribe/\S+/", text)[0]).path

    page = client.get(path)
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    reader.refresh_from_db()
    assert reader.state == State.SUBSCRIBED  # a mail scanner's GET changes nothing

    done = client.post(path)  # the page's button: no CSRF token needed, the link is the key
    assert done.status_code == 200 and "You are unsubscribed" in done.content.decode()
    reader.refresh_from_db()
    assert reader.state == State.UNSUBSCRIBED and reader.ended_via == Channel.LINK


def test_the_one_click_answer_is_the_same_for_any_token(client):
    (reader,) = subscribed("reader@example.com")
    valid = tokens.unsubscribe_token(reader.pk)
    unknown = tokens.unsubscribe_token(reader.pk + 1000)
    tampered = valid[:-3] + "abc"
    answers = []
    for token in (unknown, tampered, valid[:10], "x", valid, valid):
        url = reverse("oscar_privacy_newsletter:unsubscribe", args=[token])
        response = one_click(client, url)
        # The page repeats its own address (the language switcher's "next"): not the answer.
        page = without_csrf_tokens(response).replace(url, "URL")
        answers.append((response.status_code, page))
    assert len(set(answers)) == 1 and answers[0][0] == 200
    reader.refresh_from_db()
    assert reader.state == State.UNSUBSCRIBED
    assert ConsentRecord.objects.count() == 1  # twice the same link: one withdrawal


@pytest.mark.parametrize("damage", ["tampered", "truncated", "confirmation token"])
def test_a_damaged_link_shows_a_clear_page_and_changes_nothing(client, damage):
    (reader,) = subscribed("reader@example.com")
    valid = tokens.unsubscribe_token(reader.pk)
    token = {
        "tampered": valid[:-3] + "abc",
        "truncated": valid[:-8],
        "confirmation token": tokens.confirm_token(reader),
    }[damage]
    response = client.get(reverse("oscar_privacy_newsletter:unsubscribe", args=[token]))
    assert response.status_code == 400
    assert "incomplete or damaged" in response.content.decode()
    reader.refresh_from_db()
    assert reader.state == State.SUBSCRIBED


def test_unsubscribing_costs_at_most_three_queries(client, customer, django_assert_max_num_queries):
    (reader,) = subscribed("customer@example.com", user=customer)
    url = reverse(
        "oscar_privacy_newsletter:unsubscribe", args=[tokens.unsubscribe_token(reader.pk)]
    )
    with django_assert_max_num_queries(3):
        response = one_click(client, url)
    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.state == State.UNSUBSCRIBED
    # The withdrawal is the account's too: My consents shows it.
    assert ConsentRecord.objects.get(purpose=ConsentPurpose.NEWSLETTER).user == customer


def test_the_mailto_link_unsubscribes_through_anymail_inbound(mailto):
    from anymail.inbound import AnymailInboundMessage
    from anymail.signals import AnymailInboundEvent, inbound

    (reader,) = subscribed("reader@example.com")
    token = tokens.unsubscribe_token(reader.pk)

    def arrives(to, subject):
        message = AnymailInboundMessage.construct(
            from_email="someone@example.net", to=to, subject=subject, text="."
        )
        event = AnymailInboundEvent(event_type="inbound", message=message)
        inbound.send(sender=object, event=event, esp_name="Test")

    arrives("other@shop.example", f"unsubscribe {token}")
    arrives(mailto, f"unsubscribe {token[:-4]}")
    reader.refresh_from_db()
    assert reader.state == State.SUBSCRIBED
    arrives(mailto, f"Re: unsubscribe {unquote(token)}")
    reader.refresh_from_db()
    assert reader.state == State.UNSUBSCRIBED and reader.ended_via == Channel.MAILTO


def test_the_test_send_links_change_nothing(client, staff, django_capture_on_commit_callbacks):
    from oscar_privacy.newsletter.sending import send_test

    (reader,) = subscribed("reader@example.com")
    send_test(subject="Draft", body_html="<p>Hello</p>", email=staff.email)
    (message,) = mail.outbox
    parsed = received(message)
    assert parsed["Subject"] == "[TEST] Draft"
    https = list_unsubscribe(parsed)[0]
    assert one_click(client, https).status_code == 200
    reader.refresh_from_db()
    assert reader.state == State.SUBSCRIBED
    assert address_hash("reader@example.com") == reader.email_hash
