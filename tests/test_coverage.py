import pytest
from django.contrib.auth import get_user_model
from django.core import checks
from django.db import models
from django.test.utils import isolate_apps

from oscar_privacy.checks import check_datamap_coverage
from oscar_privacy.datamap import Category, Entry, Field
from oscar_privacy.datamap.coverage import find_gaps, personal_looking_fields

User = get_user_model()


def test_the_sandbox_has_no_undescribed_personal_data():
    assert find_gaps() == []
    assert check_datamap_coverage() == []


@pytest.fixture
def loyalty_card():
    """A shop's own model, defined outside the installed apps' registry."""
    with isolate_apps("tests"):

        class LoyaltyCard(models.Model):
            owner = models.ForeignKey(User, on_delete=models.CASCADE)
            number = models.CharField(max_length=20)
            phone_number = models.CharField(max_length=20)

            class Meta:
                app_label = "tests"

        class Colour(models.Model):
            name = models.CharField(max_length=20)  # a bare name is not personal

            class Meta:
                app_label = "tests"

        yield LoyaltyCard, Colour


def test_an_unmapped_model_is_reported(loyalty_card):
    card, colour = loyalty_card
    gaps = find_gaps([card, colour, User])
    assert [(gap.model, gap.fields) for gap in gaps] == [(card, ("owner", "phone_number"))]
    assert "not in the data map" in gaps[0].message


def test_personal_looking_fields():
    from django.apps import apps

    assert personal_looking_fields(apps.get_model("address.UserAddress")) == [
        "first_name",
        "last_name",
        "line1",
        "line2",
        "line3",
        "line4",
        "postcode",
        "phone_number",
        "user",
        "num_orders_as_shipping_address",
        "num_orders_as_billing_address",
    ]
    # Multi-table children: the parent's fields are the parent's business.
    assert personal_looking_fields(apps.get_model("sandbox_shop.ContentPage")) == []


def test_a_mapped_model_with_an_undescribed_field_is_reported(clean_datamap):
    entry = clean_datamap.get("auth.User")
    clean_datamap.register(
        Entry(
            model="auth.User",
            purposes=entry.purposes,
            user_path="pk",
            fields=tuple(f for f in entry.fields if f.name != "email"),
            retention=entry.retention,
        ),
        replace=True,
    )
    warnings = check_datamap_coverage()
    assert [w.id for w in warnings] == ["oscar_privacy.W001"]
    assert isinstance(warnings[0], checks.Warning)
    assert "auth.User: its data map entry does not describe email." == warnings[0].msg


def test_registering_or_excluding_closes_the_gap(clean_datamap, loyalty_card, settings):
    card, _ = loyalty_card
    settings.OSCAR_PRIVACY_DATAMAP_EXCLUDE = {"tests.LoyaltyCard": "test"}
    assert find_gaps([card]) == []
    settings.OSCAR_PRIVACY_DATAMAP_EXCLUDE = {}
    assert find_gaps([card]) != []

    # register() validates against the global registry, so describe a real
    # model the same way and check that the described gap disappears.
    clean_datamap.unregister("auth.User")
    assert [gap.label for gap in find_gaps([User])] == ["auth.User"]
    clean_datamap.register(
        Entry(
            model="auth.User",
            purposes="customer_accounts",
            user_path="pk",
            fields=(
                Field("first_name", Category.IDENTITY),
                Field("last_name", Category.IDENTITY),
                Field("email", Category.CONTACT),
            ),
            retention="customer_account",
        )
    )
    assert find_gaps([User]) == []
