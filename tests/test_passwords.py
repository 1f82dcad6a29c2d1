"""Forgotten password (the service, the pages, the rate limits), password rules and checks."""

import datetime
import re
import types

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth import hashers as django_hashers
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from oscar import config as oscar_config
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_privacy.checks import (
    check_password_hasher,
    check_password_reset_settings,
    check_password_reset_view,
    hasher_weakness,
)
from oscar_privacy.closure import close_account
from oscar_privacy.exceptions import PasswordResetRefused
from oscar_privacy.models import AccountClosure, AuditEvent
from oscar_privacy.password_validation import CNILPasswordValidator, character_classes
from oscar_privacy.passwords import (
    ResetChannel,
    find_accounts,
    parse_rate,
    send_reset_link,
)

pytestmark = pytest.mark.django_db

User = get_user_model()
Email = get_model("communication", "Email")

NEW_PASSWORD = "Une-nouvelle-phrase-2026"
LINK = re.compile(r"https?://[^/\s]+(/shop/password-reset/confirm/[^/\s]+/[^/\s]+/)")
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
RESET = reverse("password-reset")
DONE = reverse("password-reset-done")


@pytest.fixture(autouse=True)
def empty_rate_limits():
    """django-ratelimit counts in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def editor(db):
    """A Wagtail or Django admin user: a real username, unlike Oscar's random ones."""
    return UserFactory(username="jdupont", email="j.dupont@example.com")


def ask(client, identifier, **extra):
    return client.post(RESET, {"identifier": identifier}, **extra)


def link_of(message):
    (path_,) = set(LINK.findall(message.body))
    return path_


def set_password(client, link, password=NEW_PASSWORD, confirmation=None):
    response = client.get(link)
    assert response.status_code == 302  # Django moves the token into the session
    return client.post(
        response["Location"],
        {"new_password1": password, "new_password2": confirmation or password},
    )


# Asking for a link ------------------------------------------------------------------


def test_the_link_goes_to_the_registered_address_whatever_the_case_typed(client, customer):
    response = ask(client, "  CUSTOMER@Example.COM ")
    assert (response.status_code, response["Location"]) == (302, DONE)
    (message,) = mail.outbox
    assert message.to == ["customer@example.com"]
    assert message.subject == "Choose a new password for example.com"
    assert "The link works once, for 3\xa0days." in message.body
    link = link_of(message)
    assert link.startswith("/shop/password-reset/confirm/")
    html = message.alternatives[0][0]
    assert f"http://example.com{link}" in html


def test_a_username_is_an_identifier_too(client, editor):
    ask(client, "jdupont")
    (message,) = mail.outbox
    assert message.to == ["j.dupont@example.com"]
    mail.outbox.clear()
    ask(client, "JDUPONT")  # usernames match exactly
    assert mail.outbox == []


def test_each_account_sharing_an_address_gets_its_own_link(client):
    first = UserFactory(email="shared@example.com")
    second = UserFactory(email="Shared@Example.com")
    ask(client, "shared@example.com")
    assert sorted(tuple(message.to) for message in mail.outbox) == [
        ("Shared@Example.com",),
        ("shared@example.com",),
    ]
    events = AuditEvent.objects.filter(action="password.reset_link_sent")
    assert {event.subject_id for event in events} == {first.pk, second.pk}


def test_reset_emails_are_not_kept_in_the_email_history(client, customer, settings):
    settings.OSCAR_SAVE_SENT_EMAILS_TO_DB = True
    ask(client, customer.email)
    assert len(mail.outbox) == 1
    assert not Email.objects.exists()


def test_the_request_is_audited_without_the_link(client, customer):
    ask(client, customer.email)
    link = link_of(mail.outbox[0])
    (event,) = AuditEvent.objects.filter(action="password.reset_link_sent")
    assert (event.subject, event.actor, event.actor_label) == (customer, None, "system")
    assert event.data == {"channel": "forgotten_password"}
    assert event.path == RESET
    token = link.rstrip("/").rsplit("/", 1)[1]
    stored = " ".join(str(value) for value in AuditEvent.objects.values_list()[0])
    assert token not in stored


def test_asking_costs_a_bounded_number_of_queries(client, customer, django_assert_max_num_queries):
    # The account, its closure, the site, the email template, the audit event.
    with django_assert_max_num_queries(5):
        ask(client, customer.email)
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "identifier",
    ["x" * 255 + "@example.com", "", "   ", "nul\x00byte@example.com"],
    ids=["oversized", "empty", "blank", "nul byte"],
)
def test_malformed_identifiers_are_form_errors(client, customer, identifier):
    response = ask(client, identifier)
    assert response.status_code == 200
    assert response.context["form"].errors["identifier"]
    assert mail.outbox == []


