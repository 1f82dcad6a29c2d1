"""A customer's new email address takes effect once its mailbox confirms it.

My Account's profile form (``customer:profile-update``) with
OSCAR_PRIVACY_PREVENT_ACCOUNT_ENUMERATION: the other fields are saved, the
address is emailed a link (or, when another account has it, a notice), and
the link, followed by the account that asked, applies it, audits it and warns
the old address. That the form answers alike for every address, for the same
work, is walked in tests/test_perimeter_enumeration.py.
"""

import json
import re
import threading
import time
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core import mail
from django.core.cache import cache
from django.test import Client, TestCase
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_privacy import email_change
from oscar_privacy.checks import check_account_enumeration, check_registration_settings
from oscar_privacy.crypto import encrypt, fingerprint
from oscar_privacy.email_change import (
    CONFIRM_EMAIL,
    IN_USE_EMAIL,
    address_verified,
    confirmation_token,
    deliver_email_change_email,
)
from oscar_privacy.models import AuditEvent
from oscar_privacy.signals import account_email_changed

pytestmark = pytest.mark.django_db
User = get_user_model()
Email = get_model("communication", "Email")

OLD = "customer@example.com"
NEW = "new@example.com"
PASSWORD = "A-long-enough-password-2026"
LINK = re.compile(r"https?://[^/\s]+(/privacy/account/email/confirm/([^/\s]+)/)")
RESET_LINK = re.compile(r"https?://[^/\s]+/shop/password-reset/confirm/[^/\s]+/[^/\s]+/")
SENT = "We have sent a link to {}: the change takes effect when you follow it."


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()  # the rate limit of email changes counts in the cache


@pytest.fixture
def customer(db):
    return UserFactory(email=OLD, first_name="Camille", last_name="Martin", password=PASSWORD)


@pytest.fixture
def logged_in(client, customer):
    client.force_login(customer)
    return client


def change(client, email=NEW, first_name="Camille", **extra):
    """Post the profile form as the customer does; the response, followed."""
    data = {"first_name": first_name, "last_name": "Martin", "email": email, **extra}
    return client.post(reverse("customer:profile-update"), data, follow=True)


def link_in(message):
    (found,) = set(LINK.findall(message.body))
    return found  # (path, token)


def confirm(client, path):
    """Press the link page's button; the old address's warning is sent once it commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(path, follow=True)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def alerts():
    """Oscar's "your email address was changed" warnings sent."""
    return [m for m in mail.outbox if "email address has been changed" in m.body]


# Asking: the other fields now, the address later -------------------------------------------


def test_the_form_saves_the_other_fields_and_emails_a_link(logged_in, customer):
    response = change(logged_in, first_name="Camille-Anne")
    assert response.redirect_chain == [(reverse("customer:profile-view"), 302)]
    assert SENT.format(NEW) in messages_of(response)
    customer.refresh_from_db()
    assert (customer.first_name, customer.email) == ("Camille-Anne", OLD)
    (message,) = mail.outbox  # no warning to the old address: nothing changed
    assert message.to == [NEW]
    assert message.subject == "Confirm your new email address at example.com"
    path, token = link_in(message)
    assert NEW not in token and OLD not in token  # encrypted
    assert message.alternatives and path in message.alternatives[0][0]
    assert not AuditEvent.objects.filter(action="account.email_changed").exists()


def test_the_profile_page_says_how_an_address_changes(logged_in):
    page = logged_in.get(reverse("customer:profile-update")).content.decode()
    assert "A new address takes effect when you follow the link we email to it." in page


def test_an_address_another_account_has_gets_a_notice(logged_in, customer):
    UserFactory(email="Taken@Example.com")
    response = change(logged_in, email="taken@example.com")
    assert SENT.format("taken@example.com") in messages_of(response)
    assert "already exists" not in response.content.decode()
    (notice,) = mail.outbox
    assert notice.to == ["taken@example.com"]
    assert notice.subject == "This email address already has an account at example.com"
    assert "http://example.com/shop/accounts/login/" in notice.body
    assert "http://example.com/shop/password-reset/" in notice.body
    assert not LINK.findall(notice.body)
    customer.refresh_from_db()
    assert customer.email == OLD


