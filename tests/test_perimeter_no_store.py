"""Pages that show personal data are sent with ``Cache-Control: no-store`` (and ``private``).

The pages are read from the URLconf, not listed by hand: every URL of
oscar-privacy's namespaces, of Oscar's My Account (``customer``) and every
view of oscar-privacy's modules. Each is opened by the person it is meant
for, with real data behind it (a customer with orders, addresses, emails,
wishlists, a copy of their data, requests; staff who passed the second
factor), so the answer is the page with the data, not a redirect or a 404.
A page that needs no such header must be on :data:`ALLOWED_TO_BE_STORED`
with the reason: a URL added later is covered by default.

Oscar's dashboard (``dashboard:``) and Django's admin (``admin:``), oscar-
privacy's views among them, are staff areas: ``StaffTwoFactorMiddleware``
sends every page of every staff area with ``no-store``, and its own test
walks them.
"""

import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory, create_product

from oscar_privacy import email_change, export, reauth
from oscar_privacy.account_views import CLOSED_SESSION_KEY
from oscar_privacy.caching import NoStoreMiddleware
from oscar_privacy.checks import NO_STORE_MIDDLEWARE, check_no_store_middleware
from oscar_privacy.models import DataExport, PolicyKind, PrivacyRequest
from oscar_privacy.newsletter import subscriptions, tokens
from oscar_privacy.newsletter.models import Channel, SubscriberImport, Subscription
from oscar_privacy.newsletter.wagtail.models import NewsletterIssue
from oscar_privacy.recovery import submit_recovery_request
from oscar_privacy.request_mail import confirmation_token
from oscar_privacy.requests import submit_request

from .factories import customer_with_history
from .shop import publish
from .staff import give_authenticator, login_verified
from .url_walk import routes

pytestmark = pytest.mark.django_db

Email = get_model("communication", "Email")
Notification = get_model("communication", "Notification")
Order = get_model("order", "Order")
ProductAlert = get_model("customer", "ProductAlert")
UserAddress = get_model("address", "UserAddress")
WishList = get_model("wishlists", "WishList")

NAMESPACES = ("oscar_privacy", "oscar_privacy_dashboard", "oscar_privacy_newsletter", "customer")
STAFF_AREAS_OF_THE_STAFF_MIDDLEWARE = ("dashboard", "admin")

ALLOWED_TO_BE_STORED = {
    # The published legal texts: public documents, the same for everyone, linked from
    # emails and the footer. Nothing about the reader.
    "oscar_privacy:policy-versions",
    "oscar_privacy:policy-version",
    # The same static page for every logged-out visitor ("check your inbox", "your
    # password has been set"): login_forbidden, no form, no message about anyone.
    "password-reset-done",
    "password-reset-complete",
}
"""Pages sent without ``no-store`` on purpose, each with its reason."""


NOT_PAGES = ("anymail",)
"""Namespaces of machine endpoints no browser opens: the email providers' webhooks answer
a provider's POST with an empty 200 (or 400/401), and show no one anything."""


def covered(route):
    if not route.name or route.namespace in (*STAFF_AREAS_OF_THE_STAFF_MIDDLEWARE, *NOT_PAGES):
        return False
    return route.namespace in NAMESPACES or route.module.startswith("oscar_privacy.")


ROUTES = {route.view_name: route for route in reversed(routes()) if covered(route)}
PAGES = sorted(set(ROUTES) - ALLOWED_TO_BE_STORED)


