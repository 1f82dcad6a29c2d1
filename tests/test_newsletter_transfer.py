"""Subscribers in and out (CSV), the data map, retention and the system checks of the newsletter."""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from oscar.test.factories import UserFactory

from oscar_privacy.account import personal_data
from oscar_privacy.models import AuditEvent, ConsentChannel, ConsentRecord
from oscar_privacy.newsletter import subscriptions, tokens
from oscar_privacy.newsletter.addresses import address_hash
from oscar_privacy.newsletter.models import Channel, SubscriberImport, Subscription
from oscar_privacy.newsletter.transfer import export_rows, import_addresses, read_addresses
from oscar_privacy.retention.apply import apply_rules
from oscar_privacy.retention.rules import get_rules
from sandbox import urls as sandbox_urls

from .staff import login_verified

pytestmark = pytest.mark.django_db

# A project that installed the app but forgot its URLs (see the last test).
urlpatterns = [p for p in sandbox_urls.urlpatterns if str(p.pattern) != "newsletter/"]

State = Subscription.State


def lists(*, subscribed=(), pending=(), unsubscribed=(), bounced=()):
    for address in (*subscribed, *unsubscribed, *bounced):
        subscriptions.request_subscription(address, via=Channel.IMPORT)
    Subscription.objects.update(state=State.SUBSCRIBED, confirmed_at=timezone.now())
    for address in pending:
        subscriptions.request_subscription(address, via=Channel.NEWSLETTER_FORM)
    for state, addresses in ((State.UNSUBSCRIBED, unsubscribed), (State.BOUNCED, bounced)):
        for address in addresses:
            subscription = Subscription.objects.get(email_hash=address_hash(address))
            subscriptions.end_subscription(subscription, via=Channel.ESP, state=state)
    mail.outbox.clear()


def test_the_export_lists_confirmed_subscribers_only():
    lists(
        subscribed=["a@example.com", "b@example.com"],
        pending=["p@example.com"],
        unsubscribed=["u@example.com"],
    )
    rows = list(csv.reader(io.StringIO("".join(export_rows(chunk_size=1)))))
    assert rows[0] == ["email", "subscribed_at", "language", "source"]
    assert [row[0] for row in rows[1:]] == ["a@example.com", "b@example.com"]


def test_an_import_never_goes_around_the_suppression_list(django_capture_on_commit_callbacks):
    lists(subscribed=["a@example.com"], unsubscribed=["u@example.com"], bounced=["x@example.com"])
    text = (
        "Email,Name\nnew@example.com,New\nU@EXAMPLE.com,Back\nx@example.com,\n"
        "a@example.com,\nnot-an-address,\nnew@example.com,\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        counts = import_addresses(read_addresses(text))
    assert counts == {
        "added": 0,
        "pending": 1,
        "already": 1,
        "duplicate": 1,  # counted since the imports report every line (issue 13)
        "suppressed": 2,
        "invalid": 1,
    }
    assert [m.to for m in mail.outbox] == [["new@example.com"]]
    assert Subscription.objects.get(email_hash=address_hash("u@example.com")).email == ""
    assert AuditEvent.objects.get(action="newsletter.imported").data["suppressed"] == 2


def test_a_confirmed_import_subscribes_at_once_with_a_consent_record():
    counts = import_addresses(["one@example.com", "two@example.com"], confirmed=True)
    assert counts["added"] == 2 and not mail.outbox
    assert set(Subscription.objects.values_list("state", flat=True)) == {State.SUBSCRIBED}
    assert {r.channel for r in ConsentRecord.objects.all()} == {ConsentChannel.STAFF}


def test_the_commands(tmp_path, capsys):
    source = tmp_path / "list.csv"
    source.write_text("one@example.com\ntwo@example.com\n")
    call_command("privacy_newsletter_import", str(source), "--confirmed")
    out = tmp_path / "export.csv"
    call_command("privacy_newsletter_export", "--output", str(out))
    exported = out.read_text().splitlines()
    assert exported[1:] and {line.split(",")[0] for line in exported[1:]} == {
        "one@example.com",
        "two@example.com",
    }
    assert AuditEvent.objects.get(action="newsletter.exported").data["subscribers"] == 2


def test_the_wagtail_subscribers_page(client, django_capture_on_commit_callbacks):
    lists(subscribed=["a@example.com"], unsubscribed=["u@example.com"])
    staff = UserFactory(is_staff=True, is_superuser=True)
    login_verified(client, staff)
    page = client.get(reverse("oscar_privacy_newsletter_subscribers"))
    assert page.status_code == 200
    export = client.get(reverse("oscar_privacy_newsletter_export"))
    assert b"".join(export.streaming_content).decode().splitlines()[1].startswith("a@example.com")
    upload = SimpleUploadedFile("list.csv", b"email\nu@example.com\nnew@example.com\n")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("oscar_privacy_newsletter_subscribers"), {"file": upload}, follow=True
        )
    # A background task now (issue 13): its counts on the page.
    assert "The import has started" in response.content.decode()
    job = SubscriberImport.objects.get()
    assert (job.status, job.counts["suppressed"], job.counts["pending"]) == ("done", 1, 1)
    assert [m.to for m in mail.outbox] == [["new@example.com"]]

    customer = UserFactory(is_staff=False)
    client.force_login(customer)
    assert client.get(reverse("oscar_privacy_newsletter_export")).status_code != 200


