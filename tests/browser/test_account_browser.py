"""Download my data and Close my account, as a customer meets them, in Chromium.

The customer logs in through Oscar's login page and finds the pages through
the "Privacy" tab of My account. The copy of their data is built by the
export task, which the test settings run at once (django-tasks' immediate
backend, after the request's transaction commits): with the live server it
is ready when the page comes back.

``UPDATE_SCREENSHOTS=1`` also saves the "Download my data" page with a ready
copy to ``docs/_static/exports.png``, and the page that explains the closure
to a customer with an order to ``docs/_static/close-account.png``.
"""

import datetime
import io
import json
import os
import re
import zipfile
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from oscar.apps.order.models import Order
from oscar.test.factories import CountryFactory, ShippingAddressFactory, UserFactory, create_order

from oscar_privacy.models import AccountClosure, DataExport

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture says what to install
    expect = None

pytestmark = pytest.mark.browser

EMAIL = "camille@example.com"
PASSWORD = "A-long-enough-password-2026"
STATIC = Path(__file__).resolve().parents[2] / "docs" / "_static"
EXPORTS_SCREENSHOT = STATIC / "exports.png"
CLOSE_SCREENSHOT = STATIC / "close-account.png"

WRONG_PASSWORD = "This is not your password."
LOGIN_REFUSED = "Please enter a correct"  # Django's message, whatever the field's name


@pytest.fixture
def customer(db):
    return UserFactory(
        username="camille",
        email=EMAIL,
        first_name="Camille",
        last_name="Martin",
        password=PASSWORD,
    )


@pytest.fixture
def order(customer):
    """An order placed 45 days ago, at noon in the shop's time zone."""
    france = CountryFactory(iso_3166_1_a2="FR", printable_name="France")
    order = create_order(
        user=customer,
        shipping_address=ShippingAddressFactory(
            first_name="Camille", last_name="Martin", line1="1 rue de la Paix", country=france
        ),
    )
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    Order.objects.filter(pk=order.pk).update(date_placed=noon - datetime.timedelta(days=45))
    order.refresh_from_db()  # the number as stored: text
    return order


def at(live_server, url_name):
    return f"{live_server.url}{reverse(url_name)}"


def arrive(page, url):
    """Wait until ``page`` shows ``url`` and has loaded: Oscar's scripts set up
    its forms on load, and a click before that can be lost."""
    expect(page).to_have_url(url)
    page.wait_for_load_state("load")


def as_the_page_says(moment):
    """``moment`` as the pages write a date: the shop's time zone, English format."""
    with translation.override("en"):
        return date_format(timezone.localtime(moment), "DATE_FORMAT")


def log_in(page, email, password):
    """Fill in and send Oscar's login form; the caller checks where it leads."""
    page.goto(reverse("customer:login"))
    form = page.locator("#login_form")
    form.get_by_label("Email address").fill(email)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Log In").click()


def log_in_to_my_account(live_server, page, email=EMAIL, password=PASSWORD):
    log_in(page, email, password)
    # Oscar's account summary sends on to the profile page.
    arrive(page, re.compile("^" + re.escape(at(live_server, "customer:summary"))))
    expect(page.get_by_role("link", name="Logout")).to_be_visible()


def open_privacy_tab(live_server, page, tab):
    """My account → the sidebar's "Privacy" → one of its tabs."""
    page.get_by_role("link", name="Privacy", exact=True).click()
    arrive(page, at(live_server, "oscar_privacy:my-data"))
    page.locator("#privacy-tabs").get_by_role("link", name=tab).click()


