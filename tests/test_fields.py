"""EncryptedJSONField: encrypted at rest, rotatable keys, a clear marker when a key is missing."""

import datetime
import json

import pytest
from cryptography.fernet import Fernet
from django.core import serializers
from django.core.exceptions import FieldError
from django.db import connection

from oscar_privacy.fields import Undecryptable, is_readable, reencrypt
from oscar_privacy.models import PrivacyRequest

pytestmark = pytest.mark.django_db

DETAILS = {
    "first_name": "Zoé",
    "last_name": "Dupont",
    "message": "<script>alert('x')</script> j'ai perdu mon identifiant",
    "nested": {"list": [1, 2.5, None, True]},
}
OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def raw_column(privacy_request):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT details FROM {PrivacyRequest._meta.db_table} WHERE id = %s",  # noqa: S608
            [privacy_request.pk],
        )
        return cursor.fetchone()[0]


def new_request(details=DETAILS):
    return PrivacyRequest.objects.create(kind=PrivacyRequest.Kind.RECOVERY, details=details)


def test_the_value_round_trips_and_the_column_holds_no_plain_text():
    privacy_request = new_request()
    token = raw_column(privacy_request)
    for plain in ("Zoé", "Dupont", "script", "identifiant"):
        assert plain not in token
    assert token.startswith("gAAAAA")  # a Fernet token: version byte 0x80, base64url
    assert PrivacyRequest.objects.get(pk=privacy_request.pk).details == DETAILS


def test_each_save_makes_a_new_token_of_the_same_value():
    privacy_request = new_request()
    first = raw_column(privacy_request)
    privacy_request.save()
    assert raw_column(privacy_request) != first
    assert PrivacyRequest.objects.get(pk=privacy_request.pk).details == DETAILS


def test_dates_are_stored_as_iso_strings():
    privacy_request = new_request({"last_order_date": datetime.date(2026, 3, 1)})
    assert PrivacyRequest.objects.get(pk=privacy_request.pk).details == {
        "last_order_date": "2026-03-01"
    }


def test_an_old_key_still_decrypts_and_reencrypt_moves_rows_to_the_new_key(settings):
    settings.OSCAR_PRIVACY_ENCRYPTION_KEYS = [OLD_KEY]
    privacy_request = new_request()
    settings.OSCAR_PRIVACY_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert PrivacyRequest.objects.get(pk=privacy_request.pk).details == DETAILS
    assert reencrypt(PrivacyRequest.objects.all(), "details") == (1, 0)
    settings.OSCAR_PRIVACY_ENCRYPTION_KEYS = [NEW_KEY]  # the old key is gone
    assert PrivacyRequest.objects.get(pk=privacy_request.pk).details == DETAILS
    assert (
        Fernet(NEW_KEY).decrypt(raw_column(privacy_request).encode())
        == json.dumps(DETAILS, separators=(",", ":")).encode()
    )


def test_a_token_no_key_opens_loads_as_a_marker_and_is_written_back_unchanged(settings):
    settings.OSCAR_PRIVACY_ENCRYPTION_KEYS = [OLD_KEY]
    privacy_request = new_request()
    token = raw_column(privacy_request)
    settings.OSCAR_PRIVACY_ENCRYPTION_KEYS = [NEW_KEY]
    loaded = PrivacyRequest.objects.get(pk=privacy_request.pk)
    assert isinstance(loaded.details, Undecryptable)
    assert not is_readable(loaded.details)
    assert not loaded.details and str(loaded.details) == ""
    loaded.status = PrivacyRequest.Status.IN_PROGRESS
    loaded.save()
    assert raw_column(privacy_request) == token
    assert reencrypt(PrivacyRequest.objects.all(), "details") == (0, 1)
    settings.OSCAR_PRIVACY_ENCRYPTION_KEYS = [OLD_KEY]  # the key is found again
    assert PrivacyRequest.objects.get(pk=privacy_request.pk).details == DETAILS


def test_a_damaged_token_loads_as_a_marker():
    privacy_request = new_request()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {PrivacyRequest._meta.db_table} SET details = %s WHERE id = %s",  # noqa: S608
            ["not a token é", privacy_request.pk],
        )
    assert not is_readable(PrivacyRequest.objects.get(pk=privacy_request.pk).details)


def test_only_isnull_lookups_are_allowed():
    new_request()
    assert PrivacyRequest.objects.filter(details__isnull=False).count() == 1
    with pytest.raises(FieldError):
        PrivacyRequest.objects.filter(details="Dupont").count()
    with pytest.raises(FieldError):
        PrivacyRequest.objects.filter(details__icontains="Dupont").count()


def test_serialisation_keeps_the_token_and_loads_back():
    privacy_request = new_request()
    dumped = serializers.serialize("json", [privacy_request])
    assert "Dupont" not in dumped
    PrivacyRequest.objects.all().delete()
    for obj in serializers.deserialize("json", dumped):
        obj.save()
    assert PrivacyRequest.objects.get(pk=privacy_request.pk).details == DETAILS