def test_my_data_shows_the_subscription_of_the_account(customer):
    outcome = subscriptions.subscribe_account(customer)
    subscriptions.confirm_subscription(tokens.confirm_token(outcome.subscription, customer))
    sections = personal_data(customer)
    tables = [table for section in sections for table in section.tables]
    assert any(table.label == "Newsletter subscriptions" for table in tables)


def test_unconfirmed_subscriptions_are_deleted_after_the_rule_period():
    lists(pending=["old@example.com", "recent@example.com"], subscribed=["s@example.com"])
    period = get_rules()["unconfirmed_subscriptions"]
    old = Subscription.objects.get(email_hash=address_hash("old@example.com"))
    Subscription.objects.filter(pk=old.pk).update(
        requested_at=timezone.now() - period.delta - datetime.timedelta(days=1)
    )
    apply_rules(["unconfirmed_subscriptions"])
    remaining = set(Subscription.objects.values_list("email", flat=True))
    assert remaining == {"recent@example.com", "s@example.com"}


def test_the_checks(settings):
    from oscar_privacy.newsletter.checks import check_newsletter_settings, check_newsletter_urls

    assert check_newsletter_urls() == []
    settings.DEBUG = False
    settings.OSCAR_PRIVACY_NEWSLETTER_UNSUBSCRIBE_MAILTO = "unsubscribe@example.com"
    assert check_newsletter_settings() == []
    settings.OSCAR_PRIVACY_NEWSLETTER_HASH_KEY = None
    settings.OSCAR_PRIVACY_NEWSLETTER_SITE_URL = "http://shop.example"
    settings.OSCAR_PRIVACY_NEWSLETTER_UNSUBSCRIBE_MAILTO = None
    ids = [message.id for message in check_newsletter_settings()]
    assert ids == ["oscar_privacy.W023", "oscar_privacy.W024", "oscar_privacy.W024"]
    settings.DEBUG = True
    assert check_newsletter_settings() == []


def test_the_urls_check_without_the_newsletter_urls(settings):
    from oscar_privacy.newsletter.checks import check_newsletter_urls

    settings.ROOT_URLCONF = __name__  # this module's urlpatterns: the sandbox's but the newsletter
    assert [message.id for message in check_newsletter_urls()] == ["oscar_privacy.E019"]


def test_an_address_left_on_an_ended_subscription_is_erased_by_retention():
    lists(subscribed=["kept@example.com", "left@example.com"])
    Subscription.objects.filter(email="left@example.com").update(state=State.UNSUBSCRIBED)
    apply_rules(["newsletter_subscriptions"])
    assert dict(Subscription.objects.values_list("email_hash", "email")) == {
        address_hash("kept@example.com"): "kept@example.com",
        address_hash("left@example.com"): "",
    }
