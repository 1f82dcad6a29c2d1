import pytest
from cryptography.fernet import Fernet
from django.core.checks import run_checks

from oscar_privacy.checks import (
    check_configuration,
    check_encryption_keys,
    check_oscar_history_cookie,
    check_private_storage,
)
from oscar_privacy.datamap import Category, Entry, Field


def ids(messages):
    return [message.id for message in messages]


def test_the_sandbox_configuration_is_clean():
    assert check_configuration() == []
    assert check_oscar_history_cookie() == []
    assert check_private_storage() == []
    assert check_encryption_keys() == []


def test_an_adapter_that_cannot_be_imported(settings):
    settings.OSCAR_PRIVACY_ADAPTER = "shop.privacy.Missing"
    messages = check_configuration()
    assert ids(messages) == ["oscar_privacy.E001"]
    assert "OSCAR_PRIVACY_ADAPTER = 'shop.privacy.Missing'" in messages[0].msg


def test_a_controller_that_is_not_a_dict(settings):
    settings.OSCAR_PRIVACY_CONTROLLER = "Oscar Privacy Sandbox SAS"
    messages = check_configuration()
    assert ids(messages) == ["oscar_privacy.E006"]
    assert "must be a dict" in messages[0].msg


@pytest.mark.parametrize(
    ("excluded", "message"),
    [
        ({"shop.Nothing": "gone"}, "not an installed model"),
        ({"auth.Group": " "}, "gives no reason"),
    ],
)
def test_exclusions_need_a_model_and_a_reason(settings, excluded, message):
    settings.OSCAR_PRIVACY_DATAMAP_EXCLUDE = excluded
    messages = check_configuration()
    assert ids(messages) == ["oscar_privacy.E007"]
    assert message in messages[0].msg


def test_an_unknown_network_data_mode(settings, rf):
    from oscar_privacy.consent import network_data

    settings.OSCAR_PRIVACY_CONSENT_NETWORK_DATA = "full_ip"
    assert ids(check_configuration()) == ["oscar_privacy.E008"]
    assert network_data(rf.get("/", REMOTE_ADDR="203.0.113.9")) == ""


def test_a_malformed_retention_rule(settings):
    settings.OSCAR_PRIVACY_RETENTION = {"accounting_records": {"period": "ten years"}}
    messages = check_configuration()
    assert ids(messages) == ["oscar_privacy.E002"]
    assert "OSCAR_PRIVACY_RETENTION['accounting_records']" in messages[0].msg


def test_a_malformed_purpose(settings):
    settings.OSCAR_PRIVACY_PURPOSES = {"loyalty": {"name": "Loyalty"}}
    messages = check_configuration()
    assert ids(messages) == ["oscar_privacy.E003"]
    assert "needs description, legal_basis" in messages[0].msg


def test_an_entry_naming_an_unknown_purpose_or_rule(clean_datamap):
    clean_datamap.register(
        Entry(
            model="auth.Group",
            purposes="loyalty",
            fields=(Field("name", Category.IDENTITY),),
            retention="forever",
            lookup_note="by hand",
        )
    )
    assert ids(check_configuration()) == ["oscar_privacy.E004", "oscar_privacy.E005"]


def test_a_missing_controller_name(settings):
    settings.OSCAR_PRIVACY_CONTROLLER = {"email": "privacy@example.com"}
    assert ids(check_configuration()) == ["oscar_privacy.W002"]


@pytest.mark.parametrize("deleted", [["oscar_recently_viewed_products"], []])
def test_the_history_cookie_left_behind_at_logout(settings, deleted):
    settings.OSCAR_COOKIES_DELETE_ON_LOGOUT = deleted
    messages = check_oscar_history_cookie()
    assert ids(messages) == ["oscar_privacy.W003"]
    assert "'oscar_history'" in messages[0].hint


def test_checks_run_through_django(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.OSCAR_PRIVACY_ADAPTER = "shop.privacy.Missing"
    with pytest.raises(SystemCheckError, match="oscar_privacy.E001"):
        call_command("check")


def test_the_export_storage_must_be_configured(settings):
    settings.OSCAR_PRIVACY_EXPORT_STORAGE = "nowhere"
    messages = check_private_storage()
    assert ids(messages) == ["oscar_privacy.E009"]
    assert "'nowhere'" in messages[0].msg


@pytest.mark.parametrize("root", ["MEDIA_ROOT", "STATIC_ROOT"])
def test_the_export_storage_must_not_be_served(settings, tmp_path, root):
    setattr(settings, root, str(tmp_path))
    settings.STORAGES = {
        **settings.STORAGES,
        "oscar_privacy_exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "exports")},
        },
    }
    messages = check_private_storage()
    assert ids(messages) == ["oscar_privacy.E009"]
    assert root in messages[0].msg


def test_encryption_keys_are_required_outside_debug(settings):
    settings.OSCAR_PRIVACY_ENCRYPTION_KEYS = []
    settings.DEBUG = False
    assert ids(check_encryption_keys()) == ["oscar_privacy.E010"]
    settings.DEBUG = True
    assert check_encryption_keys() == []


def test_every_encryption_key_must_load(settings):
    settings.OSCAR_PRIVACY_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), "not-a-key"]
    messages = check_encryption_keys()
    assert ids(messages) == ["oscar_privacy.E010"]
    assert "[1]" in messages[0].msg


@pytest.mark.django_db
def test_bank_cards_in_the_database():
    import datetime

    from django.apps import apps
    from oscar.test.factories import UserFactory

    from oscar_privacy.checks import check_no_bank_cards

    assert check_no_bank_cards(databases=["default"]) == []
    apps.get_model("payment", "Bankcard").objects.create(
        user=UserFactory(),
        card_type="Visa",
        number="4111111111111111",
        expiry_date=datetime.date(2030, 1, 31),
    )
    messages = check_no_bank_cards(databases=["default"])
    assert ids(messages) == ["oscar_privacy.W005"]
    assert "--rule bank_cards" in messages[0].hint
    # Only checks tagged "database" read it: a plain `manage.py check` does not.
    assert check_no_bank_cards() == []
    assert "oscar_privacy.W005" in ids(run_checks(databases=["default"]))
    assert "oscar_privacy.W005" not in ids(run_checks())


def test_the_bank_card_check_says_nothing_without_its_table():
    from unittest import mock

    from django.db import OperationalError

    from oscar_privacy.checks import check_no_bank_cards

    with mock.patch("django.db.models.query.QuerySet.exists", side_effect=OperationalError):
        assert check_no_bank_cards(databases=["default"]) == []
    # A shop without Oscar's payment app.
    with mock.patch("django.apps.apps.get_model", side_effect=LookupError):
        assert check_no_bank_cards(databases=["default"]) == []
