import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.apps.order.models import Order

from oscar_privacy.checkout.mixins import SESSION_KEY
from oscar_privacy.models import ConsentRecord, PolicyKind

from .shop import (
    ACCEPT_ALL,
    GUEST_EMAIL,
    consent_data,
    make_product,
    publish,
    publish_policies,
    to_preview,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    return make_product()


@pytest.fixture
def versions():
    return publish_policies()


def test_the_preview_shows_both_boxes_unticked_and_the_newsletter_opt_in(client, product, versions):
    response = to_preview(client, product)
    html = response.content.decode()
    privacy, terms = versions
    assert 'name="privacy-accept_terms"' in html
    assert 'name="privacy-accept_privacy"' in html
    assert 'name="privacy-newsletter"' in html
    assert "checked" not in html.split('id="place_order_form"')[1].split("</form>")[0]
    assert f'href="{privacy.get_absolute_url()}"' in html
    assert f'href="{terms.get_absolute_url()}"' in html


@pytest.mark.parametrize(
    "ticks", [{}, {"accept_terms": True}, {"accept_privacy": True}, {"newsletter": True}]
)
def test_a_guest_who_does_not_accept_both_places_no_order(client, product, versions, ticks):
    response = to_preview(client, product)
    response = client.post(reverse("checkout:preview"), consent_data(response, **ticks))
    assert response.status_code == 200
    assert "Please read and accept" in response.content.decode()
    assert not Order.objects.exists()
    assert not ConsentRecord.objects.exists()
    assert SESSION_KEY not in client.session


def test_a_guest_who_accepts_places_the_order_and_the_proof_is_kept(client, product, versions):
    privacy, terms = versions
    response = to_preview(client, product)
    response = client.post(
        reverse("checkout:preview"),
        consent_data(response, newsletter=True, **ACCEPT_ALL),
        REMOTE_ADDR="203.0.113.77",
    )
    assert response.status_code == 302
    assert response.url == reverse("checkout:thank-you")
    order = Order.objects.get()
    assert order.guest_email == GUEST_EMAIL
    records = {r.purpose: r for r in ConsentRecord.objects.all()}
    assert set(records) == {"privacy_policy", "terms", "newsletter"}
    assert records["privacy_policy"].version == privacy
    assert records["terms"].version == terms
    assert records["newsletter"].version is None
    for record in records.values():
        assert (record.action, record.channel) == ("given", "checkout")
        assert (record.email, record.user, record.order_number) == (GUEST_EMAIL, None, order.number)
        assert record.network == "203.0.113.0/24"
    assert SESSION_KEY not in client.session
    assert len(mail.outbox) == 1  # Oscar's order confirmation


def test_a_registered_customer_is_recorded_by_account(client, product, versions, customer):
    client.force_login(customer)
    response = to_preview(client, product, guest=False)
    client.post(reverse("checkout:preview"), consent_data(response, **ACCEPT_ALL))
    order = Order.objects.get()
    records = ConsentRecord.objects.all()
    assert {r.purpose for r in records} == {"privacy_policy", "terms"}
    assert {(r.user, r.email, r.order_number) for r in records} == {
        (customer, customer.email, order.number)
    }


def test_a_version_published_during_the_checkout_is_asked_again(client, product, versions):
    response = to_preview(client, product)
    data = consent_data(response, **ACCEPT_ALL)
    new_terms = publish(PolicyKind.TERMS, "New terms of sale.")

    response = client.post(reverse("checkout:preview"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "terms and conditions of sale you accepted is not the one in force" in html
    assert f'value="{new_terms.number}"' in html
    assert not Order.objects.exists()
    assert not ConsentRecord.objects.exists()

    response = client.post(reverse("checkout:preview"), consent_data(response, **ACCEPT_ALL))
    assert response.status_code == 302
    assert ConsentRecord.objects.get(purpose="terms").version == new_terms


@pytest.mark.parametrize("forged", ["999", "abc", "", "1" * 13, "<script>alert(1)</script>"])
def test_a_forged_version_number_is_refused(client, product, versions, forged):
    response = to_preview(client, product)
    data = consent_data(response, **ACCEPT_ALL)
    data["privacy-privacy_version"] = forged
    response = client.post(reverse("checkout:preview"), data)
    assert response.status_code == 200
    assert "is not the one in force" in response.content.decode()
    assert "alert(1)" not in response.content.decode()
    assert not Order.objects.exists()


def test_submit_refuses_before_payment_when_the_acceptance_is_stale(
    client, product, versions, monkeypatch
):
    """The guard in ``submit`` runs before ``handle_payment``: a payment flow
    that reaches it with an outdated acceptance takes no payment."""
    from oscar.apps.checkout.views import PaymentDetailsView

    from oscar_privacy.forms import CheckoutConsentForm

    def no_payment(*args, **kwargs):
        raise AssertionError("payment must not be taken")

    monkeypatch.setattr(PaymentDetailsView, "handle_payment", no_payment)
    monkeypatch.setattr(CheckoutConsentForm, "snapshot", lambda form: {"versions": {}})
    response = to_preview(client, product)
    response = client.post(reverse("checkout:preview"), consent_data(response, **ACCEPT_ALL))
    assert response.status_code == 200
    assert "accept the current terms and privacy policy" in response.content.decode()
    assert not Order.objects.exists()
    assert SESSION_KEY not in client.session


def test_a_replayed_place_order_creates_nothing_more(client, product, versions):
    response = to_preview(client, product)
    data = consent_data(response, **ACCEPT_ALL)
    client.post(reverse("checkout:preview"), data)
    replay = client.post(reverse("checkout:preview"), data)
    assert replay.status_code == 302  # Oscar: the basket is empty now
    assert Order.objects.count() == 1
    assert ConsentRecord.objects.count() == 2


def _measure(client, product):
    response = to_preview(client, product)
    data = (
        consent_data(response, **ACCEPT_ALL)
        if "consent_form" in response.context
        else {"action": "place_order"}
    )
    with CaptureQueriesContext(connection) as preview:
        client.get(reverse("checkout:preview"))
    with CaptureQueriesContext(connection) as place:
        response = client.post(reverse("checkout:preview"), data)
    assert response.status_code == 302
    return len(preview), len(place)


def test_the_privacy_layer_adds_at_most_two_queries(product, versions, settings):
    with_privacy = _measure(Client(), product)
    settings.ROOT_URLCONF = "tests.urls_plain_oscar"
    plain = _measure(Client(), product)
    assert with_privacy[0] - plain[0] <= 2, (with_privacy, plain)
    assert with_privacy[1] - plain[1] <= 2, (with_privacy, plain)
    assert with_privacy[0] > plain[0]  # the versions are read: the layer is really there
