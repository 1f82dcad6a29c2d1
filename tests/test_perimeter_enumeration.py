"""No form tells whether an email address has an account: not by its answer, not by its cost.

:data:`ACCOUNT_FORMS` lists, in one place, every public form that takes an
email address or a login: the four logins (Oscar's customer login, Oscar's
dashboard, Wagtail's admin, Django's admin), the forgotten-password form,
account recovery, the privacy request form, registration (its own page and
the login page's form), the checkout's first page (each of its three
choices) and My Account's profile form, where a logged-in customer types a
new address (any customer could otherwise test addresses one by one). For
each, a known address and an unknown one, an inactive account
and a closed one must get the same response (status, templates, body with
the address masked out, messages, cookies set, redirect) for the same work:
as many database queries and runs of the password hasher (a counting hasher
registered for the test), and the same background tasks enqueued (tasks are
queued, not run, as with a real queue in production).
:func:`test_every_form_taking_an_address_is_listed` walks the URLconf so that
a form added later is listed too, or excluded here with its reason.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.html import escape
from django_tasks import default_task_backend
from oscar.test.factories import UserFactory

from oscar_privacy.auth_backends import EmailBackend
from oscar_privacy.checks import check_account_enumeration, check_registration_settings
from oscar_privacy.closure import close_account
from oscar_privacy.models import AccountClosure, ConsentRecord
from oscar_privacy.registration import ACCOUNT_EXISTS_EMAIL, CONFIRM_EMAIL

from .shop import make_product, publish_policies

pytestmark = pytest.mark.django_db
User = get_user_model()

PASSWORD = "A-long-enough-password-2026"
WRONG = "Not-the-password-2026"
KNOWN = "customer@example.com"
ASKER = "asker@example.com"
MESSAGES_COOKIE = CookieStorage.cookie_name
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"|"CSRF_TOKEN": "[^"]+"')


class CountingHasher(MD5PasswordHasher):
    """MD5 (fast) counting its runs: every hash and every check of a password calls ``encode``."""

    algorithm = "counting_md5"
    runs = 0

    def encode(self, password, salt):
        CountingHasher.runs += 1
        return super().encode(password, salt)


@dataclass
class AccountForm:
    """A public form that takes an email address: how to fill it in for ``identifier``."""

    name: str
    url_name: str
    data: object  # callable(identifier, context) -> POST data
    needs_basket: bool = False
    extra: dict = field(default_factory=dict)
    logged_in: bool = False  # posted by a customer logged in to their own account (ASKER)


def _login(identifier, context):
    return {"login-username": identifier, "login-password": WRONG, "login_submit": "Log In"}


def _staff_login(identifier, context):
    return {"username": identifier, "password": WRONG}


def _registration(prefix):
    def data(identifier, context):
        fields = {
            "email": identifier,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "accept_privacy": "on",
            "privacy_version": context["privacy_version"],
        }
        data = {f"{prefix}-{name}" if prefix else name: value for name, value in fields.items()}
        if prefix:
            data["registration_submit"] = "Register"
        return data

    return data


def _gateway(option):
    def data(identifier, context):
        return {"username": identifier, "password": WRONG, "options": option}

    return data


def _profile(identifier, context):
    return {"first_name": "Camille", "last_name": "Martin", "email": identifier}


ACCOUNT_FORMS = [
    AccountForm("customer login", "customer:login", _login),
    AccountForm("dashboard login", "dashboard:login", _staff_login),
    AccountForm("Wagtail login", "wagtailadmin_login", _staff_login),
    AccountForm("Django admin login", "admin:login", _staff_login),
    AccountForm("forgotten password", "password-reset", lambda i, c: {"identifier": i}),
    AccountForm(
        "account recovery",
        "oscar_privacy:account-recovery",
        lambda i, c: {"first_name": "Camille", "last_name": "Martin", "email": i},
    ),
    AccountForm(
        "privacy request",
        "oscar_privacy:contact",
        lambda i, c: {"kind": "access", "email": i, "message": ""},
    ),
    AccountForm("registration", "customer:register", _registration("")),
    AccountForm("login page registration", "customer:login", _registration("registration")),
    AccountForm("checkout as a guest", "checkout:index", _gateway("anonymous"), True),
    AccountForm("checkout, new account", "checkout:index", _gateway("new"), True),
    AccountForm("checkout, returning customer", "checkout:index", _gateway("existing"), True),
    AccountForm("profile", "customer:profile-update", _profile, logged_in=True),
]
"""Every form that answers about an email address, in one place."""

STATES = ["unknown", "inactive", "inactive, right password", "closed"]


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.test_perimeter_enumeration.CountingHasher"]
    CountingHasher.runs = 0
    return CountingHasher


@pytest.fixture
def queued_tasks(settings):
    """Tasks are queued (django-tasks' dummy backend), as a real queue in production does."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    return default_task_backend


@pytest.fixture
def accounts(counting_hasher):
    """The known account, an inactive one and a closed one, all with ``PASSWORD``; and the
    customer who types addresses in their profile."""
    known = UserFactory(email=KNOWN, password=PASSWORD)
    UserFactory(email=ASKER, password=PASSWORD)
    UserFactory(email="inactive@example.com", password=PASSWORD, is_active=False)
    closed = UserFactory(email="closed@example.com", password=PASSWORD)
    close_account(closed, channel=AccountClosure.Channel.STAFF)
    return known


@pytest.fixture
def context():
    versions = publish_policies()
    make_product()
    return {"privacy_version": str(versions[0].number)}


IDENTIFIERS = {
    "known": (KNOWN, WRONG),
    "unknown": ("nobody@example.com", WRONG),
    "inactive": ("inactive@example.com", WRONG),
    "inactive, right password": ("inactive@example.com", PASSWORD),
    "closed": ("closed@example.com", PASSWORD),
}


def submit(form, state, context, queued_tasks):
    """Post ``form`` as a new visitor would, for the identifier of ``state``; what it did."""
    identifier, password = IDENTIFIERS[state]
    cache.clear()  # rate limits start from zero
    AccessAttempt.objects.all().delete()
    queued_tasks.clear()
    mail.outbox.clear()
    client = Client()
    if form.logged_in:
        client.force_login(User.objects.get(email=ASKER))
    if form.needs_basket:
        from oscar.apps.catalogue.models import Product

        product = Product.objects.get()
        client.post(reverse("basket:add", args=[product.pk]), {"quantity": 1})
    url = reverse(form.url_name)
    client.get(url)
    data = form.data(identifier, context)
    data = {name: password if value == WRONG else value for name, value in data.items()}
    runs_before = CountingHasher.runs
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data, REMOTE_ADDR="203.0.113.9")
    return {
        "response": _masked(response, identifier),
        "queries": len(queries),
        "hasher runs": CountingHasher.runs - runs_before,
        "tasks": [result.task.name for result in queued_tasks.results],
        "emails": len(mail.outbox),
    }


