"""The emailed link that creates a new account (OSCAR_PRIVACY_PREVENT_ACCOUNT_ENUMERATION)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from oscar_privacy import registration
from oscar_privacy.closure import close_account
from oscar_privacy.models import AccountClosure, AuditEvent, ConsentRecord, PolicyKind

from .shop import publish, publish_policies

pytestmark = pytest.mark.django_db
User = get_user_model()

PASSWORD = "A-long-enough-password-2026"
LINK = re.compile(r"https?://[^/\s]+(/privacy/register/confirm/([^/\s]+)/)")
SENT = reverse("oscar_privacy:registration-sent")


@pytest.fixture
def versions():
    return publish_policies()


def register(client, versions, email="new@example.com", next_url="", **extra):
    data = {
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "accept_privacy": "on",
        "privacy_version": str(versions[0].number),
        "redirect_url": next_url,
        **extra,
    }
    response = client.post(reverse("customer:register"), data, REMOTE_ADDR="203.0.113.77")
    assert (response.status_code, response["Location"]) == (302, SENT)
    (path, token) = LINK.findall(mail.outbox[-1].body)[0]
    return path, token


def test_the_sent_page_names_no_address(client, versions):
    register(client, versions)
    page = client.get(SENT).content.decode()
    assert "Check your inbox" in page
    assert "new@example.com" not in page


def test_the_link_creates_the_account_and_logs_its_owner_in(client, versions):
    path, token = register(client, versions, next_url="/shop/basket/")
    assert "new@example.com" not in token and "md5$" not in token  # encrypted
    page = client.get(path)
    assert page.status_code == 200
    assert 'id="registration_confirm_form"' in page.content.decode()
    assert not User.objects.exists()  # opening the link (a mail scanner) creates nothing
    mail.outbox.clear()

    response = client.post(path, {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[0] == ("/shop/basket/", 302)
    assert "Thanks for registering!" in response.content.decode()
    user = User.objects.get(email="new@example.com")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.check_password(PASSWORD) and user.is_active and len(user.username) == 30
    (record,) = ConsentRecord.objects.all()
    assert (record.user, record.version, record.channel) == (user, versions[0], "registration")
    assert record.network == "203.0.113.0/24"  # of the registration, not of the click
    (event,) = AuditEvent.objects.filter(action="account.registered")
    assert (event.actor, event.subject) == (user, user)
    assert event.data == {"link": registration.fingerprint(token)}
    # Oscar's welcome email, as after Oscar's own registration.
    assert [message.to for message in mail.outbox] == [["new@example.com"]]


def test_the_new_customer_can_then_log_in(client, versions):
    path, _token = register(client, versions)
    client.post(path, {"password": PASSWORD})
    client.logout()
    data = {"login-username": "new@example.com", "login-password": PASSWORD, "login_submit": "1"}
    response = client.post(reverse("customer:login"), data)
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_the_link_works_once(client, versions):
    path, _token = register(client, versions)
    client.post(path, {"password": PASSWORD})
    client.logout()
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 410
        assert "already been used" in response.content.decode()
    assert User.objects.count() == 1


def test_the_link_works_once_even_once_the_account_is_closed(client, versions):
    path, _token = register(client, versions)
    client.post(path, {"password": PASSWORD})
    close_account(User.objects.get(), channel=AccountClosure.Channel.MY_ACCOUNT)
    client.logout()
    assert client.post(path, {"password": PASSWORD}).status_code == 410
    assert User.objects.count() == 1


def test_two_registrations_make_one_account(client, versions):
    first, _ = register(client, versions)
    second, _ = register(client, versions)
    assert first != second
    assert client.post(second, {"password": PASSWORD}).status_code == 302
    client.logout()
    assert client.post(first, {"password": PASSWORD}).status_code == 410
    assert User.objects.count() == 1


def test_the_link_asks_for_the_password_chosen_at_registration(client, versions):
    # Someone registers another person's address with a password of their own: the
    # owner of the mailbox cannot create that account for them by pressing a button.
    path, _token = register(client, versions)
    page = client.get(path)
    assert b'type="password"' in page.content and b'name="password"' in page.content
    for typed in ("", "x" * 5000, PASSWORD.upper(), "Another-long-password-2026"):
        response = client.post(path, {"password": typed})
        assert response.status_code == 400, typed
        assert not User.objects.exists()
        assert "_auth_user_id" not in client.session
    assert "not the password chosen" in response.content.decode()
    assert client.post(path, {"password": PASSWORD}).status_code == 302
    assert User.objects.get().check_password(PASSWORD)


def test_tries_on_one_link_are_limited(client, versions):
    path, _token = register(client, versions)
    for _ in range(10):
        assert client.post(path, {"password": "Wrong-password-2026!"}).status_code == 400
    response = client.post(path, {"password": PASSWORD})
    assert response.status_code == 400
    assert "Too many tries" in response.content.decode()
    assert not User.objects.exists()


def test_an_expired_link(client, versions, settings, monkeypatch):
    path, _token = register(client, versions)
    issued = registration.time.time()
    monkeypatch.setattr(registration.time, "time", lambda: issued + 3 * 86400 + 5)
    response = client.post(path, {"password": PASSWORD})
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    settings.OSCAR_PRIVACY_REGISTRATION_CONFIRMATION_DAYS = 4
    assert client.get(path).status_code == 200
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        lambda token: token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),
        lambda token: token[:40],
        lambda token: "x" * 3000,
        lambda token: "not-a-token",
    ],
    ids=["tampered", "cut", "oversized", "garbage"],
)
def test_a_damaged_link_is_refused(client, versions, change):
    _path, token = register(client, versions)
    path = reverse("oscar_privacy:registration-confirm", args=[change(token)])
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    assert not User.objects.exists()


def test_a_link_made_with_a_retired_key_is_refused(client, versions, settings):
    path, _token = register(client, versions)
    settings.OSCAR_PRIVACY_ENCRYPTION_KEYS = ["bmV3LWtleS1mb3ItdGVzdHMtb25seS0wMTIzNDU2Nzg="]
    assert client.post(path, {"password": PASSWORD}).status_code == 400


def test_an_outside_next_page_is_not_followed(client, versions):
    path, _token = register(client, versions, next_url="https://evil.example/")
    response = client.post(path, {"password": PASSWORD})
    assert response["Location"] == reverse("customer:summary")


def test_the_version_accepted_is_recorded_even_if_a_new_one_came_out(client, versions):
    path, _token = register(client, versions)
    new = publish(PolicyKind.PRIVACY, "A newer privacy policy.", material=True)
    client.post(path, {"password": PASSWORD})
    (record,) = ConsentRecord.objects.all()
    assert record.version == versions[0] != new


def test_the_newsletter_box_is_recorded_with_the_account(client, versions):
    path, _token = register(client, versions, newsletter="on")
    assert not ConsentRecord.objects.exists()
    client.post(path, {"password": PASSWORD})
    assert set(ConsentRecord.objects.values_list("purpose", flat=True)) == {
        "privacy_policy",
        "newsletter",
    }