@pytest.mark.parametrize("typed", [OLD, "customer@EXAMPLE.com"])
def test_the_same_address_changes_nothing_and_sends_nothing(logged_in, customer, typed):
    customer.email = "customer@EXAMPLE.com"  # stored with capitals, as Oscar may have
    customer.save()
    response = change(logged_in, email=typed)
    assert messages_of(response) == ["Profile updated"]
    assert mail.outbox == []
    customer.refresh_from_db()
    assert customer.email == "customer@EXAMPLE.com"


def test_a_bad_address_is_a_form_error(logged_in, customer):
    response = change(logged_in, email="not an address")
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert mail.outbox == []


def test_asking_too_often_is_refused_whatever_the_address(logged_in, customer):
    for number in range(5):
        change(logged_in, email=f"try{number}@example.com")
    assert len(mail.outbox) == 5
    response = change(logged_in, email="taken@example.com", first_name="Other")
    assert response.status_code == 200
    assert "You have asked to change your address too often" in response.content.decode()
    assert len(mail.outbox) == 5
    customer.refresh_from_db()
    assert customer.first_name == "Camille"
    # The other fields alone still save.
    assert messages_of(change(logged_in, email=OLD, first_name="Other")) == ["Profile updated"]


# Following the link -------------------------------------------------------------------------


def test_the_link_changes_the_address_audits_and_warns_the_old_one(logged_in, customer, settings):
    settings.OSCAR_SAVE_SENT_EMAILS_TO_DB = True
    received = []
    account_email_changed.connect(lambda **kwargs: received.append(kwargs), weak=False)
    change(logged_in)
    path, token = link_in(mail.outbox[0])
    mail.outbox.clear()

    page = logged_in.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="email_change_confirm_form"' in html and OLD in html and NEW in html
    assert "no-store" in page["Cache-Control"]
    customer.refresh_from_db()
    assert customer.email == OLD  # opening the link (a mail scanner) changes nothing

    response = confirm(logged_in, path)
    assert response.redirect_chain == [(reverse("customer:profile-view"), 302)]
    assert f"Your email address is now {NEW}." in messages_of(response)
    customer.refresh_from_db()
    assert customer.email == NEW
    assert logged_in.session["_auth_user_id"] == str(customer.pk)  # still logged in
    (event,) = AuditEvent.objects.filter(action="account.email_changed")
    assert (event.actor, event.subject) == (customer, customer)
    assert event.data == {
        "old": OLD,
        "new": NEW,
        "surface": "my_account",
        "verified": True,
        "link": fingerprint(token),
    }
    # The page, without the link's token: the trail keeps no key.
    assert event.path == path.replace(token, fingerprint(token)) and token not in event.path
    # Oscar's warning, to the old address only, with its reset link, never stored.
    (warning,) = mail.outbox
    assert warning.to == [OLD]
    assert NEW in warning.body and RESET_LINK.search(warning.body)
    assert not Email.objects.exists()
    assert address_verified(customer)
    (sent,) = received
    assert (sent["user"], sent["old_email"], sent["new_email"], sent["verified"]) == (
        customer,
        OLD,
        NEW,
        True,
    )
    account_email_changed.receivers.clear()


def test_the_new_address_logs_in(client, customer):
    client.force_login(customer)
    change(client)
    path, _token = link_in(mail.outbox[0])
    confirm(client, path)
    client.logout()
    client.post(
        reverse("customer:login"),
        {"login-username": NEW, "login-password": PASSWORD, "login_submit": "Log In"},
    )
    assert client.session["_auth_user_id"] == str(customer.pk)


def test_a_visitor_logs_in_first_and_comes_back(client, customer):
    token = confirmation_token(customer, NEW, old_email=OLD)
    path = reverse("oscar_privacy:email-change-confirm", args=[token])
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('customer:login')}?next={quote(path, safe='/')}"
    customer.refresh_from_db()
    assert customer.email == OLD
    response = client.post(
        response["Location"],
        {
            "login-username": OLD,
            "login-password": PASSWORD,
            "login-redirect_url": path,
            "login_submit": "Log In",
        },
    )
    assert response["Location"] == path
    response = confirm(client, path)
    customer.refresh_from_db()
    assert customer.email == NEW


