"""The sandbox shop: its demo data, its pages, and the journeys people take through it."""

from io import StringIO

import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import Site

from oscar_privacy.models import ConsentRecord, PolicyVersion
from sandbox.shop.management.commands.load_demo_data import (
    CUSTOMER_PASSWORD,
    MUG,
    STAFF_PASSWORD,
)

from .shop import ACCEPT_ALL, consent_data
from .staff import code_now

pytestmark = [
    pytest.mark.django_db,
    # Haystack's simple backend warns on every product save; it has no index to update.
    pytest.mark.filterwarnings("ignore:update is not implemented:UserWarning"),
]

COUNTED_MODELS = [
    "auth.User",
    "address.Country",
    "address.UserAddress",
    "catalogue.Category",
    "catalogue.Product",
    "partner.StockRecord",
    "basket.Basket",
    "order.Order",
    "order.Line",
    "order.ShippingAddress",
    "order.BillingAddress",
    "wagtailcore.Page",
    "wagtailcore.Revision",
    "wagtailcore.Site",
    "sites.Site",
    "oscar_privacy.PolicyVersion",
    "oscar_privacy.ConsentRecord",
    "oscar_privacy_newsletter.Subscription",
    "oscar_privacy_newsletter_wagtail.NewsletterIssue",
]


def load_demo_data():
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    return out.getvalue()


def counts():
    return {label: apps.get_model(label).objects.count() for label in COUNTED_MODELS}


@pytest.fixture
def demo_data():
    load_demo_data()


def log_in(client, email, password):
    response = client.post(
        reverse("customer:login"),
        {"login-username": email, "login-password": password, "login_submit": "Log In"},
    )
    assert response.status_code == 302, response.content.decode()


def test_demo_data_loads_twice_without_duplicates():
    output = load_demo_data()
    first = counts()

    load_demo_data()

    assert counts() == first
    assert first["auth.User"] == 9
    assert first["order.Order"] == 18
    assert "staff@example.com / Staff-password-2026!" in output
    assert "customer1@example.com / Customer-password-2026!" in output


def test_demo_history_gives_the_retention_rules_work(demo_data):
    Order = apps.get_model("order", "Order")
    User = apps.get_model("auth", "User")
    eleven_years_ago = timezone.now() - relativedelta(years=11)
    three_years_ago = timezone.now() - relativedelta(years=3)

    assert Order.objects.filter(date_placed__lt=eleven_years_ago, user__isnull=False).exists()
    assert Order.objects.filter(date_placed__lt=eleven_years_ago, user__isnull=True).exists()
    assert Order.objects.filter(user__isnull=True).exclude(guest_email="").count() == 3
    inactive = User.objects.filter(is_staff=False, last_login__lt=three_years_ago)
    assert inactive.count() >= 3
    assert not Order.objects.filter(user__in=inactive, date_placed__gte=three_years_ago).exists()


def test_the_newsletter_has_subscribers_and_a_draft(demo_data):
    Subscription = apps.get_model("oscar_privacy_newsletter", "Subscription")
    states = set(Subscription.objects.values_list("state", flat=True))
    assert states == {"subscribed", "pending", "unsubscribed"}
    assert not Subscription.objects.filter(state="unsubscribed").exclude(email="").exists()
    issue = apps.get_model("oscar_privacy_newsletter_wagtail", "NewsletterIssue").objects.get()
    assert issue.mailing is None


def test_the_wagtail_site_serves_the_home_page(demo_data):
    site = Site.objects.get()

    assert site.is_default_site
    assert site.root_page.specific_class.__name__ == "HomePage"


def test_home_page_links_to_the_shop_and_the_privacy_policy(client, demo_data):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/shop/"' in html
    assert 'href="/privacy-policy/"' in html
    # Oscar's storefront layout wraps the page.
    assert reverse("basket:summary") in html


