"""Privacy requests from the contact form: who asks, the confirmation link, the limits."""

import datetime
import re
import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from oscar.test.factories import UserFactory

from oscar_privacy import request_mail
from oscar_privacy.models import (
    AccountClosure,
    AuditEvent,
    PrivacyRequest,
    PrivacyRequestEvent,
    one_month_after,
)
from oscar_privacy.request_mail import ConfirmationLinkError, confirmation_token
from oscar_privacy.requests import RequestError, confirm_request, submit_request
from oscar_privacy.retention.apply import apply_rules
from oscar_privacy.signals import privacy_request_received

pytestmark = pytest.mark.django_db

FORM = reverse("oscar_privacy:contact")
SENT = reverse("oscar_privacy:contact-sent")
CONFIRMED = reverse("oscar_privacy:contact-confirmed")
LINK = re.compile(r"https?://[^/\s]+(/privacy/contact/confirm/[^/\s]+/)")
SECRET = "My old address was 12 rue Secrète"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def confirm_url(privacy_request):
    return reverse("oscar_privacy:request-confirm", args=[confirmation_token(privacy_request)])


@pytest.fixture(autouse=True)
def empty_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def received(db):
    """The privacy_request_received signals sent during the test."""
    calls = []

    def receiver(sender, privacy_request, request, **kwargs):
        calls.append(privacy_request.pk)

    privacy_request_received.connect(receiver, dispatch_uid="test_requests.received")
    yield calls
    privacy_request_received.disconnect(dispatch_uid="test_requests.received")


def visitor_post(client, follow=False, headers=None, **data):
    fields = {"kind": "closure", "name": "Camille Martin", "email": "camille@example.com"}
    return client.post(FORM, {**fields, **data}, follow=follow, **(headers or {}))


def stored_details(privacy_request):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT details FROM {PrivacyRequest._meta.db_table} WHERE id = %s",  # noqa: S608
            [privacy_request.pk],
        )
        return cursor.fetchone()[0]


# A logged-in customer ---------------------------------------------------------------


def test_a_customer_request_is_linked_actionable_and_acknowledged(
    client, customer, mailoutbox, received, django_capture_on_commit_callbacks
):
    client.force_login(customer)
    form = client.get(FORM).content.decode()
    assert 'name="email"' not in form and 'name="name"' not in form
    assert "customer@example.com" in form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            FORM, {"kind": "rectification", "message": SECRET, "email": "x@evil.example"}
        )
    assert response.status_code == 302 and response.url == SENT
    request = PrivacyRequest.objects.get()
    assert (request.kind, request.user, request.email, request.status) == (
        "rectification",
        customer,
        "customer@example.com",  # the registered address, whatever was posted
        PrivacyRequest.Status.RECEIVED,
    )
    assert request.due_at == one_month_after(request.received_at)
    assert request.details == {"message": SECRET}
    assert SECRET not in stored_details(request)
    assert received == [request.pk]
    (mail,) = mailoutbox
    assert mail.to == ["customer@example.com"]
    assert request.reference in mail.subject
    assert f"{request.deadline:%Y}" in mail.body and request.reference in mail.body
    actions = list(request.history.values_list("action", flat=True))
    assert actions == ["received", "email"]
    assert request.history.get(action="email").data == {"email": "PRIVACY_REQUEST_RECEIVED"}
    page = client.get(SENT).content.decode()
    assert request.reference in page  # the success message


def test_the_kind_in_the_address_is_ticked(client, customer):
    client.force_login(customer)
    html = client.get(FORM, {"kind": "resubscription"}).content.decode()
    assert re.search(r'value="resubscription"[^>]*checked', html)
    html = client.get(FORM, {"kind": "<b>x</b>"}).content.decode()
    assert "<b>x</b>" not in html and "checked" not in html


# A visitor and the confirmation link ---------------------------------------------------