def test_another_account_cannot_follow_the_link(client, customer):
    token = confirmation_token(customer, NEW, old_email=OLD)
    path = reverse("oscar_privacy:email-change-confirm", args=[token])
    client.force_login(UserFactory(email="someone.else@example.com"))
    for response in (client.get(path), confirm(client, path)):
        assert response.status_code == 403
        assert "This link was sent for another account" in response.content.decode()
        assert "no-store" in response["Cache-Control"]
    customer.refresh_from_db()
    assert customer.email == OLD
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="account.email_changed").exists()


# Links that change nothing ------------------------------------------------------------------


def _sealed(payload):
    return encrypt(json.dumps(payload).encode()).decode()


def bad_tokens(customer):
    good = confirmation_token(customer, NEW, old_email=OLD)
    fields = {"purpose": "email_change", "user": customer.pk, "old": OLD, "email": NEW}
    return {
        "garbage": "not-a-token",
        "tampered": good[:-6] + ("AAAAAA" if not good.endswith("AAAAAA") else "BBBBBB"),
        "too long": "A" * 2001,
        "not ascii": "é" * 20,
        "a registration link": _sealed({"email": NEW, "password": "x", "issued": 1}),
        "no purpose": _sealed({**fields, "purpose": "registration", "issued": int(time.time())}),
        "an empty address": _sealed({**fields, "email": "", "issued": int(time.time())}),
        "a boolean account": _sealed({**fields, "user": True, "issued": int(time.time())}),
        "a list": _sealed([fields]),
    }


def test_a_forged_or_damaged_link_is_a_400(logged_in, customer):
    for name, token in bad_tokens(customer).items():
        path = reverse("oscar_privacy:email-change-confirm", args=[token])
        for response in (logged_in.get(path), confirm(logged_in, path)):
            assert response.status_code == 400, name
            assert "This link is not valid" in response.content.decode(), name
    customer.refresh_from_db()
    assert customer.email == OLD
    assert mail.outbox == []


def test_a_forged_link_says_so_before_any_login(client, customer):
    path = reverse("oscar_privacy:email-change-confirm", args=["not-a-token"])
    assert client.get(path).status_code == 400


def test_an_expired_link_is_a_410(logged_in, customer, settings, monkeypatch):
    settings.OSCAR_PRIVACY_EMAIL_CHANGE_CONFIRMATION_DAYS = 2
    token = confirmation_token(customer, NEW, old_email=OLD)
    path = reverse("oscar_privacy:email-change-confirm", args=[token])
    now = time.time()
    monkeypatch.setattr(email_change.time, "time", lambda: now + 2 * 86400 - 5)
    assert logged_in.get(path).status_code == 200
    monkeypatch.setattr(email_change.time, "time", lambda: now + 2 * 86400 + 5)
    for response in (logged_in.get(path), confirm(logged_in, path)):
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()
    customer.refresh_from_db()
    assert customer.email == OLD
    assert mail.outbox == []


def test_a_link_works_once(logged_in, customer):
    change(logged_in)
    path, _token = link_in(mail.outbox[0])
    confirm(logged_in, path)
    mail.outbox.clear()
    for response in (logged_in.get(path), confirm(logged_in, path)):
        assert response.status_code == 410
        assert "This link has already been used" in response.content.decode()
    assert mail.outbox == []  # no second warning
    assert AuditEvent.objects.filter(action="account.email_changed").count() == 1


def test_a_link_works_once_even_when_the_address_comes_back(logged_in, customer):
    change(logged_in)
    first, _token = link_in(mail.outbox[-1])
    confirm(logged_in, first)
    change(logged_in, email=OLD)  # and back
    back, _token = link_in(mail.outbox[-1])
    confirm(logged_in, back)
    customer.refresh_from_db()
    assert customer.email == OLD
    # The account is at the address the first link was asked from again: its
    # fingerprint in the audit trail still refuses it.
    assert confirm(logged_in, first).status_code == 410
    customer.refresh_from_db()
    assert customer.email == OLD


