"""Sending newsletters: composed in Wagtail, tested, sent by a permitted editor through a
task, in batches, at most once per person, resumed after an interruption."""

import email
import email.policy

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from oscar.test.factories import UserFactory

from oscar_privacy.models import AuditEvent
from oscar_privacy.newsletter import subscriptions
from oscar_privacy.newsletter.addresses import address_hash
from oscar_privacy.newsletter.models import Channel, Delivery, Mailing, Subscription
from oscar_privacy.newsletter.sending import send_mailing
from oscar_privacy.newsletter.wagtail.models import NewsletterIssue

from .staff import login_verified

pytestmark = pytest.mark.django_db

State = Subscription.State


def subscribers(count, start=0):
    now = timezone.now()
    Subscription.objects.bulk_create(
        [
            Subscription(
                email=f"reader{n}@example.com",
                email_hash=address_hash(f"reader{n}@example.com"),
                state=State.SUBSCRIBED,
                source=Channel.IMPORT,
                confirmed_at=now,
            )
            for n in range(start, start + count)
        ]
    )


def recipients():
    return sorted(message.to[0] for message in mail.outbox)


@pytest.fixture
def issue():
    return NewsletterIssue.objects.create(
        title="Spring 2027",
        subject="Our spring collection",
        body='<p>Linen is back. <a href="https://shop.example/linen/">See it</a></p>',
    )


@pytest.fixture
def editor(db):
    """An editor of Wagtail who may write and test newsletters, not send them."""
    user = UserFactory(email="editor@example.com", is_staff=True)
    group = Group.objects.create(name="Newsletter editors")
    group.permissions.set(
        Permission.objects.filter(
            codename__in=["access_admin", "add_newsletterissue", "change_newsletterissue"]
        )
    )
    user.groups.add(group)
    return user


@pytest.fixture
def sender(editor):
    editor.user_permissions.add(Permission.objects.get(codename="send_newsletterissue"))
    return type(editor).objects.get(pk=editor.pk)


def test_an_editor_previews_and_tests_but_cannot_send(client, editor, issue):
    subscribers(2)
    login_verified(client, editor)
    listing = client.get(
        reverse("wagtailsnippets_oscar_privacy_newsletter_wagtail_newsletterissue:list")
    )
    assert listing.status_code == 200 and "Spring 2027" in listing.content.decode()
    url = reverse("oscar_privacy_newsletter_issue_sending", args=[issue.pk])
    assert url in listing.content.decode()
    preview = issue.serve_preview(None, "")
    assert "Linen is back" in preview.content.decode() and "Unsubscribe" in preview.content.decode()

    page = client.get(url)
    assert page.status_code == 200
    assert "Send me a test" in page.content.decode()
    assert "Send to the subscribers" not in page.content.decode()
    client.post(url, {"action": "test"})
    (test,) = mail.outbox
    assert test.to == ["editor@example.com"] and test.subject == "[TEST] Our spring collection"

    # Wagtail answers a refusal with its admin home and a message.
    refused = client.post(url, {"action": "send"})
    assert (refused.status_code, refused["Location"]) == (302, reverse("wagtailadmin_home"))
    assert not Mailing.objects.exists() and len(mail.outbox) == 1


def test_a_permitted_editor_sends_it_once_to_confirmed_subscribers(
    client, sender, issue, django_capture_on_commit_callbacks
):
    subscribers(3)
    subscriptions.request_subscription("pending@example.com", via=Channel.NEWSLETTER_FORM)
    mail.outbox.clear()
    login_verified(client, sender)
    url = reverse("oscar_privacy_newsletter_issue_sending", args=[issue.pk])
    assert "3 confirmed subscribers" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"action": "send"}).status_code == 302
    assert recipients() == [f"reader{n}@example.com" for n in range(3)]
    message = email.message_from_bytes(
        mail.outbox[0].message().as_bytes(), policy=email.policy.default
    )
    text = message.get_body(("plain",)).get_content()
    assert "Linen is back. See it (https://shop.example/linen/)" in text
    issue.refresh_from_db()
    log = issue.mailing
    assert (log.status, log.sent_count, log.failed_count) == (Mailing.Status.SENT, 3, 0)
    assert log.queued_by == sender and log.started_at and log.finished_at
    assert AuditEvent.objects.get(action="newsletter.sent").data["recipients"] == 3
    page = client.get(url).content.decode()
    assert 'id="send-log"' in page and "Send to the subscribers" not in page

    # Sent once: a second "send" changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "send"})
    assert len(mail.outbox) == 3 and Mailing.objects.count() == 1


