"""Re-subscription on request: a privacy request through the contact form, confirmed by email.

The contact form lives on another branch; it sends ``privacy_request_received``
when a request becomes actionable. These tests create the request and send
the signal as it will.
"""

import re

import pytest
from django.core import mail
from django.urls import reverse

from oscar_privacy.models import (
    AuditEvent,
    ConsentAction,
    ConsentChannel,
    ConsentPurpose,
    ConsentRecord,
    PrivacyRequest,
)
from oscar_privacy.newsletter import subscriptions
from oscar_privacy.newsletter.models import Channel, Subscription
from oscar_privacy.newsletter.resubscription import request_resubscription
from oscar_privacy.signals import privacy_request_received

pytestmark = pytest.mark.django_db

State = Subscription.State
READER = "reader@example.com"


@pytest.fixture
def unsubscribed():
    subscription = subscriptions.request_subscription(READER, via=Channel.IMPORT).subscription
    Subscription.objects.update(state=State.SUBSCRIBED)
    subscription.refresh_from_db()
    subscriptions.end_subscription(subscription, via=Channel.LINK)
    subscription.refresh_from_db()
    return subscription


def received(kind=PrivacyRequest.Kind.RESUBSCRIPTION, **fields):
    privacy_request = PrivacyRequest.objects.create(kind=kind, **fields)
    privacy_request_received.send(
        sender=PrivacyRequest, privacy_request=privacy_request, request=None
    )
    privacy_request.refresh_from_db()
    return privacy_request


def resubscribe_path():
    (message,) = [m for m in mail.outbox if "again" in m.subject]
    return re.search(r"https://testserver(/newsletter/resubscribe/\S+/)", message.body)[1]


def test_a_request_through_the_contact_form_brings_the_address_back(
    client, unsubscribed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        privacy_request = received(email=READER)
    assert privacy_request.status == PrivacyRequest.Status.IN_PROGRESS
    assert mail.outbox[0].to == [READER]
    path = resubscribe_path()
    assert client.get(path).status_code == 200
    unsubscribed.refresh_from_db()
    assert unsubscribed.state == State.UNSUBSCRIBED  # the link's page changes nothing

    response = client.post(path)
    assert response.status_code == 200 and "subscribed again" in response.content.decode()
    unsubscribed.refresh_from_db()
    assert (unsubscribed.state, unsubscribed.email) == (State.SUBSCRIBED, READER)
    assert unsubscribed.source == Channel.CONTACT_FORM
    privacy_request.refresh_from_db()
    assert privacy_request.status == PrivacyRequest.Status.DONE
    assert privacy_request.decision == PrivacyRequest.Decision.GRANTED
    assert privacy_request.decided_at is not None
    given = ConsentRecord.objects.filter(purpose=ConsentPurpose.NEWSLETTER).first()
    assert (given.action, given.channel, given.email) == (
        ConsentAction.GIVEN,
        ConsentChannel.CONTACT_FORM,
        READER,
    )
    assert AuditEvent.objects.filter(action="newsletter.resubscribed").count() == 1
    # Following it twice changes nothing more.
    assert "subscribed again" in client.post(path).content.decode()
    assert ConsentRecord.objects.filter(action=ConsentAction.GIVEN).count() == 1


def test_other_requests_send_nothing(unsubscribed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        received(kind=PrivacyRequest.Kind.ACCESS, email=READER)
    assert not mail.outbox


def test_a_request_from_an_account_uses_its_address(
    client, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        received(user=customer)
    assert mail.outbox[0].to == [customer.email]
    client.post(resubscribe_path())
    subscription = Subscription.objects.get()
    assert subscription.user == customer and subscription.state == State.SUBSCRIBED


def test_a_request_closed_by_staff_meanwhile_no_longer_works(
    client, unsubscribed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        privacy_request = received(email=READER)
    PrivacyRequest.objects.filter(pk=privacy_request.pk).update(
        status=PrivacyRequest.Status.REFUSED
    )
    assert client.post(resubscribe_path()).status_code == 409
    unsubscribed.refresh_from_db()
    assert unsubscribed.state == State.UNSUBSCRIBED


def test_without_a_request_the_service_records_one(
    unsubscribed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        privacy_request = request_resubscription(READER)
    assert privacy_request.kind == PrivacyRequest.Kind.RESUBSCRIPTION
    assert privacy_request.email == READER
    assert len(mail.outbox) == 1


def test_a_damaged_link_changes_nothing(client, unsubscribed):
    path = reverse("oscar_privacy_newsletter:resubscribe", args=["MQ:1abcde:forged"])
    assert client.post(path).status_code == 400
    unsubscribed.refresh_from_db()
    assert unsubscribed.state == State.UNSUBSCRIBED