def test_the_form_page_says_what_to_type(client):
    html = client.get(RESET).content.decode()
    assert "Username or email address" in html
    assert 'autocomplete="username"' in html
    assert "The link works once, for 3\xa0days." in html


def test_logged_in_people_change_their_password_elsewhere(client, customer):
    client.force_login(customer)
    assert client.get(RESET).status_code == 403  # Oscar's login_forbidden


# Neutral and explicit answers ---------------------------------------------------------


def normalised(response):
    """Status, headers and body of ``response``, without what differs per request."""
    headers = {
        name: value
        for name, value in response.headers.items()
        if name.lower() not in {"set-cookie", "expires"}
    }
    return response.status_code, headers, CSRF_INPUT.sub(b"", response.content)


def answer(identifier, monkeypatch):
    # never_cache sets Expires to the current second: make it the same second.
    monkeypatch.setattr("django.utils.cache.time", types.SimpleNamespace(time=lambda: 1.8e9))
    client = Client()
    client.get(RESET)
    posted = ask(client, identifier)
    done = client.get(posted["Location"]) if posted.status_code == 302 else None
    return normalised(posted), done and normalised(done)


@pytest.mark.parametrize("state", ["unknown", "inactive", "closed", "no address"])
def test_neutral_answers_are_identical_for_known_and_unknown_identifiers(
    customer, monkeypatch, state
):
    other = UserFactory(username="other", email="other@example.com")
    if state == "inactive":
        User.objects.filter(pk=other.pk).update(is_active=False)
    elif state == "closed":
        close_account(other, channel=AccountClosure.Channel.STAFF)
    elif state == "no address":
        User.objects.filter(pk=other.pk).update(email="")
    identifier = "nobody@example.com" if state == "unknown" else "other"
    mail.outbox.clear()

    known = answer(customer.email, monkeypatch)
    assert len(mail.outbox) == 1
    unknown = answer(identifier, monkeypatch)
    assert len(mail.outbox) == 1  # nothing more sent
    assert known == unknown
    assert known[0][0] == 302
    assert b"If an account matches what you entered" in known[1][2]


def test_the_error_mode_says_when_no_account_matches(client, customer, settings):
    settings.OSCAR_PRIVACY_PASSWORD_RESET_UNKNOWN_IDENTIFIER = "error"
    response = ask(client, "nobody@example.com")
    assert response.status_code == 200
    assert "No account matches this username or email address." in response.content.decode()
    assert mail.outbox == []
    response = ask(client, customer.email)
    assert response.status_code == 302
    assert "We have sent a link" in client.get(DONE).content.decode()
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("state", ["inactive", "closed"])
def test_the_error_mode_treats_unusable_accounts_as_unknown(client, customer, settings, state):
    settings.OSCAR_PRIVACY_PASSWORD_RESET_UNKNOWN_IDENTIFIER = "error"
    if state == "inactive":
        User.objects.filter(pk=customer.pk).update(is_active=False)
    else:
        close_account(customer, channel=AccountClosure.Channel.MY_ACCOUNT)
        mail.outbox.clear()
    response = ask(client, "customer@example.com")
    assert response.status_code == 200
    assert response.context["form"].errors["identifier"][0].startswith("No account matches")
    assert mail.outbox == []