# The people and their data ------------------------------------------------------


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    """A customer with data of every kind, the objects the URLs name, and verified staff."""
    customer = customer_with_history(2, reviews=1, alerts=1)
    order, guest_order = Order.objects.filter(user=customer).order_by("number")
    Order.objects.filter(pk=guest_order.pk).update(user=None, guest_email="guest@example.com")
    guest_order.refresh_from_db()
    address = UserAddress.objects.get(user=customer)
    product = create_product()
    wishlist = WishList.objects.create(owner=customer, name="Birthday")
    other_wishlist = WishList.objects.create(owner=customer, name="Christmas")
    line = wishlist.lines.create(product=product, title=product.title, quantity=1)
    alert = ProductAlert.objects.get(user=customer)
    guest_alert = ProductAlert.objects.create(
        product=product, email="guest@example.com", status=ProductAlert.UNCONFIRMED
    )
    email = Email.objects.create(
        user=customer, email=customer.email, subject="Your order", body_text="Thank you"
    )
    notification = Notification.objects.create(
        recipient=customer, subject="Your order has shipped", body="On its way"
    )
    privacy_request = submit_request(PrivacyRequest.Kind.ACCESS, message="My data", user=customer)
    visitor_request = submit_request(
        PrivacyRequest.Kind.ACCESS, message="Mine too", email="visitor@example.com"
    )
    recovery = submit_recovery_request({"first_name": "Camille", "last_name": "Martin"})
    subscriptions.request_subscription(customer.email, via=Channel.IMPORT, user=customer)
    subscription = Subscription.objects.get()
    resubscription = submit_request(
        PrivacyRequest.Kind.RESUBSCRIPTION, message="Again", user=customer
    )
    issue = NewsletterIssue.objects.create(title="Spring", subject="Spring", body="<p>News</p>")
    newsletter_import = SubscriberImport.objects.create(
        errors=[[2, "invalid"]], error_count=1, lines_read=2
    )
    with django_capture_on_commit_callbacks(execute=True):
        item, _created = export.request_export(customer, exports_url="https://testserver/")
    item.refresh_from_db()
    assert item.status == DataExport.Status.READY
    guest_order_kwargs = {
        "order_number": guest_order.number,
        "hash": guest_order.verification_hash(),
    }
    return {
        "customer": customer,
        "guest_order": guest_order,
        "kwargs": {
            "oscar_privacy:export-download": {"pk": item.pk},
            "oscar_privacy:request-confirm": {"token": confirmation_token(visitor_request)},
            "oscar_privacy:email-change-confirm": {
                "token": email_change.confirmation_token(
                    customer, "new@example.com", old_email=customer.email
                )
            },
            "oscar_privacy_newsletter:confirm": {"token": tokens.confirm_token(subscription)},
            "oscar_privacy_newsletter:unsubscribe": {
                "token": tokens.unsubscribe_token(subscription.pk)
            },
            "oscar_privacy_newsletter:resubscribe": {
                "token": tokens.resubscribe_token(resubscription.pk)
            },
            "oscar_privacy_newsletter_issue_sending": {"pk": issue.pk},
            "oscar_privacy_newsletter_import": {"pk": newsletter_import.pk},
            "oscar_privacy_dashboard:privacy-recovery-detail": {"pk": recovery.pk},
            "oscar_privacy_dashboard:privacy-customer-export": {"pk": customer.pk},
            "oscar_privacy_dashboard:privacy-customer-close": {"pk": customer.pk},
            "customer:anon-order": guest_order_kwargs,
            "customer:anon-order-form": guest_order_kwargs,
            "customer:address-detail": {"pk": address.pk},
            "customer:address-delete": {"pk": address.pk},
            "customer:address-change-status": {"pk": address.pk, "action": "default_for_billing"},
            "customer:notifications-detail": {"pk": notification.pk},
            "customer:alerts-cancel-by-pk": {"pk": alert.pk},
            "customer:alert-create": {"pk": product.pk},
            "customer:alerts-cancel-by-key": {"key": guest_alert.key},
            "customer:alerts-confirm": {"key": guest_alert.key},
            "customer:wishlists-remove-product": {"key": wishlist.key, "line_pk": line.pk},
        },
        "defaults": {
            "pk": privacy_request.pk,  # the privacy dashboard's request pages
            "kind": "privacy",
            "number": 1,
            "order_number": order.number,
            "line_id": order.lines.first().pk,
            "email_id": email.pk,
            "key": wishlist.key,
            "to_key": other_wishlist.key,
            "product_pk": product.pk,
            "line_pk": line.pk,
            "uidb64": "x",
            "token": "x",
        },
    }


