import pytest
from django.core.exceptions import ImproperlyConfigured

from oscar_privacy.adapter import DefaultPrivacyAdapter, get_adapter
from oscar_privacy.conf import PrivacySettings, app_settings
from oscar_privacy.exceptions import PrivacyConfigurationError


class ShopAdapter(DefaultPrivacyAdapter):
    def is_protected_user(self, user):
        return super().is_protected_user(user) or user.email.endswith("@shop.example")


def test_settings_are_read_when_used(settings):
    assert app_settings.DATAMAP_EXCLUDE == {}
    settings.OSCAR_PRIVACY_DATAMAP_EXCLUDE = {"auth.Group": "groups"}
    assert app_settings.DATAMAP_EXCLUDE == {"auth.Group": "groups"}
    del settings.OSCAR_PRIVACY_DATAMAP_EXCLUDE
    assert app_settings.DATAMAP_EXCLUDE == {}


def test_every_setting_has_a_docstring():
    names = [name for name, value in vars(PrivacySettings).items() if isinstance(value, property)]
    assert "ADAPTER" in names
    for name in names:
        assert getattr(PrivacySettings, name).__doc__, name


def test_the_adapter_comes_from_settings(settings, customer, staff):
    assert type(get_adapter()) is DefaultPrivacyAdapter
    settings.OSCAR_PRIVACY_ADAPTER = "tests.test_conf.ShopAdapter"
    adapter = get_adapter()
    assert isinstance(adapter, ShopAdapter)
    assert adapter.is_protected_user(staff)
    assert not adapter.is_protected_user(customer)
    customer.email = "cashier@shop.example"
    assert adapter.is_protected_user(customer)


def test_an_adapter_that_cannot_be_imported(settings):
    settings.OSCAR_PRIVACY_ADAPTER = "tests.nowhere.Adapter"
    with pytest.raises(PrivacyConfigurationError, match="OSCAR_PRIVACY_ADAPTER") as caught:
        get_adapter()
    assert isinstance(caught.value, ImproperlyConfigured)


def test_actor_labels(staff):
    from django.contrib.auth.models import AnonymousUser

    adapter = get_adapter()
    assert adapter.get_actor_label(staff) == "staff"
    assert adapter.get_actor_label(None) == "system"
    assert adapter.get_actor_label(AnonymousUser()) == "system"
