"""A staff password reset, from the dashboard to the customer's new login, in Chromium.

Customer service logs into Oscar's dashboard, opens the customer, presses
Oscar's "Send password reset email", gives the reason and sends. The email
(read from the locmem outbox of the live server, which runs in the test's
process) carries the link; the customer follows it, chooses a new password
and logs in with it. The shop disables the current password at once
(``OSCAR_PRIVACY_STAFF_RESET_DISABLES_PASSWORD``), so the old one fails.
"""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.urls import reverse
from oscar.test.factories import UserFactory

from oscar_privacy.models import AuditEvent

from .second_factor import give_authenticator, pass_second_factor

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture says what to install
    expect = None

pytestmark = pytest.mark.browser

EMAIL = "camille@example.com"
OLD_PASSWORD = "An-old-password-2019"
NEW_PASSWORD = "A-brand-new-passphrase-2026"
AGENT_PASSWORD = "Customer-service-2026"
REASON = "Phoned in: lost password; identity checked with the last order number."
LINK = re.compile(r"https?://[^/\s]+(/\S*/password-reset/confirm/\S+/)")


@pytest.fixture
def customer(db):
    return UserFactory(
        username="camille",
        email=EMAIL,
        first_name="Camille",
        last_name="Martin",
        password=OLD_PASSWORD,
    )


@pytest.fixture
def agent(db):
    user = UserFactory(
        username="agent", email="agent@example.com", is_staff=True, password=AGENT_PASSWORD
    )
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="auth", codename="view_user"),
        Permission.objects.get(
            content_type__app_label="oscar_privacy", codename="reset_customer_password"
        ),
    )
    give_authenticator(user)
    return user


def at(live_server, url_name, **kwargs):
    return f"{live_server.url}{reverse(url_name, kwargs=kwargs)}"


def arrive(page, url):
    expect(page).to_have_url(url)
    page.wait_for_load_state("load")


def customer_log_in(page, password):
    page.goto(reverse("customer:login"))
    form = page.locator("#login_form")
    form.get_by_label("Email address").fill(EMAIL)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Log In").click()


def test_staff_send_a_reset_link_and_the_customer_chooses_a_password(
    live_server, page, settings, customer, agent, mailoutbox
):
    settings.OSCAR_PRIVACY_STAFF_RESET_DISABLES_PASSWORD = True
    cache.clear()  # the rate limit of reset links counts there
    detail = at(live_server, "dashboard:user-detail", pk=customer.pk)

    # Customer service logs into the dashboard, types the code of their app, opens the customer.
    page.goto(reverse("dashboard:login"))
    form = page.locator("#dashboard_login_form")
    form.get_by_label("Username").fill("agent")
    form.get_by_label("Password").fill(AGENT_PASSWORD)
    form.get_by_role("button", name="Login").click()
    pass_second_factor(page, agent.totpdevice_set.get())
    arrive(page, at(live_server, "dashboard:index"))
    page.goto(reverse("dashboard:users-index"))
    page.get_by_role("link", name=EMAIL).click()
    arrive(page, detail)
    expect(page.get_by_text(customer.password)).to_have_count(0)

    # Oscar's button asks for the reason first.
    page.get_by_role("button", name="Send password reset email").click()
    arrive(page, at(live_server, "dashboard:user-password-reset", pk=customer.pk))
    expect(page.locator("#privacy_password_reset_form")).to_be_visible()
    expect(page.get_by_text("stop working at once")).to_be_visible()
    page.get_by_role("button", name="Send the reset link").click()  # no reason yet
    expect(page.locator("#privacy_password_reset_form")).to_contain_text("required")
    assert mailoutbox == []
    page.get_by_label("Reason").fill(REASON)
    page.get_by_role("button", name="Send the reset link").click()
    arrive(page, detail)
    expect(page.get_by_text("A password reset link has been sent")).to_be_visible()

    # One email, to the registered address; the reset is audited with its reason.
    (message,) = mailoutbox
    assert message.to == [EMAIL]
    event = AuditEvent.objects.get(action="password.reset_link_sent")
    assert (event.actor_id, event.subject_id, event.reason) == (agent.pk, customer.pk, REASON)

    # The old password no longer works.
    page.context.clear_cookies()
    customer_log_in(page, OLD_PASSWORD)
    expect(page.locator("#login_form")).to_contain_text("Please enter a correct")

    # The customer follows the link and chooses a new password...
    page.goto(LINK.search(message.body).group(1))
    form = page.locator("#password_reset_form")
    form.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    form.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Change my password").click()
    arrive(page, at(live_server, "password-reset-complete"))

    # ...and logs in with it.
    customer_log_in(page, NEW_PASSWORD)
    arrive(page, re.compile("^" + re.escape(at(live_server, "customer:summary"))))
    expect(page.get_by_role("link", name="Logout")).to_be_visible()
