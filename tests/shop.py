"""Drive Oscar's real checkout and registration with the Django test client."""

import re
from decimal import Decimal

from django.core import mail
from django.urls import reverse
from oscar.test.factories import CountryFactory, create_product

from oscar_privacy.consent import freeze_version
from oscar_privacy.models import PolicyKind

GUEST_EMAIL = "guest@example.com"
SHIPPING_ADDRESS = {
    "first_name": "Camille",
    "last_name": "Martin",
    "line1": "1 rue de la Paix",
    "line4": "Paris",
    "postcode": "75002",
    "country": "FR",
    "phone_number": "+33 1 23 45 67 89",
}


def publish(kind, text, *, material=False, title=None):
    version, _ = freeze_version(
        kind,
        title=title or PolicyKind(kind).label,
        body=f"<p>{text}</p>",
        material=material,
    )
    return version


def publish_policies():
    """The two legal texts, version 1 of each."""
    return (
        publish(PolicyKind.PRIVACY, "We protect your data."),
        publish(PolicyKind.TERMS, "Our terms of sale."),
    )


def make_product():
    CountryFactory(iso_3166_1_a2="FR", printable_name="France", is_shipping_country=True)
    return create_product(price=Decimal("12.50"), num_in_stock=100)


def to_preview(client, product, *, email=GUEST_EMAIL, guest=True):
    """Add ``product`` to the basket and walk the checkout to the preview page."""
    response = client.post(reverse("basket:add", args=[product.pk]), {"quantity": 1})
    assert response.status_code == 302, response
    if guest:
        response = client.post(
            reverse("checkout:index"), {"username": email, "options": "anonymous"}
        )
        assert response.status_code == 302, response.content
    response = client.post(reverse("checkout:shipping-address"), SHIPPING_ADDRESS)
    assert response.status_code == 302, response.content
    # One shipping method: Oscar skips to its payment details page, whose
    # "Continue" link leads to the preview.
    response = client.get(reverse("checkout:shipping-method"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("checkout:payment-details")
    response = client.get(reverse("checkout:preview"))
    assert response.status_code == 200, response
    return response


def consent_data(response, **ticks):
    """The preview's consent form posted back, with the boxes named in ``ticks``."""
    form = response.context["consent_form"]
    data = {"action": "place_order"}
    for name, field in form.fields.items():
        if name.endswith("_version"):
            data[form.add_prefix(name)] = field.initial
    for name, ticked in ticks.items():
        if ticked:
            data[form.add_prefix(name)] = "on"
    return data


ACCEPT_ALL = {"accept_terms": True, "accept_privacy": True}


REGISTRATION_LINK = re.compile(r"https?://[^/\s]+(/privacy/register/confirm/[^/\s]+/)")


REGISTRATION_PASSWORD = "A-long-enough-password-2026"
"""The password the tests register with."""


def confirm_from_mail(client, password=REGISTRATION_PASSWORD):
    """Follow the registration link of the last email: a GET, then the password and the button."""
    (path,) = set(REGISTRATION_LINK.findall(mail.outbox[-1].body))
    assert client.get(path).status_code == 200
    return client.post(path, {"password": password})
