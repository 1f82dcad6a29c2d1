"""The acceptance boxes as a person meets them, in Chromium.

Registration and a guest checkout are driven through the pages of the
sandbox shop served by the live server. The boxes carry the HTML
``required`` attribute, so the browser itself stops a form sent without
them; the server's own refusal ("Please read and accept …") is then checked
with the browser's validation turned off, as for a client without it.

``UPDATE_SCREENSHOTS=1`` also saves the preview page, boxes not yet ticked,
to ``docs/_static/checkout-preview.png``.
"""

import os
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from oscar.apps.order.models import Order

from oscar_privacy.models import ConsentRecord

from ..shop import GUEST_EMAIL, SHIPPING_ADDRESS, make_product, publish_policies

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture says what to install
    expect = None

pytestmark = pytest.mark.browser

User = get_user_model()
PASSWORD = "A-long-enough-password-2026"
NEW_EMAIL = "new@example.com"
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/privacy/register/confirm/[^/\s]+/)")
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "_static" / "checkout-preview.png"

ACCEPT_PRIVACY = "I have read and accept the privacy policy"
ACCEPT_TERMS = "I have read and accept the terms and conditions of sale"
NEWSLETTER = "Yes, send me the newsletter"
PRIVACY_REQUIRED = "Please read and accept the privacy policy to continue."
TERMS_REQUIRED = "Please read and accept the terms and conditions of sale to continue."


@pytest.fixture
def versions():
    return publish_policies()


@pytest.fixture
def product():
    product = make_product()
    product.title = "Linen tote bag"  # a readable name on the documentation's screenshot
    product.save()
    return product


def at(live_server, url_name):
    return f"{live_server.url}{reverse(url_name)}"


def arrive(page, url):
    """Wait until ``page`` shows ``url`` and has loaded: Oscar's scripts set up
    its forms on load, and a click before that can be lost."""
    expect(page).to_have_url(url)
    page.wait_for_load_state("load")


def assert_blocked_by_the_browser(box, form):
    """The browser refused to send ``form``: ``box`` is the first field it asks for."""
    assert form.evaluate("form => form.checkValidity()") is False
    assert box.evaluate("box => box.validity.valueMissing") is True
    assert box.evaluate("box => box.validationMessage")
    expect(box).to_be_focused()


def turn_off_browser_validation(form):
    form.evaluate("form => { form.noValidate = true; }")


@pytest.mark.parametrize(
    ("url_name", "prefix"),
    [("customer:register", ""), ("customer:login", "registration-")],
    ids=["register-page", "login-page"],
)
def test_registration_asks_for_the_privacy_policy(
    live_server, page, versions, mailoutbox, url_name, prefix
):
    privacy, _terms = versions
    page.goto(reverse(url_name))
    form = page.locator("form").filter(has=page.locator(f"[name='{prefix}accept_privacy']"))
    accept = form.get_by_label(ACCEPT_PRIVACY)
    newsletter = form.get_by_label(NEWSLETTER)
    register = form.get_by_role("button", name="Register")

    expect(accept).to_be_visible()
    expect(accept).not_to_be_checked()
    assert newsletter.is_checked() is False
    expect(form.get_by_role("link", name="the privacy policy")).to_have_attribute(
        "href", privacy.get_absolute_url()
    )
    expect(form.locator(f"[name='{prefix}privacy_version']")).to_have_value(str(privacy.number))

    def fill_in():
        form.locator(f"#id_{prefix}email").fill(NEW_EMAIL)
        form.locator(f"#id_{prefix}password1").fill(PASSWORD)
        form.locator(f"#id_{prefix}password2").fill(PASSWORD)

    # Without the box the browser does not send the form.
    fill_in()
    register.click()
    assert_blocked_by_the_browser(accept, form)
    arrive(page, at(live_server, url_name))

    # Nor does the server accept it.
    turn_off_browser_validation(form)
    register.click()
    expect(form.get_by_text(PRIVACY_REQUIRED)).to_be_visible()
    arrive(page, at(live_server, url_name))
    assert not User.objects.filter(email=NEW_EMAIL).exists()
    assert not ConsentRecord.objects.exists()

    # With it ticked: "check your inbox", the same page for every address; nothing yet.
    fill_in()
    expect(newsletter).not_to_be_checked()
    accept.check()
    register.click()
    arrive(page, at(live_server, "oscar_privacy:registration-sent"))
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    assert not User.objects.filter(email=NEW_EMAIL).exists()
    assert not ConsentRecord.objects.exists()

    # The emailed link creates the account and logs the customer in.
    (link,) = set(CONFIRM_LINK.findall(mailoutbox[-1].body))
    page.goto(link)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    # Oscar's account summary sends on to the profile page.
    arrive(page, re.compile("^" + re.escape(at(live_server, "customer:summary"))))
    expect(page.get_by_role("link", name="Logout")).to_be_visible()

    user = User.objects.get(email=NEW_EMAIL)
    record = ConsentRecord.objects.get()
    assert (record.purpose, record.action, record.channel) == (
        "privacy_policy",
        "given",
        "registration",
    )
    assert (record.user, record.email, record.version) == (user, NEW_EMAIL, privacy)


