"""A subscription is linked to a customer account only by a confirmation from its address.

Oscar never verifies the address of an account: anyone can register with, or change
their profile to, someone else's address. Every way a subscription could meet an
account is walked here, with an owner (``owner@example.com``, subscribed from the
visitor form) and an intruder whose account carries the owner's address:

- the My Account switch (its answer and the pages after it say the same whatever the
  address's state: none, pending, subscribed, unsubscribed, complained, bounced);
- the newsletter box at registration and at checkout;
- the account's email change (then closing the account, withdrawing the consent);
- the email providers' events;
- the re-subscription request from an account.

None links the owner's subscription to the intruder, nor lets the intruder end it. A
link emailed to the address, naming the account, links it once followed: that is what
"verified" means for the newsletter (``Subscription.linked_at``).
"""

import re

import pytest
from django.core import mail
from django.urls import reverse
from oscar.test.factories import UserFactory

from oscar_privacy.account_deletion import allow_account_deletion
from oscar_privacy.closure import close_account
from oscar_privacy.models import (
    AccountClosure,
    ConsentAction,
    ConsentPurpose,
    ConsentRecord,
    PolicyKind,
    PrivacyRequest,
)
from oscar_privacy.newsletter import events, resubscription, subscriptions, tokens
from oscar_privacy.newsletter.addresses import address_hash
from oscar_privacy.newsletter.models import Channel, Subscription

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
OWNER = "owner@example.com"
STATES = ["none", State.PENDING, State.SUBSCRIBED, State.UNSUBSCRIBED, State.COMPLAINED]
STATES.append(State.BOUNCED)


def owners_subscription(state=State.SUBSCRIBED):
    """The owner's subscription from the visitor form, in ``state`` (``"none"``: no row)."""
    if state == "none":
        return None
    subscription = subscriptions.request_subscription(
        OWNER, via=Channel.NEWSLETTER_FORM
    ).subscription
    if state != State.PENDING:
        Subscription.objects.filter(pk=subscription.pk).update(state=State.SUBSCRIBED)
        subscription.refresh_from_db()
    if state in Subscription.SUPPRESSED:
        subscriptions.end_subscription(subscription, via=Channel.LINK, state=state)
    # As long ago as the resend delay: the intruder's request is due.
    Subscription.objects.filter(pk=subscription.pk).update(
        requested_at=subscription.requested_at - subscriptions.RESEND_AFTER
    )
    mail.outbox.clear()
    return Subscription.objects.get(pk=subscription.pk)


def row():
    return Subscription.objects.filter(email_hash=address_hash(OWNER)).first()


def link_in(message, name="confirm"):
    match = re.search(rf"https://testserver(/newsletter/{name}/[^/\s]+/)", message.body)
    assert match, message.body
    return match[1]