LOGGED_OUT = {
    "customer:login",
    "customer:register",
    "customer:anon-order",
    "customer:anon-order-form",
    "customer:alerts-confirm",
    "customer:alerts-cancel-by-key",
    "password-reset",
    "password-reset-confirm",
    "oscar_privacy:account-recovery",
    "oscar_privacy:account-recovery-sent",
    "oscar_privacy:request-confirm",
}
"""Pages for visitors who are not logged in (a logged-in person is sent elsewhere)."""


def visitor(world, route):
    """A client of the person the page is meant for, in the state the page is for."""
    client = Client()
    name = route.view_name
    if name == "oscar_privacy:two-factor-setup":
        client.force_login(UserFactory(is_staff=True))  # no device yet
        return client
    if name == "oscar_privacy:two-factor-verify":
        staff = UserFactory(is_staff=True)
        give_authenticator(staff)
        client.force_login(staff)  # a device, not yet this session's code
        return client
    staff_page = route.namespace == "oscar_privacy_dashboard" or route.module.startswith(
        "oscar_privacy.newsletter.wagtail."
    )
    if staff_page or name.startswith("oscar_privacy:two-factor-"):
        return login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    if name not in LOGGED_OUT:
        client.force_login(world["customer"])
    session = client.session
    if name == "oscar_privacy:export-download":
        session[reauth.CONFIRMED_AT] = time.time()
    if name == "oscar_privacy:account-closed":
        session[CLOSED_SESSION_KEY] = {"hold_until": None}
    if name == "customer:anon-order":
        session["anon_order_email"] = world["guest_order"].guest_email
    if name == "oscar_privacy:accept-policies":
        publish(PolicyKind.PRIVACY, "A material change.", material=True)
    session.save()
    return client


def url_for(world, route):
    return route.url(**{**world["defaults"], **world["kwargs"].get(route.view_name, {})})


POST_ONLY = {
    # Oscar's view acts on a POST only (re-order a line); its GET has no template.
    "customer:order-line": {"action": "reorder"},
}

ACT_THEN_REDIRECT = {
    "customer:summary": "Oscar's account home leads to the profile",
    "customer:logout": "logs out",
    "customer:profile-delete": "leads to the account closure page",
    "customer:address-change-status": "sets the default address, back to the list",
    "customer:alert-create": "creates an alert, back to the product",
    "customer:alerts-cancel-by-pk": "cancels, back to the product",
    "customer:alerts-cancel-by-key": "cancels (from the email's link), back to the product",
    "customer:alerts-confirm": "confirms (from the email's link), back to the product",
    "customer:order-line": "puts the line in the basket again, to the basket",
    "customer:notifications-update": "archives the chosen notifications (none), back",
    "customer:wishlists-add-product": "adds the product, back to it",
    "customer:wishlists-move-product-to-another": "moves the line, back to the list",
    "oscar_privacy_dashboard:privacy-customer-export": "a POST button; back to the customer",
    "oscar_privacy_dashboard:privacy-customer-close": "a POST button; back to the customer",
    "oscar_privacy_dashboard:privacy-request-assign": "assigns (to nobody), back to the request",
    "oscar_privacy_dashboard:privacy-request-export": "a POST button; back to the request",
}
"""Pages that act and answer with a redirect (no personal data in it); all others show a page."""


def open_page(client, url, name):
    """GET the page; a page that only takes a POST gets an empty one (its form's errors)."""
    response = client.post(url, POST_ONLY[name]) if name in POST_ONLY else client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    return response