@pytest.mark.parametrize(
    "backend",
    ["django.core.mail.backends.locmem.EmailBackend", "anymail.backends.test.EmailBackend"],
)
def test_batches_cost_the_same_queries_whatever_their_number(
    settings, backend, django_assert_max_num_queries
):
    settings.OSCAR_PRIVACY_NEWSLETTER_EMAIL_BACKEND = backend
    settings.OSCAR_PRIVACY_NEWSLETTER_BATCH_SIZE = 5
    mailing = Mailing.objects.create(subject="s", html="<p>%%unsubscribe_url%%</p>", text="t")
    subscribers(10)  # two batches
    with django_assert_max_num_queries(6 + 2 * 6):
        send_mailing(mailing.pk)
    other = Mailing.objects.create(subject="s", html="<p>%%unsubscribe_url%%</p>", text="t")
    subscribers(30, start=10)  # eight batches
    with django_assert_max_num_queries(6 + 8 * 6):
        send_mailing(other.pk)
    assert Delivery.objects.filter(mailing=other, status=Delivery.Status.SENT).count() == 40
    if backend.startswith("anymail"):
        status = mail.outbox[-1].anymail_status
        assert status.status == {"sent"}
        assert mail.outbox[-1].anymail_test_params["tags"] == ["newsletter"]


class Killed(BaseException):
    """A worker dying in the middle of a batch (not an Exception: nothing catches it)."""


class DyingBackend:
    """Django's locmem backend that dies at the fourth message it is handed."""

    def __new__(cls, *args, **kwargs):
        from django.core.mail.backends.locmem import EmailBackend

        class Backend(EmailBackend):
            def send_messages(self, messages):
                if len(mail.outbox) == 3:
                    raise Killed
                return super().send_messages(messages)

        return Backend(*args, **kwargs)


def test_an_interrupted_sending_resumes_without_mailing_anyone_twice(settings):
    settings.OSCAR_PRIVACY_NEWSLETTER_BATCH_SIZE = 5
    subscribers(12)
    mailing = Mailing.objects.create(subject="s", html="%%unsubscribe_url%%", text="t")
    settings.OSCAR_PRIVACY_NEWSLETTER_EMAIL_BACKEND = f"{__name__}.DyingBackend"
    with pytest.raises(Killed):
        send_mailing(mailing.pk)
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENDING and len(mail.outbox) == 3
    # The first batch was claimed before it went out: five rows, outcome not recorded.
    assert Delivery.objects.filter(status=Delivery.Status.CLAIMED).count() == 5

    settings.OSCAR_PRIVACY_NEWSLETTER_EMAIL_BACKEND = (
        "django.core.mail.backends.locmem.EmailBackend"
    )
    # While the lease of the dead worker runs, nobody else sends.
    assert send_mailing(mailing.pk).status == Mailing.Status.SENDING
    assert len(mail.outbox) == 3
    Mailing.objects.filter(pk=mailing.pk).update(lease_until=timezone.now())
    mailing = send_mailing(mailing.pk)
    assert mailing.status == Mailing.Status.SENT and mailing.sent_count == 7
    sent_to = recipients()
    assert len(sent_to) == len(set(sent_to)) == 10  # nobody twice; two lost at the crash
    assert Delivery.objects.filter(mailing=mailing).count() == 12
    assert Delivery.objects.filter(status=Delivery.Status.CLAIMED).count() == 5


def test_a_refused_address_does_not_stop_the_others(settings):
    from anymail.exceptions import AnymailAPIError

    settings.OSCAR_PRIVACY_NEWSLETTER_EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    subscribers(3)
    mailing = Mailing.objects.create(subject="s", html="%%unsubscribe_url%%", text="t")
    from oscar_privacy.newsletter import sending

    original = sending.build_message

    def build(mailing, pk, address, **kwargs):
        message = original(mailing, pk, address, **kwargs)
        if address == "reader1@example.com":
            message.anymail_test_response = AnymailAPIError("mailbox refused")
        return message

    sending.build_message = build
    try:
        mailing = send_mailing(mailing.pk)
    finally:
        sending.build_message = original
    assert (mailing.sent_count, mailing.failed_count) == (2, 1)
    failed = Delivery.objects.get(status=Delivery.Status.FAILED)
    assert failed.subscription.email == "reader1@example.com"
