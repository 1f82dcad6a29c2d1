"""Every throttle keyed on an identifier pauses its look-alikes too.

Django logs ``ｃｓ`` (fullwidth) in as ``cs`` and Oscar's email login
ignores case: a throttle counting the text as typed would let a look-alike
of a paused login through with a fresh count. :data:`THROTTLED_FORMS` lists
every form whose throttle counts per identifier (the logins through
django-axes, the forgotten-password form, the privacy request form); each
identifier is paused, then each look-alike of it (another case, fullwidth
letters, a combining accent instead of a precomposed one) must get the
pause too, with the right password for the logins.
:data:`NOT_PER_IDENTIFIER` lists the throttles that count something else.
"""

from dataclasses import dataclass

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from oscar.test.factories import UserFactory

from oscar_privacy.ratelimit import normalise_identifier

from .shop import make_product

pytestmark = pytest.mark.django_db

PASSWORD = "A-long-enough-password-2026"
WRONG = "Not-the-password-2026"
USERNAME = "josé"
EMAIL = "camille@café.example"

LOOKALIKES = {
    USERNAME: ["JOSÉ", "jose\u0301", "ｊｏｓé", " José "],
    EMAIL: ["Camille@CAFÉ.example", "camille@cafe\u0301.example", "camille@ｃａｆé.ｅｘａｍｐｌｅ"],
}


@dataclass
class ThrottledForm:
    name: str
    url_name: str
    identifier: str
    data: object  # callable(identifier, password) -> POST data
    needs_basket: bool = False
    logs_in: bool = True


THROTTLED_FORMS = [
    ThrottledForm(
        "customer login",
        "customer:login",
        EMAIL,
        lambda i, p: {"login-username": i, "login-password": p, "login_submit": "Log In"},
    ),
    ThrottledForm(
        "checkout, returning customer",
        "checkout:index",
        EMAIL,
        lambda i, p: {"username": i, "password": p, "options": "existing"},
        needs_basket=True,
    ),
    *(
        ThrottledForm(name, url_name, identifier, lambda i, p: {"username": i, "password": p})
        for name, url_name in [
            ("dashboard login", "dashboard:login"),
            ("Wagtail login", "wagtailadmin_login"),
            ("Django admin login", "admin:login"),
        ]
        for identifier in (USERNAME, EMAIL)
    ),
    *(
        ThrottledForm(
            "forgotten password",
            "password-reset",
            identifier,
            lambda i, p: {"identifier": i},
            logs_in=False,
        )
        for identifier in (USERNAME, EMAIL)
    ),
    ThrottledForm(
        "privacy request",
        "oscar_privacy:contact",
        EMAIL,
        lambda i, p: {"kind": "access", "email": i, "message": ""},
        logs_in=False,
    ),
]
"""Every form whose throttle counts per login, username or email address."""

NOT_PER_IDENTIFIER = {
    "oscar_privacy:account-recovery": "per IP address (the facts given name nobody for sure)",
    "oscar_privacy_newsletter:subscribe": "per IP address",
    "staff reset link": "per account (its primary key), whoever sends it",
    "staff two-factor codes": "per device (django-otp), after the password",
    "password confirmation (My data, closure)": "per session of the logged-in customer",
}


@pytest.fixture
def owner(db):
    """The account the look-alikes aim at: its username and address have an accent."""
    return UserFactory(username=USERNAME, email=EMAIL, password=PASSWORD, is_staff=True)


@pytest.fixture(autouse=True)
def clean_counts(settings):
    cache.clear()
    settings.OSCAR_PRIVACY_PASSWORD_RESET_RATE_PER_IDENTIFIER = "2/h"
    settings.OSCAR_PRIVACY_REQUEST_RATE_PER_EMAIL = "2/h"
    yield
    cache.clear()


def _post(client, form, identifier, password):
    return client.post(
        reverse(form.url_name), form.data(identifier, password), REMOTE_ADDR="198.51.100.4"
    )


@pytest.mark.parametrize(
    "form", THROTTLED_FORMS, ids=lambda form: f"{form.name} ({form.identifier})"
)
def test_a_lookalike_of_a_paused_identifier_is_paused(owner, form):
    client = Client()
    if form.needs_basket:
        client.post(reverse("basket:add", args=[make_product().pk]), {"quantity": 1})
    for _attempt in range(10):
        if _post(client, form, form.identifier, WRONG).status_code == 429:
            break
    else:
        pytest.fail("never paused")
    for lookalike in LOOKALIKES[form.identifier]:
        assert normalise_identifier(lookalike) == normalise_identifier(form.identifier)
        response = _post(client, form, lookalike, PASSWORD)
        assert response.status_code == 429, lookalike
        assert "_auth_user_id" not in client.session
    if form.logs_in:
        # One pause for them all: axes counted a single login.
        usernames = set(AccessAttempt.objects.values_list("username", flat=True))
        assert usernames == {normalise_identifier(form.identifier)}


def test_another_identifier_is_not_paused(owner):
    client = Client()
    form = THROTTLED_FORMS[0]
    for _attempt in range(5):
        _post(client, form, "someone@example.com", WRONG)
    assert _post(client, form, EMAIL, PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("ｃｓ", "cs"),
        ("CS", "cs"),
        ("e\u0301", "é"),
        ("Straße", "strasse"),
        ("  Camille@Example.COM\x00 ", "camille@example.com"),
        (None, ""),
        (42, ""),
    ],
)
def test_the_normalised_identifier(typed, key):
    assert normalise_identifier(typed) == key


def test_the_login_throttle_names_the_function(settings):
    from oscar_privacy.checks import check_login_throttling

    settings.AXES_USERNAME_CALLABLE = None
    (warning,) = check_login_throttling()
    assert "AXES_USERNAME_CALLABLE does not normalise" in warning.msg
