"""Newsletter subscriptions: the visitor form, double opt-in, the suppression list,
and the boxes of registration and checkout, My Account and account closure."""

import re
import time
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from oscar.test.factories import UserFactory

from oscar_privacy.closure import close_account
from oscar_privacy.models import (
    AccountClosure,
    ConsentAction,
    ConsentChannel,
    ConsentPurpose,
    ConsentRecord,
    PolicyKind,
)
from oscar_privacy.newsletter import subscriptions, tokens
from oscar_privacy.newsletter.addresses import address_hash, normalise
from oscar_privacy.newsletter.models import Channel, Subscription
from oscar_privacy.newsletter.subscriptions import RESEND_AFTER

from .shop import (
    ACCEPT_ALL,
    confirm_from_mail,
    consent_data,
    make_product,
    publish,
    publish_policies,
    to_preview,
)

pytestmark = pytest.mark.django_db

State = Subscription.State
EMAIL = "Reader@Example.COM"


def link_in(message, name):
    """The path of the newsletter link ``name`` (confirm, resubscribe...) in ``message``."""
    match = re.search(rf"https://testserver(/newsletter/{name}/[^/\s]+/)", message.body)
    assert match, message.body
    return match[1]


@pytest.fixture
def privacy():
    return publish(PolicyKind.PRIVACY, "We protect your data.")


def subscribe_form(client, privacy, email=EMAIL, **extra):
    data = {"email": email, "accept_privacy": "on", "privacy_version": privacy.number, **extra}
    return client.post(reverse("oscar_privacy_newsletter:subscribe"), data)


def test_the_form_asks_for_the_privacy_policy_and_records_its_version(
    client, privacy, django_capture_on_commit_callbacks
):
    page = client.get(reverse("oscar_privacy_newsletter:subscribe"))
    assert "I have read and accept" in page.content.decode()
    refused = client.post(reverse("oscar_privacy_newsletter:subscribe"), {"email": EMAIL})
    assert refused.status_code == 200
    assert "Please read and accept the privacy policy" in refused.content.decode()
    assert not Subscription.objects.exists() and not ConsentRecord.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = subscribe_form(client, privacy)
    assert response.status_code == 302
    assert response["Location"] == reverse("oscar_privacy_newsletter:subscribe-sent")
    subscription = Subscription.objects.get()
    assert subscription.state == State.PENDING
    assert subscription.email == normalise(EMAIL) == "Reader@example.com"
    assert subscription.source == Channel.NEWSLETTER_FORM
    records = {r.purpose: r for r in ConsentRecord.objects.all()}
    assert records[ConsentPurpose.PRIVACY_POLICY].version == privacy
    assert records[ConsentPurpose.NEWSLETTER].action == ConsentAction.GIVEN
    assert {r.channel for r in records.values()} == {ConsentChannel.NEWSLETTER_FORM}
    assert {r.email for r in records.values()} == {"Reader@example.com"}
    (message,) = mail.outbox
    assert message.to == ["Reader@example.com"]
    assert "Confirm your subscription" in message.subject