def _masked(response, identifier):
    """What a visitor sees of ``response``, with the address typed replaced by ``EMAIL``."""
    masks = {identifier, escape(identifier), quote(identifier), quote(identifier, safe="")}

    def mask(text):
        for value in sorted(masks, key=len, reverse=True):
            text = text.replace(value, "EMAIL")
        return text

    body = CSRF.sub(b"", response.content).decode()
    cookies = {
        name: {key: value for key, value in morsel.items() if key != "expires"}
        for name, morsel in response.cookies.items()
    }
    if MESSAGES_COOKIE in cookies:
        # Signed and compressed, so not maskable: its messages are compared below.
        cookies[MESSAGES_COOKIE]["value"] = bool(response.cookies[MESSAGES_COOKIE].value)
    return {
        "status": response.status_code,
        "location": mask(response.get("Location", "")),
        "templates": [template.name for template in response.templates],
        "body": mask(body),
        "messages": [(m.level, mask(str(m))) for m in get_messages(response.wsgi_request)],
        "cookies": cookies,
    }


@pytest.mark.parametrize("form", ACCOUNT_FORMS, ids=lambda form: form.name)
def test_every_form_answers_alike_for_the_same_work(
    form, accounts, context, queued_tasks, counting_hasher
):
    known = submit(form, "known", context, queued_tasks)
    assert known["response"]["status"] in (200, 302)
    for state in STATES:
        assert submit(form, state, context, queued_tasks) == known, state


