"""Consent records' network data encrypted at rest, like the other personal data kept as proof.

The column becomes text holding a Fernet token (``EncryptedJSONField``).
Existing values are encrypted in place with the newest key, in primary-key
batches through the database cursor: consent records are append-only for the
ORM. Going back decrypts them (values no configured key opens are left out).
"""

import json

from django.db import migrations, models

import oscar_privacy.fields

BATCH = 1000


def _rewrite(apps, schema_editor, convert):
    ConsentRecord = apps.get_model("oscar_privacy", "ConsentRecord")
    table = schema_editor.quote_name(ConsentRecord._meta.db_table)
    connection = schema_editor.connection
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, network FROM {table} "  # noqa: S608 - our own table name
                "WHERE id > %s AND network IS NOT NULL AND network <> '' ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            for pk, value in rows:
                cursor.execute(
                    f"UPDATE {table} SET network = %s WHERE id = %s",  # noqa: S608
                    [convert(value), pk],
                )
        last = rows[-1][0]


def encrypt(apps, schema_editor):
    from oscar_privacy import crypto

    _rewrite(
        apps,
        schema_editor,
        lambda plain: crypto.encrypt(json.dumps(plain).encode()).decode("ascii"),
    )


def decrypt(apps, schema_editor):
    from oscar_privacy import crypto

    # The column goes back to NOT NULL: "nothing kept" was an empty string there.
    ConsentRecord = apps.get_model("oscar_privacy", "ConsentRecord")
    table = schema_editor.quote_name(ConsentRecord._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET network = '' WHERE network IS NULL")  # noqa: S608

    def plain(token):
        try:
            return json.loads(crypto.decrypt(token.encode("ascii")))[:64]
        except (crypto.DecryptionError, UnicodeError, ValueError):
            return ""

    _rewrite(apps, schema_editor, plain)


class Migration(migrations.Migration):
    dependencies = [
        ("oscar_privacy", "0008_requests_and_groups"),
    ]

    operations = [
        migrations.AlterField(
            model_name="consentrecord",
            name="network",
            field=models.TextField(blank=True, null=True, verbose_name="network data"),
        ),
        migrations.RunPython(encrypt, decrypt, elidable=False),
        migrations.AlterField(
            model_name="consentrecord",
            name="network",
            field=oscar_privacy.fields.EncryptedJSONField(
                blank=True,
                help_text="The truncated IP address, or its keyed hash, as the settings say; encrypted at rest.",
                null=True,
                verbose_name="network data",
            ),
        ),
    ]