def test_the_confirmation_link_shows_a_button_and_only_the_post_confirms(
    client, privacy, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        subscribe_form(client, privacy)
    path = link_in(mail.outbox[0], "confirm")
    page = client.get(path)
    assert page.status_code == 200 and "Confirm my subscription" in page.content.decode()
    assert Subscription.objects.get().state == State.PENDING  # a mail scanner changes nothing

    done = client.post(path)
    assert done.status_code == 200 and "You are subscribed" in done.content.decode()
    subscription = Subscription.objects.get()
    assert subscription.state == State.SUBSCRIBED and subscription.confirmed_at is not None
    again = client.post(path)
    assert again.status_code == 200 and "You are subscribed" in again.content.decode()


@pytest.mark.parametrize("damage", ["tampered", "truncated", "other salt"])
def test_a_damaged_confirmation_link_changes_nothing(client, privacy, damage):
    outcome = subscriptions.request_subscription(EMAIL, via=Channel.NEWSLETTER_FORM)
    token = tokens.confirm_token(outcome.subscription)
    token = {
        "tampered": token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "truncated": token[: len(token) // 2],
        "other salt": tokens.unsubscribe_token(outcome.subscription.pk),
    }[damage]
    path = reverse("oscar_privacy_newsletter:confirm", args=[token])
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 400
        assert "incomplete or damaged" in response.content.decode()
    assert Subscription.objects.get().state == State.PENDING


def test_an_expired_confirmation_link_says_so(client, settings):
    subscription = subscriptions.request_subscription(
        EMAIL, via=Channel.NEWSLETTER_FORM
    ).subscription
    eight_days_ago = time.time() - 8 * 86400
    with mock.patch("django.core.signing.time.time", return_value=eight_days_ago):
        token = tokens.confirm_token(subscription)
    path = reverse("oscar_privacy_newsletter:confirm", args=[token])
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 410 and "expired" in response.content.decode()
    assert Subscription.objects.get().state == State.PENDING
    settings.OSCAR_PRIVACY_NEWSLETTER_CONFIRMATION_DAYS = 9
    assert client.post(path).status_code == 200
    assert Subscription.objects.get().state == State.SUBSCRIBED


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(
    client, privacy, django_capture_on_commit_callbacks
):
    subscriptions.request_subscription("known@example.com", via=Channel.IMPORT)
    Subscription.objects.update(state=State.SUBSCRIBED)
    known = subscribe_form(client, privacy, email="known@example.com")
    unknown = subscribe_form(client, privacy, email="new@example.com")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_a_pending_address_gets_a_new_link_only_after_a_while(
    privacy, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        subscriptions.request_subscription(EMAIL, via=Channel.NEWSLETTER_FORM)
        subscriptions.request_subscription(EMAIL, via=Channel.NEWSLETTER_FORM)
    assert len(mail.outbox) == 1
    Subscription.objects.update(requested_at=Subscription.objects.get().requested_at - RESEND_AFTER)
    with django_capture_on_commit_callbacks(execute=True):
        subscriptions.request_subscription(EMAIL, via=Channel.NEWSLETTER_FORM)
    assert len(mail.outbox) == 2
    assert Subscription.objects.count() == 1


def test_without_double_opt_in_the_subscription_starts_at_once(settings):
    settings.OSCAR_PRIVACY_NEWSLETTER_DOUBLE_OPT_IN = False
    outcome = subscriptions.request_subscription(EMAIL, via=Channel.NEWSLETTER_FORM)
    assert outcome.subscription.state == State.SUBSCRIBED
    assert not mail.outbox


def test_an_unsubscribed_address_is_not_put_back_by_the_form(
    client, privacy, django_capture_on_commit_callbacks
):
    subscription = subscriptions.request_subscription(EMAIL, via=Channel.IMPORT).subscription
    Subscription.objects.update(state=State.SUBSCRIBED)
    subscription.refresh_from_db()
    assert subscriptions.end_subscription(subscription, via=Channel.LINK)
    subscription.refresh_from_db()
    # The suppression entry: no readable address, only the keyed hash.
    assert subscription.email == "" and subscription.email_hash == address_hash(EMAIL)
    assert EMAIL.lower() not in subscription.email_hash
    Subscription.objects.update(requested_at=subscription.requested_at - RESEND_AFTER)

    with django_capture_on_commit_callbacks(execute=True):
        response = subscribe_form(client, privacy, email=EMAIL.lower())
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.state == State.UNSUBSCRIBED and subscription.email == ""
    (notice,) = mail.outbox
    assert "unsubscribed earlier" in notice.body and "contact form" in notice.body
    # The policy's acceptance is proof of the form; no newsletter consent was recorded.
    assert not ConsentRecord.objects.filter(
        purpose=ConsentPurpose.NEWSLETTER, action=ConsentAction.GIVEN
    ).exists()
    assert subscriptions.is_opposed(" reader@EXAMPLE.com ")


def test_a_bounced_address_may_subscribe_again_with_a_confirmation():
    subscription = subscriptions.request_subscription(EMAIL, via=Channel.IMPORT).subscription
    subscriptions.end_subscription(subscription, via=Channel.ESP, state=State.BOUNCED)
    outcome = subscriptions.request_subscription(EMAIL, via=Channel.NEWSLETTER_FORM)
    assert outcome.result == State.PENDING
    assert outcome.subscription.pk == subscription.pk
    assert outcome.subscription.email == "Reader@example.com"


def test_the_form_is_rate_limited_per_address(client, settings, privacy):
    settings.OSCAR_PRIVACY_NEWSLETTER_RATE_PER_IP = "2/h"
    for _ in range(2):
        assert subscribe_form(client, privacy).status_code == 302
    response = subscribe_form(client, privacy)
    assert response.status_code == 429 and response["Retry-After"] == "3600"


# The opt-in boxes of the core ----------------------------------------------


def test_the_registration_box_asks_for_a_subscription(
    client, privacy, django_capture_on_commit_callbacks
):
    data = {
        "email": "new@example.com",
        "password1": "A-long-enough-password-2026",
        "password2": "A-long-enough-password-2026",
        "accept_privacy": "on",
        "privacy_version": privacy.number,
        "newsletter": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("customer:register"), data)
        assert response.status_code == 302, response.content
        # Nothing is asked before the address confirmed the registration itself.
        assert not Subscription.objects.exists()
        assert confirm_from_mail(client).status_code == 302
    subscription = Subscription.objects.get()
    assert subscription.state == State.PENDING and subscription.source == Channel.REGISTRATION
    (message,) = [m for m in mail.outbox if "Confirm your subscription" in m.subject]
    assert message.to == ["new@example.com"]
    # The account manages the subscription once its address confirmed it (issue 13).
    assert subscription.user is None
    client.post(link_in(message, "confirm"))
    subscription.refresh_from_db()
    assert subscription.user.email == "new@example.com" and subscription.linked_at


def test_registration_without_the_box_subscribes_no_one(client, privacy):
    data = {
        "email": "new@example.com",
        "password1": "A-long-enough-password-2026",
        "password2": "A-long-enough-password-2026",
        "accept_privacy": "on",
        "privacy_version": privacy.number,
    }
    assert client.post(reverse("customer:register"), data).status_code == 302
    assert confirm_from_mail(client).status_code == 302
    assert get_user_model().objects.filter(email="new@example.com").exists()
    assert not Subscription.objects.exists()


def test_the_checkout_box_asks_for_a_subscription_of_the_guest(
    client, django_capture_on_commit_callbacks
):
    publish_policies()
    preview = to_preview(client, make_product(), email="guest@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("checkout:preview"), consent_data(preview, **ACCEPT_ALL, newsletter=True)
        )
    subscription = Subscription.objects.get()
    assert subscription.email == "guest@example.com"
    assert subscription.source == Channel.CHECKOUT and subscription.state == State.PENDING


# My Account ----------------------------------------------------------------


def test_my_account_switch(client, customer, django_capture_on_commit_callbacks):
    client.force_login(customer)
    url = reverse("oscar_privacy_newsletter:account")
    page = client.get(url)
    assert "You do not receive the newsletter" in page.content.decode()
    # The tab sits with the other privacy pages.
    assert f'href="{url}"' in client.get(reverse("oscar_privacy:consents")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "subscribe"})
    subscription = Subscription.objects.get()
    assert subscription.source == Channel.MY_ACCOUNT
    assert ConsentRecord.objects.get(purpose=ConsentPurpose.NEWSLETTER).user == customer
    # The account manages it once the address confirmed (issue 13).
    client.post(link_in(mail.outbox[0], "confirm"))
    subscription.refresh_from_db()
    assert subscription.user == customer
    assert "You receive the newsletter at c" in client.get(url).content.decode()

    client.post(url, {"action": "unsubscribe"})
    subscription.refresh_from_db()
    assert subscription.state == State.UNSUBSCRIBED
    withdrawal = ConsentRecord.objects.filter(purpose=ConsentPurpose.NEWSLETTER).first()
    assert withdrawal.action == ConsentAction.WITHDRAWN and withdrawal.user == customer
    assert "You unsubscribed on" in client.get(url).content.decode()
    # Back on only through the contact form.
    client.post(url, {"action": "subscribe"})
    subscription.refresh_from_db()
    assert subscription.state == State.UNSUBSCRIBED


def linked(user):
    """``user``'s subscription, confirmed from the address by a link naming the account."""
    outcome = subscriptions.subscribe_account(user)
    subscriptions.confirm_subscription(tokens.confirm_token(outcome.subscription, user))
    return Subscription.objects.get(pk=outcome.subscription.pk)


def test_withdrawing_on_my_consents_unsubscribes(client, customer):
    assert linked(customer).user == customer
    client.force_login(customer)
    response = client.post(reverse("oscar_privacy:consent-withdraw"), {"purpose": "newsletter"})
    assert response.status_code == 302
    assert Subscription.objects.get().state == State.UNSUBSCRIBED
    # One withdrawal recorded, the core's: the newsletter does not record a second.
    assert ConsentRecord.objects.filter(action=ConsentAction.WITHDRAWN).count() == 1


def test_closing_an_account_unsubscribes_what_it_manages_at_once(customer):
    linked(customer)
    # The same address as another account's, subscribed from the visitor form, apart
    # from that account, which never confirmed it: its closure leaves it alone (issue 13:
    # an account's address is not verified, the subscription may be someone else's).
    other = UserFactory(email="other@example.com")
    subscriptions.request_subscription("other@example.com", via=Channel.NEWSLETTER_FORM)
    Subscription.objects.filter(user=None).update(state=State.SUBSCRIBED)
    close_account(other, channel=AccountClosure.Channel.STAFF)
    assert Subscription.objects.get(email_hash=address_hash("other@example.com")).state == (
        State.SUBSCRIBED
    )
    close_account(customer, channel=AccountClosure.Channel.MY_ACCOUNT)
    mine = Subscription.objects.get(email_hash=address_hash(customer.email))
    assert (mine.state, mine.email) == (State.UNSUBSCRIBED, "")


def test_a_row_whose_address_was_erased_by_hand_asks_for_a_confirmation_again(
    django_capture_on_commit_callbacks,
):
    # As the data map's anonymisation leaves it: subscribed, without an address.
    subscription = subscriptions.request_subscription(EMAIL, via=Channel.IMPORT).subscription
    Subscription.objects.update(state=State.SUBSCRIBED, email="", user=None)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = subscriptions.request_subscription(EMAIL, via=Channel.NEWSLETTER_FORM)
    assert outcome.subscription.pk == subscription.pk
    assert (outcome.result, outcome.subscription.email) == (State.PENDING, "Reader@example.com")
    assert len(mail.outbox) == 1
