"""Lost login and email address: a reconciliation from end to end, in Chromium.

A visitor who remembers neither their login nor their account's email address
fills in the recovery form from the login page; a staff member logs into the
dashboard, opens the request, compares the scored, masked candidates and
decides "match" with a reason; the reset email goes to the address registered
on the account; its link sets a new password, and the customer logs in.

``UPDATE_SCREENSHOTS=1`` also saves the staff decision page to
``docs/_static/account-recovery.png``.
"""

import datetime
import os
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.urls import reverse
from oscar.apps.order.models import Order
from oscar.test.factories import (
    CountryFactory,
    ShippingAddressFactory,
    UserAddressFactory,
    UserFactory,
    create_order,
)

from oscar_privacy.models import AuditEvent, PrivacyRequest

from .second_factor import give_authenticator, pass_second_factor

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture says what to install
    expect = None

pytestmark = pytest.mark.browser

REGISTERED_EMAIL = "claire.dupont@example.org"
OLD_PASSWORD = "An-old-password-I-forgot-1"
NEW_PASSWORD = "Une-nouvelle-phrase-2026"
STAFF_PASSWORD = "Staff-password-for-tests-1"
LINK = re.compile(r"https?://[^/\s]+(/shop/password-reset/confirm/[^/\s]+/[^/\s]+/)")
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "_static" / "account-recovery.png"
SCRIPT = "<script>document.title='pwned'</script>"


@pytest.fixture
def holder(db):
    """The account whose login and address the visitor lost."""
    cache.clear()  # the rate limits count in the cache
    user = UserFactory(
        username="claire-d",
        email=REGISTERED_EMAIL,
        first_name="Claire",
        last_name="Dupont",
        password=OLD_PASSWORD,
    )
    france = CountryFactory(iso_3166_1_a2="FR", printable_name="France")
    UserAddressFactory(
        user=user,
        first_name="Claire",
        last_name="Dupont",
        postcode="75011",
        phone_number="+33612345689",
        country=france,
    )
    order = create_order(
        number="100042",
        user=user,
        shipping_address=ShippingAddressFactory(
            first_name="Claire",
            last_name="Dupont",
            postcode="75011",
            phone_number="+33612345689",
            country=france,
        ),
    )
    placed = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)
    Order.objects.filter(pk=order.pk).update(date_placed=placed)
    # Two other customers named Dupont, who match less.
    UserFactory(username="jean-d", email="jean@example.com", first_name="Jean", last_name="Dupont")
    other = UserFactory(
        username="claire-2", email="claire@example.net", first_name="Claire", last_name="Dupont"
    )
    UserAddressFactory(user=other, first_name="Claire", last_name="Dupont", postcode="13001")
    return user


@pytest.fixture
def officer(db):
    user = UserFactory(
        username="officer", email="officer@example.com", is_staff=True, password=STAFF_PASSWORD
    )
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="oscar_privacy",
            codename__in=["view_privacyrequest", "change_privacyrequest"],
        )
    )
    give_authenticator(user)
    return user


def arrive(page, url):
    expect(page).to_have_url(url)
    page.wait_for_load_state("load")


def test_a_reconciliation_from_the_form_to_the_new_password(
    live_server, browser, page, holder, officer, mailoutbox
):
    # The visitor, from the login page.
    page.goto(reverse("customer:login"))
    page.get_by_role("link", name="Lost your login and your email address?").click()
    arrive(page, live_server.url + reverse("oscar_privacy:account-recovery"))
    form = page.locator("#account_recovery_form")
    form.get_by_label("First name").fill("Claire")
    form.get_by_label("Last name").fill("Dupont")
    form.get_by_label("Postcode of an address you used").fill("75 011")
    form.get_by_label("Phone number you gave").fill("06 12 34 56 89")
    form.get_by_label("An order number").fill("100042")
    form.get_by_label("Approximate date of your last order").fill("2026-03-01")
    form.get_by_label("Anything else that may help us").fill(f"I bought tea. {SCRIPT}")
    expect(form.get_by_label("Leave this field empty")).to_be_hidden()
    form.get_by_role("button", name="Send my request").click()
    arrive(page, live_server.url + reverse("oscar_privacy:account-recovery-sent"))
    answer = page.locator("#account-recovery-sent")
    expect(answer).to_contain_text("registered on that account")
    expect(answer).not_to_contain_text(REGISTERED_EMAIL)
    assert mailoutbox == []
    privacy_request = PrivacyRequest.objects.get()

    # Staff, in the dashboard.
    page.goto(reverse("dashboard:login"))
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Login").click()
    pass_second_factor(page, officer.totpdevice_set.get())
    arrive(page, live_server.url + reverse("dashboard:index"))
    page.get_by_role("button", name="Privacy").click()
    page.get_by_role("link", name="Account recovery").click()
    arrive(page, live_server.url + reverse("oscar_privacy_dashboard:privacy-recovery-list"))
    page.get_by_role("link", name=f"#{privacy_request.pk}").click()
    detail = reverse("oscar_privacy_dashboard:privacy-recovery-detail", args=[privacy_request.pk])
    arrive(page, live_server.url + detail)

    facts = page.locator("#recovery_facts")
    expect(facts).to_contain_text(SCRIPT)  # shown as text, not run
    assert page.title() != "pwned"
    rows = page.locator("#recovery_candidates tbody tr")
    expect(rows).to_have_count(4)  # three candidates and "no account matches"
    best = rows.nth(0)
    expect(best).to_contain_text("6 / 6")
    expect(best).to_contain_text("c*****@e*****.org")
    expect(best).to_contain_text("75***")
    expect(best).to_contain_text("+33 6 ** ** ** 89")
    expect(rows.nth(1)).to_contain_text("2 / 6")  # the other Claire Dupont: names only
    expect(page.locator("#recovery_request")).not_to_contain_text(REGISTERED_EMAIL)

    best.get_by_role("radio").check()
    page.get_by_label("Reason").fill("Name, postcode, phone, order number and date match.")
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=SCREENSHOT, full_page=True, animations="disabled", caret="hide")
    page.get_by_role("button", name="Record the decision").click()
    arrive(page, live_server.url + reverse("oscar_privacy_dashboard:privacy-recovery-list"))
    expect(page.locator(".alert-success")).to_contain_text("registered on it")
    privacy_request.refresh_from_db()
    assert privacy_request.decision == PrivacyRequest.Decision.MATCH
    assert privacy_request.matched_user == holder
    assert AuditEvent.objects.filter(action="recovery.decided", actor=officer).exists()

    # The email went to the address registered on the account, and only there.
    (message,) = mailoutbox
    assert message.to == [REGISTERED_EMAIL]
    (link,) = set(LINK.findall(message.body))

    # The customer, in their own browser, follows the link.
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    customer_page = context.new_page()
    try:
        customer_page.goto(link)
        expect(customer_page.get_by_role("heading", name="Enter a new password")).to_be_visible()
        customer_page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        customer_page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
        customer_page.get_by_role("button", name="Change my password").click()
        arrive(customer_page, live_server.url + reverse("password-reset-complete"))
        customer_page.get_by_role("link", name="Log in").click()
        login = customer_page.locator("#login_form")
        login.get_by_label("Email address").fill(REGISTERED_EMAIL)
        login.get_by_label("Password").fill(NEW_PASSWORD)
        login.get_by_role("button", name="Log In").click()
        expect(customer_page.get_by_role("link", name="Logout")).to_be_visible()
    finally:
        context.close()