def test_an_older_link_dies_when_a_newer_one_is_applied(logged_in, customer):
    change(logged_in, email="first@example.com")
    change(logged_in, email="second@example.com")
    first, second = (link_in(message)[0] for message in mail.outbox)
    confirm(logged_in, second)
    assert confirm(logged_in, first).status_code == 410
    customer.refresh_from_db()
    assert customer.email == "second@example.com"


@pytest.mark.parametrize("how", ["another customer's change", "a registration"])
def test_an_address_taken_meanwhile_is_a_409(logged_in, customer, how):
    change(logged_in)
    path, _token = link_in(mail.outbox[0])
    mail.outbox.clear()
    if how == "a registration":
        UserFactory(email="NEW@example.com")
    else:
        rival = UserFactory(email="rival@example.com")
        token = confirmation_token(rival, NEW, old_email="rival@example.com")
        other = Client()
        other.force_login(rival)
        confirm(other, reverse("oscar_privacy:email-change-confirm", args=[token]))
        rival.refresh_from_db()
        assert rival.email == NEW
        mail.outbox.clear()
    for response in (logged_in.get(path), confirm(logged_in, path)):
        assert response.status_code == 409
        assert "Another account has had this email address" in response.content.decode()
    customer.refresh_from_db()
    assert customer.email == OLD
    assert alerts() == [] and mail.outbox == []
    assert not AuditEvent.objects.filter(action="account.email_changed", subject=customer)


def test_the_old_address_is_warned_only_of_the_applied_change(logged_in, customer):
    change(logged_in)
    change(logged_in, email="other@example.com")
    path, _token = link_in(mail.outbox[0])
    assert alerts() == []
    logged_in.get(path)
    assert alerts() == []
    confirm(logged_in, path)
    (warning,) = alerts()
    assert warning.to == [OLD] and NEW in warning.body


def test_a_change_that_fails_to_commit_warns_nobody(logged_in, customer, monkeypatch):
    change(logged_in)
    path, _token = link_in(mail.outbox[0])
    mail.outbox.clear()

    def fail(*args, **kwargs):
        raise RuntimeError("the audit trail is down")

    monkeypatch.setattr(email_change.audit, "record", fail)
    with pytest.raises(RuntimeError):
        confirm(logged_in, path)
    customer.refresh_from_db()
    assert customer.email == OLD
    assert mail.outbox == []


# The task ------------------------------------------------------------------------------------


def test_the_task_decides_between_link_and_notice(customer):
    # The account itself holding the address (a change of case) does not count.
    token = confirmation_token(customer, "CUSTOMER@example.com", old_email=OLD)
    assert deliver_email_change_email(token) == CONFIRM_EMAIL
    token = confirmation_token(customer, NEW, old_email=OLD)
    assert deliver_email_change_email(token) == CONFIRM_EMAIL
    UserFactory(email="New@Example.com")
    assert deliver_email_change_email(token) == IN_USE_EMAIL
    assert [message.to for message in mail.outbox] == [["CUSTOMER@example.com"], [NEW], [NEW]]


def test_the_event_codes_have_templates():
    dispatcher = email_change.Dispatcher()
    context = {"login_link": "L", "reset_link": "R", "confirm_link": "C", "valid_for": "3d"}
    for code in (CONFIRM_EMAIL, IN_USE_EMAIL):
        messages = dispatcher.get_messages(code, context)
        assert messages["subject"] and messages["body"] and messages["html"], code


# A proven address ----------------------------------------------------------------------------


def test_an_address_is_verified_until_someone_else_changes_it(logged_in, customer):
    from oscar_privacy.staff_accounts import account_snapshot, record_account_changes

    assert not address_verified(customer)
    change(logged_in)
    confirm(logged_in, link_in(mail.outbox[0])[0])
    customer.refresh_from_db()
    assert address_verified(customer)
    before = account_snapshot(customer)
    customer.email = "by.staff@example.com"
    customer.save()
    record_account_changes(customer, before=before, actor=None, reason="Asked by phone")
    assert not address_verified(customer)