def test_the_login_costs_one_hash_and_the_reset_and_registration_one_task(
    accounts, context, queued_tasks, counting_hasher
):
    # What test_every_form_answers_alike compares is not nothing.
    by_name = {form.name: form for form in ACCOUNT_FORMS}
    login = submit(by_name["customer login"], "unknown", context, queued_tasks)
    assert (login["hasher runs"], login["emails"], login["tasks"]) == (1, 0, [])
    reset = submit(by_name["forgotten password"], "known", context, queued_tasks)
    assert (reset["hasher runs"], reset["tasks"]) == (0, ["send_password_reset_links"])
    registration = submit(by_name["registration"], "known", context, queued_tasks)
    assert registration["hasher runs"] == 1  # the new password, hashed for the link
    assert registration["tasks"] == ["send_registration_email"]
    assert registration["response"]["location"] == reverse("oscar_privacy:registration-sent")
    profile = submit(by_name["profile"], "known", context, queued_tasks)
    assert (profile["hasher runs"], profile["tasks"]) == (0, ["send_email_change_email"])
    assert profile["response"]["location"] == reverse("customer:profile-view")
    assert profile["response"]["messages"][-1][1] == (
        "We have sent a link to EMAIL: the change takes effect when you follow it."
    )
    assert User.objects.get(email=ASKER)  # the address did not change


# What the queued tasks then do -----------------------------------------------------------


def run_queued(queued_tasks):
    for result in list(queued_tasks.results):
        result.task.call(*result.args, **result.kwargs)


@pytest.mark.parametrize("prefix", ["", "registration"], ids=["register page", "login page"])
def test_a_registered_address_gets_a_reminder_a_new_one_a_link(
    accounts, context, queued_tasks, prefix
):
    url_name = "customer:login" if prefix else "customer:register"
    form = AccountForm("registration", url_name, _registration(prefix))
    submit(form, "known", context, queued_tasks)
    run_queued(queued_tasks)
    (reminder,) = mail.outbox
    assert reminder.to == [KNOWN]
    assert reminder.subject == "You already have an account at example.com"
    assert "http://example.com/shop/password-reset/" in reminder.body
    assert "/privacy/register/confirm/" not in reminder.body

    submit(form, "unknown", context, queued_tasks)
    run_queued(queued_tasks)
    (link,) = mail.outbox
    assert link.to == ["nobody@example.com"]
    assert link.subject == "Create your account at example.com"
    assert "http://example.com/privacy/register/confirm/" in link.body
    assert User.objects.filter(email="nobody@example.com").count() == 0
    assert not ConsentRecord.objects.filter(email="nobody@example.com").exists()


def test_a_profile_address_with_an_account_gets_a_notice_a_new_one_a_link(
    accounts, context, queued_tasks
):
    by_name = {form.name: form for form in ACCOUNT_FORMS}
    submit(by_name["profile"], "known", context, queued_tasks)
    run_queued(queued_tasks)
    (notice,) = mail.outbox
    assert notice.to == [KNOWN]
    assert notice.subject == "This email address already has an account at example.com"
    assert "/privacy/account/email/confirm/" not in notice.body

    submit(by_name["profile"], "unknown", context, queued_tasks)
    run_queued(queued_tasks)
    (link,) = mail.outbox
    assert link.to == ["nobody@example.com"]
    assert "http://example.com/privacy/account/email/confirm/" in link.body
    assert User.objects.filter(email=ASKER).exists()