def test_a_visitor_request_waits_for_the_link_sent_to_the_address(
    client, mailoutbox, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = visitor_post(client, message=SECRET)
    assert response.status_code == 302 and response.url == SENT
    request = PrivacyRequest.objects.get()
    assert (request.status, request.user, request.due_at, request.email) == (
        PrivacyRequest.Status.UNCONFIRMED,
        None,
        None,
        "camille@example.com",
    )
    assert request.deadline is None and not request.is_overdue
    assert request.details == {"name": "Camille Martin", "message": SECRET}
    assert received == []
    (mail,) = mailoutbox
    assert mail.to == ["camille@example.com"]
    assert LINK.search(mail.body)
    # The email repeats nothing the sender typed: the form cannot relay text to a stranger.
    assert SECRET not in mail.body and "Camille Martin" not in mail.body
    assert "Confirm" in mail.subject
    assert AuditEvent.objects.get(action="request.submitted").subject is None


def test_the_answer_is_the_same_whether_an_account_has_the_address_or_not(
    client, customer, mailoutbox, django_capture_on_commit_callbacks
):
    pages = []
    for email in ("customer@example.com", "nobody@example.com"):
        with django_capture_on_commit_callbacks(execute=True):
            response = visitor_post(client, email=email, follow=True)
        assert response.redirect_chain == [(SENT, 302)]
        pages.append(CSRF.sub("", response.content.decode()))
    assert pages[0] == pages[1]
    # The same email too, but for the link.
    known, unknown = (LINK.sub("", mail.body) for mail in mailoutbox)
    assert known == unknown
    assert mailoutbox[0].subject == mailoutbox[1].subject


def test_following_the_link_makes_the_request_actionable_and_identifies_the_account(
    client, customer, mailoutbox, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        visitor_post(client, email="Customer@Example.com")
    link = LINK.search(mailoutbox[0].body).group(1)
    page = client.get(link)
    assert page.status_code == 200
    assert "Account closure or erasure" in page.content.decode()
    request = PrivacyRequest.objects.get()
    assert request.status == PrivacyRequest.Status.UNCONFIRMED  # opening the link changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link)
    assert response.status_code == 302 and response.url == CONFIRMED
    request.refresh_from_db()
    assert request.status == PrivacyRequest.Status.RECEIVED
    assert request.due_at == one_month_after(request.confirmed_at)
    assert request.confirmed_at > request.received_at
    assert (request.user, request.matched_user) == (customer, customer)
    assert received == [request.pk]
    ack = mailoutbox[1]
    assert ack.to == ["Customer@Example.com"] and request.reference in ack.subject
    assert list(request.history.values_list("action", flat=True)) == [
        "received",
        "email",
        "confirmed",
        "email",
    ]
    assert request.history.get(action="confirmed").data == {"identified": True}
    assert AuditEvent.objects.get(action="request.confirmed").subject == customer


@pytest.mark.parametrize("case", ["unknown", "two accounts", "closed", "staff"])
def test_an_address_that_is_not_one_open_customer_account_identifies_nobody(case, customer):
    if case == "two accounts":
        UserFactory(email="CUSTOMER@example.com")
    elif case == "closed":
        AccountClosure.objects.create(user=customer, channel=AccountClosure.Channel.STAFF)
    elif case == "staff":
        customer.is_staff = True
        customer.save()
    email = "nobody@example.com" if case == "unknown" else "customer@example.com"
    request = submit_request("access", message="", name="C", email=email)
    confirm_request(confirmation_token(request))
    request.refresh_from_db()
    assert (request.status, request.user, request.matched_user) == ("received", None, None)


def test_a_used_link_is_a_410_and_changes_nothing(client):
    request = submit_request("closure", message="", name="C", email="c@example.com")
    url = confirm_url(request)
    assert client.post(url).status_code == 302
    request.refresh_from_db()
    confirmed_at, due_at = request.confirmed_at, request.due_at
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 410
        assert "already been confirmed" in response.content.decode()
    request.refresh_from_db()
    assert (request.confirmed_at, request.due_at) == (confirmed_at, due_at)
    assert request.history.filter(action="confirmed").count() == 1


def test_an_expired_link_is_a_410_and_changes_nothing(client, settings, monkeypatch):
    settings.OSCAR_PRIVACY_REQUEST_CONFIRMATION_DAYS = 7
    request = submit_request("closure", message="", name="C", email="c@example.com")
    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now - 8 * 86400)
    url = confirm_url(request)
    monkeypatch.undo()
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 410
        assert "expired" in response.content.decode()
    request.refresh_from_db()
    assert request.status == PrivacyRequest.Status.UNCONFIRMED


def test_forged_links_are_a_400_and_change_nothing(client):
    request = submit_request("closure", message="", name="C", email="c@example.com")
    token = confirmation_token(request)
    other = submit_request("access", message="", name="D", email="d@example.com")
    forged = [
        token[:-2] + ("AA" if token[-2:] != "AA" else "BB"),  # damaged signature
        "not-a-token",
        "x" * 600,
        # Properly signed, but not the shape of a token: a guessed id with no binding.
        signing.dumps({"id": other.pk}, salt=request_mail.TOKEN_SALT),
        signing.dumps({"id": str(other.pk), "check": "x"}, salt=request_mail.TOKEN_SALT),
        # Signed for another purpose (another salt).
        signing.dumps({"id": request.pk, "check": "x"}),
    ]
    for bad in forged:
        url = reverse("oscar_privacy:request-confirm", args=[bad])
        assert client.get(url).status_code == 400, bad
        assert client.post(url).status_code == 400, bad
    # A link bound to the address at the time: changing the address voids it.
    PrivacyRequest.objects.filter(pk=request.pk).update(email="mallory@example.com")
    assert client.post(reverse("oscar_privacy:request-confirm", args=[token])).status_code == 400
    assert set(PrivacyRequest.objects.values_list("status", flat=True)) == {"unconfirmed"}


def test_a_link_of_a_deleted_request_is_a_400(client):
    request = submit_request("closure", message="", name="C", email="c@example.com")
    url = confirm_url(request)
    request.delete()
    assert client.post(url).status_code == 400


def test_the_service_refuses_what_the_form_would(db):
    with pytest.raises(RequestError):
        submit_request("recovery", message="x", name="C", email="c@example.com")
    with pytest.raises(RequestError):
        submit_request("nonsense", message="x", name="C", email="c@example.com")
    with pytest.raises(RequestError):
        submit_request("closure", message="x", name="C", email="")
    with pytest.raises(ConfirmationLinkError) as caught:
        confirm_request(None)
    assert caught.value.reason == "invalid"
    assert not PrivacyRequest.objects.exists()


# Robots, floods and bad input ----------------------------------------------------------------


def test_a_filled_honeypot_gets_the_same_answer_and_stores_nothing(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = visitor_post(client, website="http://spam.example")
    assert response.status_code == 302 and response.url == SENT
    assert not PrivacyRequest.objects.exists() and mailoutbox == []


def test_a_flood_from_one_address_gets_429_and_is_not_stored(client, settings):
    settings.OSCAR_PRIVACY_REQUEST_RATE_PER_IP = "2/h"
    for index in range(2):
        assert visitor_post(client, email=f"p{index}@example.com").status_code == 302
    response = visitor_post(client, email="p3@example.com")
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "Too many privacy requests" in response.content.decode()
    assert PrivacyRequest.objects.count() == 2


def test_one_mailbox_is_not_flooded_with_links(client, settings, mailoutbox):
    settings.OSCAR_PRIVACY_REQUEST_RATE_PER_EMAIL = "1/h"
    assert visitor_post(client, email="camille@example.com").status_code == 302
    response = visitor_post(
        client, email=" CAMILLE@example.com ", headers={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert response.status_code == 429
    assert PrivacyRequest.objects.count() == 1


def test_a_customer_is_limited_on_the_registered_address(client, customer, settings):
    settings.OSCAR_PRIVACY_REQUEST_RATE_PER_EMAIL = "1/h"
    assert visitor_post(client, email="customer@example.com").status_code == 302
    client.force_login(customer)
    assert client.post(FORM, {"kind": "access"}).status_code == 429


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "recovery"},
        {"kind": "nonsense"},
        {"kind": ""},
        {"email": "not an address"},
        {"email": "a" * 250 + "@example.com"},
        {"name": ""},
        {"name": "n" * 151},
        {"message": "m" * 4001},
        {"kind": "other", "message": "   "},
        {"kind": "rectification", "message": ""},
        {"message": "nul\x00byte"},
    ],
)
def test_bad_input_is_a_form_error_and_stores_nothing(client, change):
    response = visitor_post(client, **change)
    assert response.status_code == 200
    assert "Please check the errors below." in response.content.decode()
    assert not PrivacyRequest.objects.exists()


def test_scripted_text_is_kept_as_text(client):
    script = '<script>alert("x")</script>'
    visitor_post(client, name=script, message=script)
    assert PrivacyRequest.objects.get().details == {"name": script, "message": script}


# Retention: unconfirmed requests go ------------------------------------------------------------


def test_requests_never_confirmed_are_deleted_after_30_days(db):
    old = submit_request("closure", message="x", name="Old", email="old@example.com")
    recent = submit_request("closure", message="x", name="New", email="new@example.com")
    confirmed = submit_request("access", message="x", name="Sure", email="sure@example.com")
    confirm_request(confirmation_token(confirmed))
    long_ago = timezone.now() - datetime.timedelta(days=31)
    PrivacyRequest.objects.filter(pk__in=[old.pk, confirmed.pk]).update(received_at=long_ago)

    (dry,) = apply_rules(["unconfirmed_requests"], dry_run=True)
    assert dry.counts == {"oscar_privacy.PrivacyRequest": 1}
    (result,) = apply_rules(["unconfirmed_requests"])
    assert result.counts["oscar_privacy.PrivacyRequest"] == 1
    assert set(PrivacyRequest.objects.values_list("pk", flat=True)) == {recent.pk, confirmed.pk}
    # Its history went with it.
    assert not PrivacyRequestEvent.objects.filter(privacy_request_id=old.pk).exists()


# Links from My Account ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "link"),
    [
        ("oscar_privacy:my-data", FORM),
        ("oscar_privacy:consents", f"{FORM}?kind=resubscription"),
        ("oscar_privacy:close-account", f"{FORM}?kind=closure"),
    ],
)
def test_the_privacy_pages_link_to_the_form(client, customer, url_name, link):
    client.force_login(customer)
    assert f'href="{link}"' in client.get(reverse(url_name)).content.decode()


