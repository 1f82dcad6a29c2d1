"""A customer changes their email address from My Account, in Chromium, on a desktop and a
phone screen.

The address typed in Oscar's profile form takes effect only once the link
emailed to it is followed (OSCAR_PRIVACY_PREVENT_ACCOUNT_ENUMERATION): the
email is sent by the task, which the test settings run at once, so it is in
the outbox when the page comes back.
"""

import re

import pytest
from oscar.test.factories import UserFactory

from .test_account_browser import EMAIL, PASSWORD, arrive, at, log_in

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture says what to install
    expect = None

pytestmark = pytest.mark.browser

NEW = "camille.martin@example.org"
LINK = re.compile(r"https?://[^/\s]+(/privacy/account/email/confirm/\S+/)")
SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def customer(db):
    return UserFactory(
        username="camille", email=EMAIL, first_name="Camille", last_name="Martin", password=PASSWORD
    )


@pytest.mark.parametrize("screen", SCREENS)
def test_a_customer_changes_their_address_and_confirms_it(
    live_server, page, customer, mailoutbox, screen
):
    page.set_viewport_size(SCREENS[screen])
    log_in(page, EMAIL, PASSWORD)
    # Oscar's account summary sends on to the profile page.
    arrive(page, at(live_server, "customer:profile-view"))
    profile = page.locator("table")
    expect(profile).to_contain_text(EMAIL)

    page.get_by_role("link", name="Edit profile").click()
    arrive(page, at(live_server, "customer:profile-update"))
    form = page.locator("#profile_form")
    expect(form).to_contain_text("A new address takes effect when you follow the link")
    address = form.get_by_label("Email address")
    address.click()
    address.fill(NEW)
    form.get_by_role("button", name="Save").click()

    arrive(page, at(live_server, "customer:profile-view"))
    expect(page.get_by_text(f"We have sent a link to {NEW}")).to_be_visible()
    expect(profile).to_contain_text(EMAIL)  # not yet
    (confirmation,) = mailoutbox
    assert confirmation.to == [NEW]

    # The customer opens the link from their mailbox, in the same browser.
    page.goto(LINK.search(confirmation.body)[1])
    expect(page.get_by_role("heading", name="Confirm your new email address")).to_be_visible()
    expect(page.locator("#email-change-confirm")).to_contain_text(f"from {EMAIL} to {NEW}")
    button = page.get_by_role("button", name="Use this address")
    expect(button).to_be_in_viewport()
    button.click()

    arrive(page, at(live_server, "customer:profile-view"))
    expect(page.get_by_text(f"Your email address is now {NEW}.")).to_be_visible()
    expect(profile).to_contain_text(NEW)
    customer.refresh_from_db()
    assert customer.email == NEW
    # The old address is told, once the change is made.
    (warning,) = [message for message in mailoutbox if message.to == [EMAIL]]
    assert NEW in warning.body
