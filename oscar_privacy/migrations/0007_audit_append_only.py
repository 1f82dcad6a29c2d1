"""On PostgreSQL, a trigger refuses UPDATE and DELETE of audit events.

Two exceptions: the retention purge, which sets the transaction-local flag
``oscar_privacy.audit_purge`` to ``on`` (see ``AuditEventQuerySet.purge_before``),
may delete; and an UPDATE that only empties ``actor_id`` or ``subject_id`` is
let through, so that deleting a user (Django's ``SET_NULL``) still works.
Other databases rely on the ORM's guards only.
"""

from django.db import migrations

FUNCTION = "oscar_privacy_audit_append_only"
TRIGGER = "oscar_privacy_audit_append_only"

CREATE = """
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('oscar_privacy.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE'
        AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
        AND (NEW.subject_id IS NULL OR NEW.subject_id = OLD.subject_id)
        AND to_jsonb(NEW) - 'actor_id' - 'subject_id'
            = to_jsonb(OLD) - 'actor_id' - 'subject_id'
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING HINT = 'Old events leave through the audit_trail retention rule '
            '(AuditEvent.objects.purge_before).';
END
$$;
CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {function}();
"""

DROP = """
DROP TRIGGER IF EXISTS {trigger} ON {table};
DROP FUNCTION IF EXISTS {function}();
"""


def _run(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = apps.get_model("oscar_privacy", "AuditEvent")._meta.db_table
        statement = sql.format(
            function=FUNCTION, trigger=TRIGGER, table=schema_editor.quote_name(table)
        )
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(statement)  # no parameters: the "%" of RAISE stays as it is

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("oscar_privacy", "0006_staff_reset_permission"),
    ]

    operations = [
        migrations.RunPython(_run(CREATE), _run(DROP), elidable=False),
    ]