def test_a_mail_server_failure_changes_nothing_the_person_sees(client, customer, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr("oscar_privacy.passwords.Dispatcher.send_email_messages", refuse)
    response = ask(client, customer.email)
    assert (response.status_code, response["Location"]) == (302, DONE)
    assert not AuditEvent.objects.filter(action="password.reset_link_sent").exists()


# Rate limits ------------------------------------------------------------------------------


def test_an_identifier_is_limited_known_or_not(client, customer, settings):
    settings.OSCAR_PRIVACY_PASSWORD_RESET_RATE_PER_IDENTIFIER = "2/h"
    for identifier in (customer.email, "nobody@example.com"):
        assert ask(client, identifier).status_code == 302
        assert ask(client, identifier.upper()).status_code == 302
        throttled = ask(client, f" {identifier} ")
        assert throttled.status_code == 429
        assert throttled["Retry-After"] == "3600"
        html = throttled.content.decode()
        assert "no email was sent" in html
        assert "try again in 1\xa0hour" in html
    assert len(mail.outbox) == 2
    # Another identifier from the same address is still served.
    assert ask(client, "someone@example.com").status_code == 302


def test_an_ip_address_is_limited_across_identifiers(client, customer, settings):
    settings.OSCAR_PRIVACY_PASSWORD_RESET_RATE_PER_IP = "3/15m"
    for number in range(3):
        assert ask(client, f"person{number}@example.com").status_code == 302
    assert ask(client, customer.email).status_code == 429
    assert mail.outbox == []
    # Malformed posts count too, and another address is not affected.
    assert ask(client, "x" * 300).status_code == 429
    assert ask(client, customer.email, REMOTE_ADDR="203.0.113.7").status_code == 302
    assert len(mail.outbox) == 1


def test_throttled_answers_are_identical_for_known_and_unknown(customer, settings, monkeypatch):
    settings.OSCAR_PRIVACY_PASSWORD_RESET_RATE_PER_IDENTIFIER = "1/h"
    answers = []
    for identifier in (customer.email, "nobody@example.com"):
        answer(identifier, monkeypatch)
        answers.append(answer(identifier, monkeypatch))
    assert answers[0] == answers[1]
    assert answers[0][0][0] == 429


# Choosing the new password ------------------------------------------------------------------


def test_the_link_sets_a_new_password_once(client, customer):
    ask(client, customer.email)
    link = link_of(mail.outbox[0])
    response = set_password(client, link)
    assert (response.status_code, response["Location"]) == (302, reverse("password-reset-complete"))
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    (event,) = AuditEvent.objects.filter(action="password.reset_completed")
    assert (event.subject, event.actor) == (customer, customer)
    assert "set-password" in event.path

    reused = Client().get(link)
    assert reused.status_code == 400
    assert b'id="password-reset-invalid-link"' in reused.content
    assert b"has already been used, has expired" in reused.content


def test_the_new_password_ends_every_other_session(client, customer):
    elsewhere = Client()
    elsewhere.force_login(customer)
    assert elsewhere.get(reverse("customer:profile-view")).status_code == 200
    ask(client, customer.email)
    set_password(client, link_of(mail.outbox[0]))
    assert elsewhere.get(reverse("customer:profile-view")).status_code == 302


def test_a_link_expires(client, customer, settings, monkeypatch):
    ask(client, customer.email)
    link = link_of(mail.outbox[0])
    later = datetime.datetime.now() + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    monkeypatch.setattr(
        default_token_generator, "_now", lambda: later + datetime.timedelta(seconds=2)
    )
    response = client.get(link)
    assert response.status_code == 400
    assert b'id="password-reset-invalid-link"' in response.content


def test_a_login_in_between_kills_the_link(client, customer):
    ask(client, customer.email)
    link = link_of(mail.outbox[0])
    User.objects.filter(pk=customer.pk).update(last_login=timezone.now())
    assert client.get(link).status_code == 400


def uid(value):
    return urlsafe_base64_encode(force_bytes(value))


@pytest.mark.parametrize(
    "uidb64",
    [
        "!!!",
        "AAAA",
        "x" * 5000,
        "%C3%A9",
        uid("abc"),
        uid("99999999999999999999999999"),
        uid(-1),
        uid("1 OR 1=1"),
    ],
    ids=["not base64", "not utf-8", "huge", "non-ascii", "text", "overflow", "negative", "sql"],
)
def test_tampered_links_get_the_invalid_link_page(client, customer, uidb64):
    token = default_token_generator.make_token(customer)
    for method in (client.get, client.post):
        url = reverse("password-reset-confirm", args=[uidb64, token])
        response = method(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert response.status_code == 400
        assert b'id="password-reset-invalid-link"' in response.content


def test_a_forged_token_changes_nothing(client, customer):
    url = reverse("password-reset-confirm", args=[uid(customer.pk), "c2x9bc-0123456789abcdef"])
    response = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 400
    customer.refresh_from_db()
    assert not customer.check_password(NEW_PASSWORD)
    assert not AuditEvent.objects.filter(action="password.reset_completed").exists()


def test_the_new_password_is_hidden_typed_twice_and_follows_the_rules(client, customer):
    ask(client, customer.email)
    link = link_of(mail.outbox[0])
    form_page = client.get(client.get(link)["Location"])
    html = form_page.content.decode()
    assert html.count('type="password"') == 2
    assert "at least 12 characters, mixing upper-case and lower-case letters" in html

    response = set_password(client, link, confirmation=NEW_PASSWORD + "!")
    assert response.status_code == 200
    assert "two password fields didn’t match" in response.content.decode()
    response = set_password(client, link, password="tooshort")
    assert "This password is too short" in response.content.decode()
    response = set_password(client, link, password="only lower case letters here")
    assert "This password must also contain: an upper-case letter, a digit." in (
        response.content.decode()
    )
    customer.refresh_from_db()
    assert not customer.check_password(NEW_PASSWORD)


# The service other features call ------------------------------------------------------------


def test_staff_send_a_link_with_a_reason(customer, staff, rf):
    request = rf.get("/shop/dashboard/users/1/")
    request.user = staff
    send_reset_link(
        customer, request=request, channel=ResetChannel.STAFF, actor=staff, reason="Asked by phone"
    )
    (message,) = mail.outbox
    assert message.to == [customer.email]
    assert "The example.com team sent you this link" in message.body
    (event,) = AuditEvent.objects.filter(action="password.reset_link_sent")
    assert (event.actor, event.subject, event.reason) == (staff, customer, "Asked by phone")
    assert event.data == {"channel": "staff"}


def test_the_link_domain_is_the_sites_and_the_scheme_the_requests(customer, rf):
    request = rf.get("/", secure=True, HTTP_HOST="attacker.example")
    request.user = customer
    send_reset_link(customer, request=request, channel=ResetChannel.RECOVERY)
    body = mail.outbox[0].body
    assert "https://example.com/shop/password-reset/confirm/" in body
    assert "attacker" not in body
    assert "Following your request to recover your account" in body


@pytest.mark.parametrize("state", ["inactive", "closed", "no_email"])
def test_unusable_accounts_are_refused(customer, state):
    if state == "inactive":
        customer.is_active = False
        customer.save()
    elif state == "closed":
        close_account(customer, channel=AccountClosure.Channel.MY_ACCOUNT)
        mail.outbox.clear()
    else:
        customer.email = ""
        customer.save()
    with pytest.raises(PasswordResetRefused) as refused:
        send_reset_link(customer, channel=ResetChannel.STAFF)
    assert refused.value.reason == state
    assert mail.outbox == []
    assert find_accounts("customer@example.com") == []


def test_an_unknown_channel_is_refused(customer):
    with pytest.raises(ValueError, match="is not a valid ResetChannel"):
        send_reset_link(customer, channel="telepathy")
    assert mail.outbox == []


def test_rates_are_parsed_like_django_ratelimit():
    assert parse_rate("3/h") == (3, 3600)
    assert parse_rate("10/15m") == (10, 900)
    for bad in ("3 per hour", "3/w", "/h", None, 3):
        with pytest.raises(ValueError):
            parse_rate(bad)


# Oscar's other messages that carry a reset link ------------------------------------------------


@pytest.mark.parametrize("prevention", [True, False], ids=["verified change", "Oscar's change"])
def test_the_email_changed_warning_is_not_kept(
    client, customer, settings, django_capture_on_commit_callbacks, prevention
):
    settings.OSCAR_SAVE_SENT_EMAILS_TO_DB = True
    settings.OSCAR_PRIVACY_PREVENT_ACCOUNT_ENUMERATION = prevention
    client.force_login(customer)
    response = client.post(
        reverse("customer:profile-update"),
        {"first_name": "Camille", "last_name": "Martin", "email": "new@example.com"},
    )
    assert response.status_code == 302
    if prevention:
        # The warning goes when the new address's link is followed (tests/test_email_change.py).
        (confirmation,) = mail.outbox
        link = re.search(
            r"https?://[^/\s]+(/privacy/account/email/confirm/\S+/)", confirmation.body
        )
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(link[1])
    (message,) = mail.outbox
    assert message.to == ["customer@example.com"]
    assert "new@example.com" in message.body
    assert link_of(message)
    assert not Email.objects.exists()


def test_the_password_changed_warning_is_not_kept(client, customer, settings):
    settings.OSCAR_SAVE_SENT_EMAILS_TO_DB = True
    client.force_login(customer)
    page = client.get(reverse("customer:change-password"))
    html = page.content.decode()
    assert html.count('type="password"') == 3  # old, new, new again
    assert "at least 12 characters" in html
    response = client.post(
        reverse("customer:change-password"),
        {
            "old_password": "skelebrain",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["customer@example.com"]
    assert link_of(message)
    assert not Email.objects.exists()


# Password rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("Aa1!Aa1!Aa1!", []),
        ("Éléphant-rosé-42", []),
        ("Aa1!Aa1!Aa1", ["password_too_short"]),
        ("aaaaaaaaaaaa1!", ["password_too_simple"]),
        ("short", ["password_too_short", "password_too_simple"]),
    ],
)
def test_the_cnil_validator(password, codes):
    validator = CNILPasswordValidator()
    try:
        validator.validate(password)
    except Exception as error:  # ValidationError with one entry per problem
        assert [entry.code for entry in error.error_list] == codes
    else:
        assert codes == []


def test_the_cnil_validator_options():
    validator = CNILPasswordValidator(min_length=14, min_classes=3)
    validator.validate("SansSymbole2026Oui")
    with pytest.raises(Exception, match="add 1 of: an upper-case letter, a symbol"):
        validator.validate("onlylower2026here")
    assert "at least 14 characters, from at least 3 of" in validator.get_help_text()
    assert character_classes("日本語 a") == {"lower", "symbol"}
    for options in ({"min_classes": 0}, {"min_classes": 5}, {"min_length": 0}):
        with pytest.raises(ValueError):
            CNILPasswordValidator(**options)


@pytest.mark.parametrize("url_name", ["customer:register", "customer:login"])
def test_registration_shows_and_applies_the_rules(client, url_name):
    response = client.get(reverse(url_name))
    html = response.content.decode()
    assert "at least 12 characters, mixing upper-case and lower-case letters" in html
    form = response.context["form" if url_name == "customer:register" else "registration_form"]
    assert form.fields["password1"].widget.input_type == "password"
    assert form.fields["password2"].widget.input_type == "password"
    data = {
        form.add_prefix("email"): "new@example.com",
        form.add_prefix("password1"): "weakpass",
        form.add_prefix("password2"): "weakpass",
        "registration_submit": "1",
    }
    response = client.post(reverse(url_name), data)
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()


# System checks ---------------------------------------------------------------------------


def test_w006_is_silent_with_the_sandbox_wiring():
    assert check_password_reset_view() == []


def test_w006_warns_when_oscars_password_reset_is_wired(settings):
    shop = apps.get_app_config("oscar")
    urls = types.ModuleType("urls_with_oscars_password_reset")
    urls.urlpatterns = [path("shop/", include(oscar_config.Shop.get_urls(shop)))]
    settings.ROOT_URLCONF = urls
    (warning,) = check_password_reset_view()
    assert warning.id == "oscar_privacy.W006"
    assert "oscar_privacy.config.Shop" in warning.hint


class FewIterations(django_hashers.PBKDF2PasswordHasher):
    iterations = 100_000


class CheapArgon2(django_hashers.Argon2PasswordHasher):
    memory_cost = 1024


@pytest.mark.parametrize(
    ("hasher", "weakness"),
    [
        (django_hashers.Argon2PasswordHasher(), None),
        (django_hashers.ScryptPasswordHasher(), None),
        (django_hashers.PBKDF2PasswordHasher(), None),
        (FewIterations(), "PBKDF2 with 100000 iterations"),
        (CheapArgon2(), "Argon2 with lower costs"),
        (django_hashers.PBKDF2SHA1PasswordHasher(), "SHA-1"),
        (django_hashers.BCryptPasswordHasher(), "72nd byte"),
        (django_hashers.MD5PasswordHasher(), "not a hasher known"),
    ],
)
def test_hasher_assessment(hasher, weakness):
    found = hasher_weakness(hasher)
    assert found == weakness if weakness is None else weakness in found


def test_w007_names_the_weak_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    (warning,) = check_password_hasher()
    assert warning.id == "oscar_privacy.W007"
    assert "MD5PasswordHasher" in warning.msg
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert check_password_hasher() == []


def test_e011_catches_bad_reset_settings(settings):
    assert check_password_reset_settings() == []
    settings.OSCAR_PRIVACY_PASSWORD_RESET_UNKNOWN_IDENTIFIER = "silent"
    settings.OSCAR_PRIVACY_PASSWORD_RESET_RATE_PER_IP = "ten an hour"
    messages = check_password_reset_settings()
    assert [message.id for message in messages] == ["oscar_privacy.E011"] * 2
    assert "'silent' is not one of 'neutral', 'error'" in messages[0].msg
    assert "OSCAR_PRIVACY_PASSWORD_RESET_RATE_PER_IP" in messages[1].msg