def no_store(response):
    directives = {d.strip().split("=")[0] for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


# Tests ---------------------------------------------------------------------------


def test_the_walk_finds_the_pages_of_each_kind():
    for name in (
        "oscar_privacy:my-data",
        "oscar_privacy:export-download",
        "oscar_privacy:contact",
        "oscar_privacy_newsletter:account",
        "oscar_privacy_dashboard:privacy-consent-export",
        "oscar_privacy_dashboard:privacy-request-detail",
        "oscar_privacy_newsletter_export",
        "oscar_privacy:email-change-confirm",
        "customer:profile-view",
        "customer:order",
        "customer:address-list",
    ):
        assert name in PAGES, name


def test_every_page_on_the_allow_list_exists():
    assert ALLOWED_TO_BE_STORED <= set(ROUTES), ALLOWED_TO_BE_STORED - set(ROUTES)


@pytest.mark.parametrize("name", PAGES)
def test_pages_with_personal_data_are_never_stored(world, name):
    route = ROUTES[name]
    url = url_for(world, route)
    response = open_page(visitor(world, route), url, name)
    if response.status_code in (301, 302, 303):
        assert name in ACT_THEN_REDIRECT, (url, response["Location"])
    else:
        assert response.status_code in (200, 400), (url, response.status_code)
    assert no_store(response), (url, response.status_code, response.get("Cache-Control"))


# Oscar's My Account whatever the shop's shape; the middleware's checks ---------------


def my_account_pages(customer):
    order = Order.objects.filter(user=customer).first()
    return [
        reverse("customer:profile-view"),
        reverse("customer:order", kwargs={"order_number": order.number}),
        reverse("customer:address-list"),
    ]


@pytest.mark.parametrize(
    "urlconf", ["tests.urls_forked_shop", "tests.urls_plain_oscar", "tests.urls_i18n_shop"]
)
def test_oscars_account_pages_are_never_stored_in_every_shop_shape(client, settings, urlconf):
    settings.ROOT_URLCONF = urlconf
    customer = customer_with_history(1, reviews=0, alerts=0)
    client.force_login(customer)
    prefixes = ["/en", "/fr"] if urlconf == "tests.urls_i18n_shop" else [""]
    with translation.override("en"):
        pages = my_account_pages(customer)
    for prefix in prefixes:
        for page in pages:
            url = prefix + page.removeprefix("/en")
            response = client.get(url)
            assert response.status_code == 200, url
            assert no_store(response), url
    # The (forked) login page too, for visitors.
    client.logout()
    with translation.override("fr"):
        assert no_store(client.get(reverse("customer:login")))


def test_other_pages_keep_their_own_caching(client):
    assert not no_store(client.get(reverse("oscar_privacy:policy-versions", args=["privacy"])))
    assert "no-store" not in client.get(reverse("catalogue:index")).get("Cache-Control", "")


def test_a_namespace_added_by_the_shop_is_covered_too(client, settings):
    settings.OSCAR_PRIVACY_NO_STORE_NAMESPACES = ["customer", "catalogue"]
    assert no_store(client.get(reverse("catalogue:index")))


def check_ids(settings, **changes):
    for name, value in changes.items():
        setattr(settings, name, value)
    return [message.id for message in check_no_store_middleware()]


def test_the_sandbox_passes_the_checks(settings):
    assert check_ids(settings) == []


def test_a_missing_middleware_is_reported(settings):
    middleware = [m for m in settings.MIDDLEWARE if m != NO_STORE_MIDDLEWARE]
    assert check_ids(settings, MIDDLEWARE=middleware) == ["oscar_privacy.W036"]
    # Nothing to cover, nothing to say.
    assert check_ids(settings, OSCAR_PRIVACY_NO_STORE_NAMESPACES=[]) == []


def test_a_subclass_of_the_middleware_counts(settings):
    middleware = [
        "tests.test_perimeter_no_store.ShopNoStoreMiddleware" if m == NO_STORE_MIDDLEWARE else m
        for m in settings.MIDDLEWARE
    ]
    assert check_ids(settings, MIDDLEWARE=middleware) == []


class ShopNoStoreMiddleware(NoStoreMiddleware):
    pass


def test_the_middleware_below_the_page_cache(settings):
    cache = "django.middleware.cache.UpdateCacheMiddleware"
    assert check_ids(settings, MIDDLEWARE=[NO_STORE_MIDDLEWARE, cache]) == ["oscar_privacy.W037"]
    assert check_ids(settings, MIDDLEWARE=[cache, NO_STORE_MIDDLEWARE]) == []


@pytest.mark.parametrize("value", ["customer", [""], [None], None, 3])
def test_namespaces_that_are_not_a_list_are_an_error(settings, value):
    assert check_ids(settings, OSCAR_PRIVACY_NO_STORE_NAMESPACES=value) == ["oscar_privacy.E030"]
