import datetime

import pytest
from django.contrib.auth import get_user_model
from oscar.test.factories import (
    ShippingAddressFactory,
    UserAddressFactory,
    UserFactory,
    create_order,
)

from oscar_privacy.datamap import Category, Entry, Erasure, Field, datamap, get_purposes
from oscar_privacy.datamap.builtin import builtin_entries
from oscar_privacy.exceptions import DataMapError, PrivacyConfigurationError
from oscar_privacy.retention import get_rules

User = get_user_model()


def test_every_builtin_entry_of_the_sandbox_is_registered_and_valid():
    registered = {entry.model for entry in datamap}
    assert {entry.model for entry in builtin_entries()} <= registered
    for entry in datamap:
        entry.validate()


def test_builtin_entries_name_known_purposes_and_rules():
    purposes, rules = get_purposes(), get_rules()
    for entry in datamap:
        assert set(entry.purposes) <= set(purposes), entry.model
        assert set(entry.retention) <= set(rules), entry.model


def test_orders_are_kept_for_accounting_and_anonymised():
    entry = datamap.get("order.Order")
    assert entry.erasure == Erasure.ANONYMISE
    assert entry.retention == ("accounting_records",)
    kept = {f.name for f in entry.fields if f.anonymiser is None}
    assert {"number", "date_placed", "total_incl_tax"} <= kept


@pytest.mark.django_db
def test_rows_are_found_by_user_and_by_guest_email():
    customer = UserFactory(email="camille@example.com")
    own = create_order(user=customer, shipping_address=ShippingAddressFactory())
    guest = create_order(guest_email="Camille@Example.com")
    someone_else = create_order(user=UserFactory())

    orders = datamap.get("order.Order")
    assert set(orders.queryset_for(user=customer)) == {own}
    assert set(orders.queryset_for(email="camille@example.com")) == {guest}
    assert set(orders.queryset_for(user=customer, email="camille@example.com")) == {own, guest}
    assert someone_else not in orders.queryset_for(user=customer, email="camille@example.com")

    addresses = datamap.get("order.ShippingAddress")
    assert set(addresses.queryset_for(user=customer)) == {own.shipping_address}
    assert list(datamap.get("auth.User").queryset_for(user=customer)) == [customer]


@pytest.mark.django_db
def test_no_lookup_finds_nothing():
    customer = UserFactory()
    create_order(user=customer)
    assert not datamap.get("order.Order").queryset_for().exists()
    assert not datamap.get("sessions.Session").queryset_for(user=customer).exists()


@pytest.mark.django_db
def test_anonymise_scrubs_personal_fields_in_one_update(django_assert_num_queries):
    customer = UserFactory(email="camille@example.com", first_name="Camille")
    address = UserAddressFactory(user=customer, postcode="75011", phone_number="+33612345678")
    entry = datamap.get("address.UserAddress")

    with django_assert_num_queries(1):
        assert entry.anonymise(entry.queryset_for(user=customer)) == 1

    address.refresh_from_db()
    assert (address.first_name, address.last_name, address.line1, address.line4) == ("", "", "", "")
    assert address.postcode == "75"
    assert str(address.phone_number) == ""
    assert address.country_id  # kept for statistics


@pytest.mark.django_db
def test_anonymising_a_user_leaves_no_way_to_log_in():
    customer = UserFactory(email="camille@example.com", first_name="Camille", last_name="Martin")
    customer.last_login = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    customer.save()
    entry = datamap.get("auth.User")
    entry.anonymise(entry.queryset_for(user=customer))

    customer.refresh_from_db()
    assert customer.username == f"anonymised-{customer.pk}"
    assert (customer.first_name, customer.last_name, customer.email) == ("", "", "")
    assert customer.last_login is None
    assert not customer.is_active
    assert not customer.has_usable_password()


@pytest.mark.django_db
def test_anonymising_a_guest_order_keeps_accounting_data():
    order = create_order(guest_email="guest@example.com")
    order.refresh_from_db()
    total, number = order.total_incl_tax, order.number
    entry = datamap.get("order.Order")
    entry.anonymise(entry.queryset_for(email="guest@example.com"))
    order.refresh_from_db()
    assert order.guest_email == ""
    assert (order.total_incl_tax, order.number) == (total, number)


def test_export_fields_leave_secrets_out():
    assert "password" not in datamap.get("auth.User").export_fields()
    assert "email" in datamap.get("auth.User").export_fields()


def _entry(**overrides):
    values = {
        "model": "auth.Group",
        "purposes": "customer_accounts",
        "fields": (Field("name", Category.IDENTITY),),
        "retention": "customer_account",
        "lookup_note": "Groups are found by hand.",
    }
    values.update(overrides)
    return Entry(**values)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"model": "shop.Nothing"}, "no such model"),
        ({"fields": (Field("colour", Category.IDENTITY),)}, "has no field 'colour'"),
        ({"fields": (Field("name", "mood"),)}, "unknown category 'mood'"),
        ({"fields": (Field("name", Category.IDENTITY, anonymiser="shred"),)}, "Unknown anonymiser"),
        ({"erasure": "burn"}, "erasure 'burn'"),
        ({"subjects": ("aliens",)}, "unknown subject 'aliens'"),
        ({"purposes": ()}, "names no purpose"),
        ({"retention": ()}, "names no retention rule"),
        ({"user_path": "user__nothing"}, "fails at 'nothing'"),
        ({"lookup_note": ""}, "no user_path or email_path"),
    ],
)
def test_invalid_entries_are_refused_with_a_clear_message(clean_datamap, overrides, message):
    with pytest.raises(DataMapError, match=message):
        clean_datamap.register(_entry(**overrides))
    assert "auth.Group" not in clean_datamap


def test_data_map_errors_are_configuration_errors():
    from django.core.exceptions import ImproperlyConfigured

    assert issubclass(DataMapError, PrivacyConfigurationError)
    assert issubclass(DataMapError, ImproperlyConfigured)


def test_registering_twice_needs_replace(clean_datamap):
    clean_datamap.register(_entry())
    with pytest.raises(DataMapError, match="already in the data map"):
        clean_datamap.register(_entry())
    replacement = _entry(description="The shop's own description")
    clean_datamap.register(replacement, replace=True)
    assert clean_datamap.get("auth.Group") is replacement


def test_exclusion_needs_a_reason(clean_datamap):
    with pytest.raises(DataMapError, match="needs a reason"):
        clean_datamap.exclude("auth.Group", "")
    clean_datamap.exclude("auth.Group", "Permission groups, no one's data.")
    assert clean_datamap.excluded()["auth.group"] == "Permission groups, no one's data."


def test_excluded_models_come_from_settings_too(settings):
    settings.OSCAR_PRIVACY_DATAMAP_EXCLUDE = {"auth.Group": "Permission groups"}
    assert datamap.excluded()["auth.group"] == "Permission groups"


def test_entries_by_purpose_and_categories():
    accounting = {entry.model for entry in datamap.for_purpose("accounting")}
    assert {"order.Order", "order.BillingAddress"} <= accounting
    assert set(datamap.categories()) >= {"identity", "contact", "address", "order", "behaviour"}
