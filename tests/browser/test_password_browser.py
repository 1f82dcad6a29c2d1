"""Forgotten password, as a customer meets it, in Chromium.

From the login page's "I've forgotten my password" to the email, the link,
the new password (typed twice, the rules on the page) and a login with it;
then the same link again, which no longer works.
"""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from oscar.test.factories import UserFactory

from oscar_privacy.models import AuditEvent

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture says what to install
    expect = None

pytestmark = pytest.mark.browser

EMAIL = "camille@example.com"
OLD_PASSWORD = "An-old-password-I-forgot-1"
NEW_PASSWORD = "Une-nouvelle-phrase-2026"
LINK = re.compile(r"https?://[^/\s]+(/shop/password-reset/confirm/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def customer(db):
    cache.clear()  # the rate limits count in the cache
    return UserFactory(username="camille", email=EMAIL, password=OLD_PASSWORD)


def arrive(page, url):
    expect(page).to_have_url(url)
    page.wait_for_load_state("load")


def test_forgotten_password_to_login(live_server, page, customer, mailoutbox):
    page.goto(reverse("customer:login"))
    page.get_by_role("link", name="I've forgotten my password").click()
    arrive(page, live_server.url + reverse("password-reset"))

    page.get_by_label("Username or email address").fill("Camille@Example.com")
    page.get_by_role("button", name="Send the link").click()
    arrive(page, live_server.url + reverse("password-reset-done"))
    expect(page.locator("#password-reset-sent")).to_contain_text(
        "If an account matches what you entered"
    )

    (message,) = mailoutbox
    assert message.to == [EMAIL]
    (link,) = set(LINK.findall(message.body))
    page.goto(link)
    expect(page.get_by_role("heading", name="Enter a new password")).to_be_visible()
    expect(page.get_by_text("at least 12 characters, mixing upper-case")).to_be_visible()
    new_password = page.get_by_label("New password", exact=True)
    confirmation = page.get_by_label("New password confirmation")
    expect(new_password).to_have_attribute("type", "password")
    expect(confirmation).to_have_attribute("type", "password")

    # Too weak first: the rules say why, nothing changes.
    new_password.fill("weakpass")
    confirmation.fill("weakpass")
    page.get_by_role("button", name="Change my password").click()
    expect(page.get_by_text("This password is too short")).to_be_visible()

    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change my password").click()
    arrive(page, live_server.url + reverse("password-reset-complete"))
    page.get_by_role("link", name="Log in").click()

    form = page.locator("#login_form")
    form.get_by_label("Email address").fill(EMAIL)
    form.get_by_label("Password").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Log In").click()
    expect(page.get_by_role("link", name="Logout")).to_be_visible()
    assert AuditEvent.objects.filter(action="password.reset_completed", subject=customer).exists()

    # Logged out, the link from the email is spent.
    page.get_by_role("link", name="Logout").click()
    page.wait_for_load_state("load")
    response = page.goto(link)
    assert response.status == 400
    expect(page.locator("#password-reset-invalid-link")).to_contain_text("This link does not work")
    expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()