def test_privacy_policy_page_shows_the_policy(client, demo_data):
    response = client.get("/privacy-policy/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h2>Customer password management</h2>" in html
    assert "<p>Passwords are encrypted by security software" in html
    assert "&gt; A password reset goes through the password manager." in html


def test_the_legal_pages_are_version_1_of_each_document(client, demo_data):
    privacy = PolicyVersion.objects.get(kind="privacy")
    terms = PolicyVersion.objects.get(kind="terms")
    assert (privacy.number, terms.number) == (1, 1)
    assert "<h2>Customer password management</h2>" in privacy.body
    assert privacy.source_url == "/privacy-policy/"
    assert "Right of withdrawal" in terms.body
    assert "Version 1, in force since" in client.get("/terms/").content.decode()


def test_catalogue_and_product_pages_respond(client, demo_data):
    mug = apps.get_model("catalogue", "Product").objects.get(upc=MUG)

    assert client.get(reverse("catalogue:index")).status_code == 200
    response = client.get(mug.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "Stoneware mug, 30 cl" in html
    assert "€14.00" in html
    assert reverse("basket:add", kwargs={"pk": mug.pk}) in html


def test_guest_buys_a_product_through_to_the_thank_you_page(client, demo_data):
    Order = apps.get_model("order", "Order")
    mug = apps.get_model("catalogue", "Product").objects.get(upc=MUG)
    email = "new.guest@example.org"

    response = client.post(reverse("basket:add", kwargs={"pk": mug.pk}), {"quantity": 2})
    assert response.status_code == 302

    assert client.get(reverse("checkout:index")).status_code == 200
    response = client.post(reverse("checkout:index"), {"username": email, "options": "anonymous"})
    assert response["Location"] == reverse("checkout:shipping-address")

    response = client.post(
        reverse("checkout:shipping-address"),
        {
            "first_name": "Inès",
            "last_name": "Petit",
            "line1": "2 rue de la Paix",
            "line4": "Paris",
            "postcode": "75002",
            "country": "FR",
        },
        follow=True,
    )
    # Only one shipping method: its step redirects straight on.
    assert response.redirect_chain[-1][0] == reverse("checkout:payment-details")
    assert response.status_code == 200

    preview = client.get(reverse("checkout:preview"))
    assert preview.status_code == 200
    refused = client.post(reverse("checkout:preview"), {"action": "place_order"})
    assert refused.status_code == 200
    assert not Order.objects.filter(guest_email=email).exists()

    response = client.post(
        reverse("checkout:preview"), consent_data(preview, **ACCEPT_ALL), follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("checkout:thank-you")
    assert response.status_code == 200
    order = Order.objects.get(guest_email=email)
    assert order.user is None
    assert order.lines.get().quantity == 2
    assert order.number in response.content.decode()
    assert {r.purpose for r in ConsentRecord.objects.filter(order_number=order.number)} == {
        "privacy_policy",
        "terms",
    }
    assert [message.to for message in mail.outbox] == [[email]]
    assert order.number in mail.outbox[0].subject + mail.outbox[0].body


def test_customer_logs_in_and_reaches_their_account(client, demo_data):
    log_in(client, "customer1@example.com", CUSTOMER_PASSWORD)

    response = client.get(reverse("customer:summary"), follow=True)

    # The account summary is a redirect to the profile page.
    assert response.redirect_chain == [(reverse("customer:profile-view"), 302)]
    assert response.status_code == 200
    assert response.wsgi_request.user.email == "customer1@example.com"


def test_staff_logs_in_and_reaches_the_dashboard_and_the_cms(client, demo_data):
    log_in(client, "staff@example.com", STAFF_PASSWORD)

    # First the second factor: the demo staff set up their authenticator app.
    response = client.get(reverse("dashboard:index"))
    setup = reverse("oscar_privacy:two-factor-setup")
    assert response["Location"].startswith(setup)
    client.get(setup)
    device = TOTPDevice.objects.get(user__email="staff@example.com", confirmed=False)
    assert client.post(setup, {"otp_token": code_now(device)}).status_code == 302

    assert client.get(reverse("dashboard:index")).status_code == 200
    assert client.get(reverse("wagtailadmin_home")).status_code == 200
