"""Both wirings: the zero-fork app configs (the sandbox) and a shop's own forked
views that add the mixins (``tests/urls_forked_shop.py``)."""

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import reverse
from oscar.apps.order.models import Order
from oscar.apps.payment.models import Source

from oscar_privacy.checkout.mixins import CheckoutConsentMixin
from oscar_privacy.customer.mixins import RegistrationConsentMixin
from oscar_privacy.models import ConsentRecord

from .shop import ACCEPT_ALL, consent_data, make_product, publish_policies, to_preview

pytestmark = pytest.mark.django_db


def test_the_zero_fork_configs_compose_the_mixins():
    checkout, customer = apps.get_app_config("checkout"), apps.get_app_config("customer")
    assert checkout.name == "oscar.apps.checkout"  # still Oscar's app: models, templates
    assert issubclass(checkout.payment_details_view, CheckoutConsentMixin)
    assert issubclass(customer.register_view, RegistrationConsentMixin)
    assert issubclass(customer.login_view, RegistrationConsentMixin)
    assert checkout.payment_details_view.__name__ == "PaymentDetailsView"


@pytest.fixture
def forked_shop(settings):
    settings.ROOT_URLCONF = "tests.urls_forked_shop"
    publish_policies()


def test_a_forked_checkout_enforces_and_records_acceptance(client, forked_shop):
    product = make_product()
    response = to_preview(client, product)
    refused = client.post(reverse("checkout:preview"), consent_data(response))
    assert refused.status_code == 200
    assert not Order.objects.exists()

    placed = client.post(reverse("checkout:preview"), consent_data(response, **ACCEPT_ALL))
    assert placed.status_code == 302
    order = Order.objects.get()
    assert Source.objects.get(order=order).reference == "T-1"  # the shop's own payment step
    assert {r.purpose for r in ConsentRecord.objects.filter(order_number=order.number)} == {
        "privacy_policy",
        "terms",
    }


def test_a_forked_registration_enforces_and_records_acceptance(client, forked_shop):
    url = reverse("customer:register")
    form = client.get(url).context["form"]
    data = {
        "email": "forked@example.com",
        "password1": "A-long-enough-password-2026",
        "password2": "A-long-enough-password-2026",
        "privacy_version": form.fields["privacy_version"].initial,
    }
    assert client.post(url, data).status_code == 200
    assert client.post(url, {**data, "accept_privacy": "on"}).status_code == 302
    user = get_user_model().objects.get(email="forked@example.com")
    assert ConsentRecord.objects.get().user == user