# Oscar's behaviour, for shops that choose it ----------------------------------------------


def test_without_prevention_oscars_form_changes_at_once(logged_in, customer, settings):
    settings.OSCAR_PRIVACY_PREVENT_ACCOUNT_ENUMERATION = False
    UserFactory(email="taken@example.com")
    response = change(logged_in, email="taken@example.com")
    assert "A user with this email address already exists" in response.content.decode()
    assert mail.outbox == []

    response = change(logged_in)
    assert messages_of(response) == ["Profile updated"]
    customer.refresh_from_db()
    assert customer.email == NEW
    (warning,) = mail.outbox
    assert warning.to == [OLD] and NEW in warning.body
    (event,) = AuditEvent.objects.filter(action="account.email_changed")
    assert event.data == {"old": OLD, "new": NEW, "surface": "my_account", "verified": False}
    assert not address_verified(customer)
    (warning,) = check_account_enumeration()
    assert warning.id == "oscar_privacy.W027" and "profile form" in warning.msg


# Wiring: the zero-fork config, a forked shop, and the check ---------------------------------


def test_a_forked_profile_view_with_the_mixin(logged_in, customer, settings):
    settings.ROOT_URLCONF = "tests.urls_forked_shop"
    response = change(logged_in)
    assert SENT.format(NEW) in messages_of(response)
    path, _token = link_in(mail.outbox[0])
    confirm(logged_in, path)
    customer.refresh_from_db()
    assert customer.email == NEW
    assert "oscar_privacy.W032" not in [warning.id for warning in check_account_enumeration()]


def test_oscars_own_profile_view_is_reported(settings):
    from django.apps import apps

    from oscar_privacy.customer.mixins import VerifiedEmailChangeMixin

    assert issubclass(apps.get_app_config("customer").profile_update_view, VerifiedEmailChangeMixin)
    settings.ROOT_URLCONF = "tests.urls_plain_oscar"
    ids = [warning.id for warning in check_account_enumeration()]
    assert "oscar_privacy.W032" in ids


@pytest.mark.parametrize("days", [0, "3", True, None])
def test_a_bad_link_validity_is_an_error(settings, days):
    settings.OSCAR_PRIVACY_EMAIL_CHANGE_CONFIRMATION_DAYS = days
    (error,) = check_registration_settings()
    assert error.id == "oscar_privacy.E024"


# Two accounts applying links for one address at the same moment (PostgreSQL) ----------------


@pytest.mark.django_db(transaction=True)
def test_two_accounts_applying_one_address_at_once_wait_for_each_other(rf):
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one transaction write at a time")
    first = UserFactory(email="first@example.com")
    second = UserFactory(email="second@example.com")
    token = confirmation_token(second, NEW, old_email="second@example.com")
    locked, go_on, outcome = threading.Event(), threading.Event(), []

    def first_applies():
        # What confirm_email_change does for the first account, paused inside its lock.
        try:
            with transaction.atomic():
                email_change._lock_address(NEW, "default")
                locked.set()
                assert go_on.wait(60)
                User.objects.filter(pk=first.pk).update(email=NEW)
        finally:
            connection.close()

    def second_applies():
        request = rf.post(reverse("oscar_privacy:email-change-confirm", args=[token]))
        request.user = second
        try:
            email_change.confirm_email_change(token, request=request)
            outcome.append("changed")
        except email_change.EmailChangeLinkError as error:
            outcome.append(error.reason)
        finally:
            connection.close()

    holder = threading.Thread(target=first_applies)
    holder.start()
    assert locked.wait(60)
    waiter = threading.Thread(target=second_applies)
    waiter.start()
    _wait_for_a_lock_wait()
    go_on.set()
    holder.join(60)
    waiter.join(60)
    assert outcome == ["taken"]
    assert User.objects.filter(email__iexact=NEW).count() == 1
    second.refresh_from_db()
    assert second.email == "second@example.com"


def _wait_for_a_lock_wait():
    """Until another connection waits for an advisory lock (the second confirmation)."""
    from django.db import connection

    for _attempt in range(600):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.1)
    pytest.fail("The second confirmation never waited for the first one's lock.")