# System checks ----------------------------------------------------------------------------


def check_ids():
    from oscar_privacy.checks import check_password_reset_settings, check_privacy_request_settings

    return [e.id for e in check_privacy_request_settings() + check_password_reset_settings()]


def test_the_default_settings_pass_the_checks():
    assert check_ids() == []


@pytest.mark.parametrize(
    ("setting", "value", "check"),
    [
        ("OSCAR_PRIVACY_SUPERVISORY_AUTHORITY", "CNIL", "oscar_privacy.E017"),
        ("OSCAR_PRIVACY_SUPERVISORY_AUTHORITY", {"name": "CNIL"}, "oscar_privacy.E017"),
        (
            "OSCAR_PRIVACY_SUPERVISORY_AUTHORITY",
            {"name": "X", "url": "javascript:alert(1)"},
            "oscar_privacy.E017",
        ),
        ("OSCAR_PRIVACY_REQUEST_CONFIRMATION_DAYS", 0, "oscar_privacy.E018"),
        ("OSCAR_PRIVACY_REQUEST_CONFIRMATION_DAYS", "7", "oscar_privacy.E018"),
        ("OSCAR_PRIVACY_REQUEST_CONFIRMATION_DAYS", 45, "oscar_privacy.W021"),
        ("OSCAR_PRIVACY_REQUEST_RATE_PER_IP", "often", "oscar_privacy.E011"),
        ("OSCAR_PRIVACY_REQUEST_RATE_PER_EMAIL", "3 per hour", "oscar_privacy.E011"),
    ],
)
def test_wrong_settings_are_reported(settings, setting, value, check):
    setattr(settings, setting, value)
    assert check_ids() == [check]


def test_a_longer_retention_of_unconfirmed_requests_allows_longer_links(settings):
    settings.OSCAR_PRIVACY_REQUEST_CONFIRMATION_DAYS = 45
    settings.OSCAR_PRIVACY_RETENTION = {"unconfirmed_requests": {"period": "P60D"}}
    assert check_ids() == []