def test_the_reset_task_sends_the_links(accounts, context, queued_tasks):
    by_name = {form.name: form for form in ACCOUNT_FORMS}
    submit(by_name["forgotten password"], "known", context, queued_tasks)
    run_queued(queued_tasks)
    (message,) = mail.outbox
    assert message.to == [KNOWN]
    for state in ("unknown", "inactive", "closed"):
        submit(by_name["forgotten password"], state, context, queued_tasks)
        run_queued(queued_tasks)
        assert mail.outbox == []


def test_the_event_codes_have_templates():
    from oscar.core.loading import get_class

    dispatcher = get_class("communication.utils", "Dispatcher")()
    for code in (ACCOUNT_EXISTS_EMAIL, CONFIRM_EMAIL):
        messages = dispatcher.get_messages(
            code, {"login_link": "L", "reset_link": "R", "confirm_link": "C", "valid_for": "3d"}
        )
        assert messages["subject"] and messages["body"] and messages["html"], code


# Oscar's behaviour, for shops that choose it, and the checks that say what it reveals ------


def test_oscars_registration_says_the_address_is_taken(settings, accounts, context):
    settings.OSCAR_PRIVACY_PREVENT_ACCOUNT_ENUMERATION = False
    client = Client()
    response = client.post(reverse("customer:register"), _registration("")(KNOWN, context))
    assert "A user with that email address already exists" in response.content.decode()
    (warning,) = check_account_enumeration()
    assert warning.id == "oscar_privacy.W027"


def test_a_guest_with_a_registered_address_checks_out_as_a_guest(settings, accounts, context):
    client = Client()
    client.post(reverse("basket:add", args=[make_product_id()]), {"quantity": 1})
    response = client.post(reverse("checkout:index"), _gateway("anonymous")(KNOWN, context))
    assert response["Location"] == reverse("checkout:shipping-address")
    assert "_auth_user_id" not in client.session

    settings.OSCAR_PRIVACY_GUEST_CHECKOUT_WITH_ACCOUNT = False
    response = client.post(reverse("checkout:index"), _gateway("anonymous")(KNOWN, context))
    assert "A user with that email address already exists" in response.content.decode()
    (warning,) = check_account_enumeration()
    assert warning.id == "oscar_privacy.W028"
    settings.OSCAR_ALLOW_GUEST_CHECKOUT_WITH_ACCOUNT = True  # Oscar's own setting, as in Oscar
    assert check_account_enumeration() == []
    settings.OSCAR_ALLOW_ANON_CHECKOUT = False
    settings.OSCAR_ALLOW_GUEST_CHECKOUT_WITH_ACCOUNT = False
    assert check_account_enumeration() == []  # no guests, nothing to reveal


def test_new_account_at_checkout_leads_to_the_neutral_registration(accounts, context):
    client = Client()
    client.post(reverse("basket:add", args=[make_product_id()]), {"quantity": 1})
    response = client.post(reverse("checkout:index"), _gateway("new")(KNOWN, context))
    assert response["Location"].startswith(reverse("customer:register") + "?next=")


def make_product_id():
    from oscar.apps.catalogue.models import Product

    return Product.objects.get().pk


def test_the_sandbox_wiring_reveals_nothing():
    assert check_account_enumeration() == []
    assert check_registration_settings() == []


