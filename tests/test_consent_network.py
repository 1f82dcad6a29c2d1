"""Consent records' network data is encrypted at rest; migration 0009 encrypts what was there."""

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from oscar_privacy import crypto
from oscar_privacy.consent import record_consents
from oscar_privacy.models import ConsentAction, ConsentChannel, ConsentPurpose, ConsentRecord

BEFORE = [("oscar_privacy", "0008_requests_and_groups")]
AFTER = [("oscar_privacy", "0009_consent_network_encrypted")]


def raw_network(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT network FROM oscar_privacy_consentrecord WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_column_holds_a_token_and_the_model_the_address(rf, settings):
    settings.OSCAR_PRIVACY_CONSENT_NETWORK_DATA = "truncated_ip"
    request = rf.post("/", REMOTE_ADDR="203.0.113.77")
    (record,) = record_consents(
        [(ConsentPurpose.NEWSLETTER, ConsentAction.GIVEN, None)],
        channel=ConsentChannel.MY_ACCOUNT,
        email="camille@example.com",
        request=request,
    )
    stored = raw_network(record.pk)
    assert "203.0.113" not in stored
    assert json.loads(crypto.decrypt(stored.encode())) == "203.0.113.0/24"
    assert ConsentRecord.objects.get(pk=record.pk).network == "203.0.113.0/24"


@pytest.mark.django_db
def test_nothing_is_stored_when_nothing_is_kept(settings):
    settings.OSCAR_PRIVACY_CONSENT_NETWORK_DATA = "none"
    (record,) = record_consents(
        [(ConsentPurpose.NEWSLETTER, ConsentAction.GIVEN, None)],
        channel=ConsentChannel.MY_ACCOUNT,
        email="camille@example.com",
    )
    assert raw_network(record.pk) is None


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_values_and_going_back_decrypts_them():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            for network in ("198.51.100.0/24", ""):
                cursor.execute(
                    "INSERT INTO oscar_privacy_consentrecord "
                    "(created_at, email, purpose, action, channel, order_number, network) "
                    "VALUES (CURRENT_TIMESTAMP, 'a@example.com', 'newsletter', 'given', "
                    "'my_account', '', %s)",
                    [network],
                )
            cursor.execute("SELECT id FROM oscar_privacy_consentrecord ORDER BY id")
            with_network, empty = (row[0] for row in cursor.fetchall())

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        token = raw_network(with_network)
        assert token != "198.51.100.0/24"
        assert json.loads(crypto.decrypt(token.encode())) == "198.51.100.0/24"
        assert ConsentRecord.objects.get(pk=with_network).network == "198.51.100.0/24"
        assert ConsentRecord.objects.get(pk=empty).network is None
        (none_kept,) = record_consents(
            [(ConsentPurpose.NEWSLETTER, ConsentAction.GIVEN, None)],
            channel=ConsentChannel.MY_ACCOUNT,
            email="b@example.com",
        )
        assert raw_network(none_kept.pk) is None

        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        assert raw_network(with_network) == "198.51.100.0/24"
        assert raw_network(none_kept.pk) == ""
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