def test_a_guest_checkout_asks_for_the_terms_and_the_privacy_policy(
    live_server, page, versions, product
):
    privacy, terms = versions

    page.goto(product.get_absolute_url())
    # Oscar's English catalogue says "Add to cart".
    page.locator("#add_to_basket_form").get_by_role("button").click()
    expect(page.locator(".alert-success").first).to_contain_text(product.title)
    page.goto(reverse("basket:summary"))
    page.get_by_role("link", name="Proceed to checkout").click()

    # Who are you? A guest.
    arrive(page, at(live_server, "checkout:index"))
    page.get_by_label("My email address is").fill(GUEST_EMAIL)
    page.get_by_label("I am a new customer and want to checkout as a guest").check()
    page.locator("form").filter(has=page.locator("[name='options']")).get_by_role(
        "button", name="Continue"
    ).click()

    # The shipping address; France is the only shipping country, so not asked.
    arrive(page, at(live_server, "checkout:shipping-address"))
    for name, value in SHIPPING_ADDRESS.items():
        if name != "country":
            page.locator(f"#id_{name}").fill(value)
    page.locator("form").filter(has=page.locator("#id_line1")).get_by_role(
        "button", name="Continue"
    ).click()

    # One shipping method: Oscar goes on to its payment details page.
    arrive(page, at(live_server, "checkout:payment-details"))
    page.get_by_role("link", name="Continue").click()

    arrive(page, at(live_server, "checkout:preview"))
    form = page.locator("#place_order_form")
    accept_terms = form.get_by_label(ACCEPT_TERMS)
    accept_privacy = form.get_by_label(ACCEPT_PRIVACY)
    newsletter = form.get_by_label(NEWSLETTER)
    place_order = form.get_by_role("button", name="Place order")
    for box in (accept_terms, accept_privacy, newsletter):
        expect(box).to_be_visible()
        expect(box).not_to_be_checked()
    assert newsletter.is_checked() is False
    for name, version in [
        ("the terms and conditions of sale", terms),
        ("the privacy policy", privacy),
    ]:
        expect(form.get_by_role("link", name=name)).to_have_attribute(
            "href", version.get_absolute_url()
        )
    expect(place_order).to_be_visible()
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=SCREENSHOT, full_page=True, animations="disabled", caret="hide")

    # Nothing ticked: the browser keeps the order back...
    place_order.click()
    assert_blocked_by_the_browser(accept_terms, form)
    arrive(page, at(live_server, "checkout:preview"))
    assert not Order.objects.exists()

    # ... and so does the server.
    turn_off_browser_validation(form)
    place_order.click()
    expect(form.get_by_text(TERMS_REQUIRED)).to_be_visible()
    expect(form.get_by_text(PRIVACY_REQUIRED)).to_be_visible()
    arrive(page, at(live_server, "checkout:preview"))
    assert not Order.objects.exists()
    assert not ConsentRecord.objects.exists()

    # Both ticked (not the newsletter): the order is placed.
    accept_terms.check()
    accept_privacy.check()
    place_order.click()
    arrive(page, at(live_server, "checkout:thank-you"))
    order = Order.objects.get()
    expect(page.get_by_text("your order number is")).to_contain_text(order.number)
    assert order.guest_email == GUEST_EMAIL

    records = {record.purpose: record for record in ConsentRecord.objects.all()}
    assert set(records) == {"terms", "privacy_policy"}
    assert records["terms"].version == terms
    assert records["privacy_policy"].version == privacy
    for record in records.values():
        assert (record.action, record.channel) == ("given", "checkout")
        assert (record.email, record.user, record.order_number) == (GUEST_EMAIL, None, order.number)