def test_oscars_email_backend_is_reported(settings):
    settings.AUTHENTICATION_BACKENDS = [
        "oscar_privacy.throttling.LoginThrottlingBackend",
        "oscar.apps.customer.auth_backends.EmailBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    (warning,) = check_account_enumeration()
    assert warning.id == "oscar_privacy.W029"
    assert "oscar.apps.customer.auth_backends.EmailBackend" in warning.msg


def test_unwired_views_are_reported(monkeypatch):
    from oscar.apps.checkout.views import IndexView
    from oscar.apps.customer.views import AccountRegistrationView

    from oscar_privacy import checks

    views = {"customer:register": AccountRegistrationView, "checkout:index": IndexView}
    monkeypatch.setattr(checks, "_view_class", views.get)
    assert [warning.id for warning in check_account_enumeration()] == [
        "oscar_privacy.W027",
        "oscar_privacy.W028",
    ]


@pytest.mark.parametrize("days", [0, "3", True, None])
def test_a_bad_link_validity_is_an_error(settings, days):
    settings.OSCAR_PRIVACY_REGISTRATION_CONFIRMATION_DAYS = days
    (error,) = check_registration_settings()
    assert error.id == "oscar_privacy.E023"


# The login backend ----------------------------------------------------------------------


def test_the_backend_logs_in_by_address_or_username(counting_hasher):
    user = UserFactory(username="jdupont", email="J.Dupont@Example.com", password=PASSWORD)
    backend = EmailBackend()
    assert backend.authenticate(None, username="j.dupont@EXAMPLE.com", password=PASSWORD) == user
    assert backend.authenticate(None, email="j.dupont@example.com", password=PASSWORD) == user
    assert backend.authenticate(None, username="jdupont", password=PASSWORD) == user
    assert backend.authenticate(None, username="ｊｄｕｐｏｎｔ", password=PASSWORD) == user  # NFKC
    assert backend.authenticate(None, username="JDUPONT", password=PASSWORD) is None
    assert backend.authenticate(None, username="jdupont", password=WRONG) is None
    assert backend.authenticate(None, username="jdupont", password=None) is None
    assert backend.authenticate(None, username=None, password=PASSWORD) is None


def test_accounts_sharing_an_address(counting_hasher, rf):
    first = UserFactory(email="shared@example.com", password=PASSWORD)
    UserFactory(email="Shared@example.com", password="Another-password-2026")
    backend = EmailBackend()
    runs = CountingHasher.runs
    assert backend.authenticate(rf.post("/"), username="shared@example.com", password=PASSWORD) == (
        first
    )
    assert CountingHasher.runs - runs == 2  # each account's password is checked, as in Oscar
    UserFactory(email="shared@example.com", password=PASSWORD)
    # The same password opens two accounts: a login form refuses it...
    assert backend.authenticate(rf.post("/"), username="shared@example.com", password=PASSWORD) is (
        None
    )
    # ...and Oscar's registration (no request) is told, as by Oscar's backend.
    with pytest.raises(User.MultipleObjectsReturned):
        backend.authenticate(None, username="shared@example.com", password=PASSWORD)


# Every form is listed ---------------------------------------------------------------------

ADDRESS_FIELDS = {"email", "username", "identifier"}
NOT_PUBLIC = {
    "customer:alert-create": "product alerts: about an address's alerts, not its account",
    "customer:anon-order-form": "a guest's order, found by its number and address: no account",
    "catalogue:reviews-add": "a review's author (anonymous reviews): nothing is looked up",
    "oscar_privacy_newsletter:subscribe": "the newsletter answers alike (issue of its own)",
}
"""Views with a form taking an address that are not public account forms, and why."""


def _form_classes(view_class):
    for attribute in (
        "form_class",
        "authentication_form",
        "login_form_class",
        "registration_form_class",
    ):
        form_class = getattr(view_class, attribute, None)
        if isinstance(form_class, type) and hasattr(form_class, "base_fields"):
            yield form_class


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", getattr(pattern.callback, "view_class", None)


def test_every_form_taking_an_address_is_listed():
    listed = {form.url_name for form in ACCOUNT_FORMS}
    found = set()
    for url_name, view_class in _walk(get_resolver().url_patterns):
        if view_class is None or url_name.startswith(("dashboard:", "wagtail", "admin:")):
            continue  # staff areas: behind the second factor, except their logins (listed)
        for form_class in _form_classes(view_class):
            if ADDRESS_FIELDS & set(form_class.base_fields):
                found.add(url_name)
    assert found - listed - set(NOT_PUBLIC) == set()
    assert {
        "customer:login",
        "customer:register",
        "password-reset",
        "checkout:index",
        "customer:profile-update",
    } <= found