def visible(html):
    """The page without what changes on every request (the CSRF token)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def switch_on(client, user, django_capture_on_commit_callbacks):
    client.force_login(user)
    url = reverse("oscar_privacy_newsletter:account")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "subscribe"}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    return visible(html.split('<div id="newsletter-account">')[1].split("</div>")[0]), html


# My Account ---------------------------------------------------------------------------


def test_the_switch_says_the_same_whatever_the_address_s_state(
    client, django_capture_on_commit_callbacks
):
    answers, consents = set(), set()
    for n, state in enumerate(STATES):
        Subscription.objects.all().delete()
        owners_subscription(state)
        intruder = UserFactory(email=OWNER, username=f"intruder{n}")
        section, html = switch_on(client, intruder, django_capture_on_commit_callbacks)
        message = re.search(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', html, re.S)[1]
        answers.add((section, " ".join(message.split())))
        page = client.get(reverse("oscar_privacy:consents")).content.decode()
        consents.add(
            " ".join(
                visible(page.split("<table")[1].split("</table>")[0])
                .replace(intruder.username, "?")
                .split()
            )
        )
        assert row() is None or row().user is None
    assert len(answers) == 1, answers
    assert "We have emailed owner@example.com" in answers.pop()[1]
    assert len(consents) == 1, consents


def test_the_intruder_cannot_end_the_owner_s_subscription(
    client, django_capture_on_commit_callbacks
):
    owners_subscription()
    intruder = UserFactory(email=OWNER)
    switch_on(client, intruder, django_capture_on_commit_callbacks)
    client.post(reverse("oscar_privacy_newsletter:account"), {"action": "unsubscribe"})
    assert row().state == State.SUBSCRIBED and row().user is None
    # The owner received a link naming the account; its page says so before the button.
    (message,) = mail.outbox
    assert message.to == [OWNER]
    assert client.get(link_in(message)).context["for_account"]


def test_the_owner_links_the_account_by_following_the_link(
    client, django_capture_on_commit_callbacks
):
    owners_subscription()
    owner = UserFactory(email=OWNER)
    switch_on(client, owner, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert client.post(link_in(message)).status_code == 200
    subscription = row()
    assert (subscription.user, subscription.state) == (owner, State.SUBSCRIBED)
    assert subscription.linked_at is not None
    # Now verified: the switch tells the account where it stands, and ends it.
    section, _html = switch_on(client, owner, django_capture_on_commit_callbacks)
    assert "You receive the newsletter at o" in section
    client.post(reverse("oscar_privacy_newsletter:account"), {"action": "unsubscribe"})
    assert row().state == State.UNSUBSCRIBED


def test_a_linked_subscription_is_never_taken_over_without_the_address(
    client, django_capture_on_commit_callbacks
):
    owner = UserFactory(email=OWNER)
    outcome = subscriptions.subscribe_account(owner)
    subscriptions.confirm_subscription(tokens.confirm_token(outcome.subscription, owner))
    assert row().user == owner
    owner.email = "owner-new@example.com"
    owner.save()
    intruder = UserFactory(email=OWNER)
    mail.outbox.clear()
    Subscription.objects.update(requested_at=row().requested_at - subscriptions.RESEND_AFTER)
    switch_on(client, intruder, django_capture_on_commit_callbacks)
    assert row().user == owner
    # Only the address can hand it over: the link it received names the intruder.
    (message,) = mail.outbox
    client.post(link_in(message))
    assert row().user == intruder


@pytest.mark.parametrize("account", ["deleted", "closed"])
def test_a_link_naming_an_account_gone_links_nothing(account):
    subscription = owners_subscription(State.PENDING)
    intruder = UserFactory(email=OWNER)
    token = tokens.confirm_token(subscription, intruder)
    if account == "deleted":
        with allow_account_deletion():
            intruder.delete()
    else:
        close_account(intruder, channel=AccountClosure.Channel.MY_ACCOUNT)
    assert subscriptions.confirm_subscription(token)[1] == "confirmed"
    assert row().user is None


def test_a_link_sent_before_accounts_were_named_still_confirms_and_links_nothing():
    subscription = owners_subscription(State.PENDING)
    Subscription.objects.filter(pk=subscription.pk).update(user=None)
    old_token = tokens.confirm_token(subscription)  # id and generation only
    assert tokens.read_confirm_token(old_token)[2] is None
    assert subscriptions.confirm_subscription(old_token)[1] == "confirmed"
    assert row().user is None


# Registration and checkout ---------------------------------------------------------------


def test_the_registration_box_links_nothing(client, django_capture_on_commit_callbacks):
    owners_subscription()
    privacy = publish(PolicyKind.PRIVACY, "We protect your data.")
    data = {
        "email": OWNER,
        "password1": "A-long-enough-password-2026",
        "password2": "A-long-enough-password-2026",
        "accept_privacy": "on",
        "privacy_version": privacy.number,
        "newsletter": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("customer:register"), data).status_code == 302
        assert confirm_from_mail(client).status_code == 302
    assert row().user is None and row().state == State.SUBSCRIBED
    assert "You do not receive the newsletter" in visible(
        client.get(reverse("oscar_privacy_newsletter:account")).content.decode()
    )


def test_the_checkout_box_of_a_customer_links_nothing(client, django_capture_on_commit_callbacks):
    owners_subscription()
    publish_policies()
    intruder = UserFactory(email=OWNER)
    client.force_login(intruder)
    preview = to_preview(client, make_product(), guest=False)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("checkout:preview"), consent_data(preview, **ACCEPT_ALL, newsletter=True)
        )
    assert ConsentRecord.objects.filter(user=intruder, purpose=ConsentPurpose.NEWSLETTER)
    assert row().user is None and row().state == State.SUBSCRIBED
    # The owner is asked, by a link naming the account.
    (message,) = [m for m in mail.outbox if "Confirm your subscription" in m.subject]
    assert tokens.read_confirm_token(link_in(message).split("/")[-2])[2] == intruder.pk


# The account's email change, then closing it or withdrawing ------------------------------


@pytest.mark.parametrize("prevention", [True, False], ids=["verified change", "Oscar's change"])
def test_an_email_change_reaches_nothing(
    client, settings, django_capture_on_commit_callbacks, prevention
):
    owners_subscription()
    intruder = UserFactory(email="intruder@example.com")
    client.force_login(intruder)
    settings.OSCAR_PRIVACY_PREVENT_ACCOUNT_ENUMERATION = prevention
    response = client.post(
        reverse("customer:profile-update"),
        {"first_name": "I", "last_name": "N", "email": OWNER},
    )
    assert response.status_code == 302
    intruder.refresh_from_db()
    if prevention:
        # The address waits for its owner's link (tests/test_email_change.py); an account
        # may still come to have it otherwise (staff, a shop's code, Oscar's form).
        assert intruder.email == "intruder@example.com"
        intruder.email = OWNER
        intruder.save()
    assert intruder.email == OWNER
    page = visible(client.get(reverse("oscar_privacy_newsletter:account")).content.decode())
    assert "You do not receive the newsletter" in page and "o***" not in page
    # Withdrawing on My consents, then closing the account, end only what it manages.
    subscriptions.subscribe_account(intruder)
    client.post(reverse("oscar_privacy:consent-withdraw"), {"purpose": "newsletter"})
    close_account(intruder, channel=AccountClosure.Channel.MY_ACCOUNT)
    assert row().state == State.SUBSCRIBED and row().email == OWNER


# Email providers' events -------------------------------------------------------------------


def test_an_event_about_a_claimed_address_links_no_account():
    owners_subscription()
    intruder = UserFactory(email=OWNER)
    subscriptions.subscribe_account(intruder)  # asks; the owner never follows the link
    events.apply_event(OWNER, State.UNSUBSCRIBED, esp_name="Postmark")
    assert row().state == State.UNSUBSCRIBED and row().user is None
    withdrawal = ConsentRecord.objects.get(channel="esp_webhook")
    assert (withdrawal.action, withdrawal.user) == (ConsentAction.WITHDRAWN, None)


def test_an_event_about_a_linked_address_is_the_account_s():
    owner = UserFactory(email=OWNER)
    outcome = subscriptions.subscribe_account(owner)
    subscriptions.confirm_subscription(tokens.confirm_token(outcome.subscription, owner))
    events.apply_event(OWNER, State.COMPLAINED, esp_name="Postmark")
    assert ConsentRecord.objects.get(channel="esp_webhook").user == owner


# Re-subscription requested from an account --------------------------------------------------


def test_a_resubscription_from_an_account_links_it_only_once_the_address_confirms(client):
    owners_subscription(State.UNSUBSCRIBED)
    intruder = UserFactory(email=OWNER)
    request = PrivacyRequest.objects.create(
        kind=PrivacyRequest.Kind.RESUBSCRIPTION, email=OWNER, user=intruder
    )
    resubscription.request_resubscription(OWNER, privacy_request=request)
    assert row().user is None and row().state == State.UNSUBSCRIBED
    token = tokens.resubscribe_token(request.pk)
    page = client.get(reverse("oscar_privacy_newsletter:resubscribe", args=[token]))
    assert page.context["for_account"]
    assert "confirming also lets that account" in page.content.decode()
    client.post(reverse("oscar_privacy_newsletter:resubscribe", args=[token]))
    assert (row().state, row().user) == (State.SUBSCRIBED, intruder)
    assert row().linked_at is not None


def test_double_opt_in_off_is_a_warning(settings):
    from oscar_privacy.newsletter.checks import check_newsletter_settings

    settings.DEBUG = False
    settings.OSCAR_PRIVACY_NEWSLETTER_UNSUBSCRIBE_MAILTO = "unsubscribe@example.com"
    settings.OSCAR_PRIVACY_NEWSLETTER_HASH_KEY = "a-long-random-key"
    assert check_newsletter_settings() == []
    settings.OSCAR_PRIVACY_NEWSLETTER_DOUBLE_OPT_IN = False
    assert [message.id for message in check_newsletter_settings()] == ["oscar_privacy.W034"]


def test_without_double_opt_in_an_account_still_links_only_through_the_address(
    settings, django_capture_on_commit_callbacks
):
    settings.OSCAR_PRIVACY_NEWSLETTER_DOUBLE_OPT_IN = False
    intruder = UserFactory(email=OWNER)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = subscriptions.subscribe_account(intruder)
    assert not outcome.managed and row().state == State.SUBSCRIBED and row().user is None
    (message,) = mail.outbox  # the link that would let the account manage it
    assert tokens.read_confirm_token(link_in(message).split("/")[-2])[2] == intruder.pk