def test_a_customer_downloads_a_copy_of_their_data(
    live_server, page, customer, order, mailoutbox, tmp_path
):
    log_in_to_my_account(live_server, page)
    open_privacy_tab(live_server, page, "Download my data")
    arrive(page, at(live_server, "oscar_privacy:exports"))
    expect(page.locator("#exports")).to_have_count(0)  # no copy yet

    page.get_by_role("button", name="Prepare a copy of my data").click()
    arrive(page, at(live_server, "oscar_privacy:exports"))
    expect(page.locator(".alert-success")).to_contain_text(EMAIL)
    export = DataExport.objects.get(owner=customer)
    assert export.status == DataExport.Status.READY
    row = page.locator(f"#export-{export.pk}")
    expect(row).to_contain_text("Ready to download")
    download = row.get_by_role("link", name=re.compile(r"^Download \("))
    expect(download).to_have_attribute("href", export.get_download_url())

    # The email, sent once the copy was ready, leads to this page.
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == [EMAIL]
    assert "is ready to download" in email.subject
    assert at(live_server, "oscar_privacy:exports") in email.body

    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        # As the customer finds it when they follow the email's link.
        page.goto(reverse("oscar_privacy:exports"))
        expect(row).to_be_visible()
        page.screenshot(
            path=EXPORTS_SCREENSHOT, full_page=True, animations="disabled", caret="hide"
        )

    # The download asks for the password first.
    download.click()
    arrive(page, re.compile("^" + re.escape(at(live_server, "oscar_privacy:confirm-password"))))
    form = page.locator("#confirm-password")
    form.get_by_label("Your password").fill(PASSWORD)
    form.get_by_role("button", name="Continue").click()
    # Back on the list, which says the password is confirmed; the link now downloads.
    arrive(page, at(live_server, "oscar_privacy:exports"))
    expect(page.locator(".alert-success")).to_contain_text("Password confirmed")
    with page.expect_download() as received:
        download.click()
    archive = received.value
    assert archive.failure() is None
    assert re.fullmatch(r"my-data-\d{4}-\d{2}-\d{2}\.zip", archive.suggested_filename)
    saved = tmp_path / archive.suggested_filename
    archive.save_as(saved)

    with zipfile.ZipFile(saved) as zipped:
        assert {"data.json", "index.html"} <= set(zipped.namelist())
        data = json.load(io.TextIOWrapper(zipped.open("data.json"), encoding="utf-8"))
        index = zipped.read("index.html").decode()
    assert data["person"] == {"username": "camille", "email": EMAIL}
    orders = [table for table in data["tables"] if table["model"] == "order.order"]
    assert [row["number"] for table in orders for row in table["rows"]] == [order.number]
    assert order.number in index


def test_a_customer_closes_their_account(live_server, page, customer, order, mailoutbox):
    hold_until = as_the_page_says(order.date_placed + relativedelta(years=10))

    log_in_to_my_account(live_server, page)
    open_privacy_tab(live_server, page, "Close my account")
    arrive(page, at(live_server, "oscar_privacy:close-account"))
    expect(page.get_by_role("heading", name="What closing your account does")).to_be_visible()
    hold = page.locator("#closure-hold")
    expect(hold).to_contain_text(f"They are kept until {hold_until}")
    expect(hold).to_contain_text(f"after your last order ({as_the_page_says(order.date_placed)})")
    expect(page.locator("#closure-held")).to_contain_text("Orders (1)")

    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=CLOSE_SCREENSHOT, full_page=True, animations="disabled", caret="hide")

    form = page.locator("#close-account")
    password = form.get_by_label("Your password")
    understood = form.get_by_label("I understand that closing my account cannot be undone.")
    close = form.get_by_role("button", name="Close my account")

    # A wrong password closes nothing.
    password.fill("not-my-password")
    understood.check()
    close.click()
    arrive(page, at(live_server, "oscar_privacy:close-account"))
    expect(form.locator("#id_password-error")).to_have_text(WRONG_PASSWORD)
    expect(password).to_have_attribute("aria-invalid", "true")
    assert not AccountClosure.objects.exists()

    # The right one, with the box ticked, does.
    password.fill(PASSWORD)
    understood.check()
    close.click()
    arrive(page, at(live_server, "oscar_privacy:account-closed"))
    expect(page.get_by_role("heading", name="Your account is closed")).to_be_visible()
    expect(page.locator("#account-closed")).to_contain_text(
        f"Your orders and invoices are kept for accounting until {hold_until}"
    )
    expect(page.get_by_role("link", name="Logout")).to_have_count(0)

    closure = AccountClosure.objects.get()
    assert closure.user_id == customer.pk
    assert as_the_page_says(closure.hold_until) == hold_until
    assert [email.to for email in mailoutbox] == [[EMAIL]]

    # The old credentials no longer open the account.
    log_in(page, EMAIL, PASSWORD)
    arrive(page, at(live_server, "customer:login"))
    expect(page.locator("#login_form")).to_contain_text(LOGIN_REFUSED)
    expect(page.get_by_role("link", name="Logout")).to_have_count(0)


def test_oscars_delete_profile_button_leads_to_the_closure_page(live_server, page, customer):
    log_in_to_my_account(live_server, page)
    page.goto(reverse("customer:profile-view"))
    arrive(page, at(live_server, "customer:profile-view"))

    page.get_by_role("link", name="Delete profile").click()
    arrive(page, at(live_server, "oscar_privacy:close-account"))
    expect(page.get_by_role("heading", name="What closing your account does")).to_be_visible()
    expect(page.locator("#closure-no-orders")).to_be_visible()

    customer.refresh_from_db()
    assert customer.is_active
    assert not AccountClosure.objects.exists()
