"""Privacy requests from the contact form, their history, and two staff groups.

Schema: a request may await its requester's confirmation (status
``unconfirmed``, no deadline yet, hence ``due_at`` nullable), records when it
was confirmed and the language to write to the requester in; each step of
its handling is a row of the append-only ``PrivacyRequestEvent``. A new
permission, ``view_customer_privacy``, guards the privacy panel of the
customer page in Oscar's dashboard.

Data: the groups "Privacy officer" and "Customer service" (see
``docs/requests.rst``), with the permissions below. Running it again adds
what is missing and removes nothing, so a shop's own additions to the groups
stay; reversing it leaves the groups alone (a shop may have put staff in them).

Permissions are created by Django after all migrations (``post_migrate``), so
on a new database they do not exist yet when this runs: it creates those of
this app and of the user model's app first, as ``post_migrate`` would.
Hence the dependencies on ``contenttypes`` (the table without its old
``name`` column) and ``auth`` (permission names of 255 characters): the
oldest migrations that give those tables their present shape, not the newest.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import oscar_privacy.fields

GROUPS = {
    "Privacy officer": (
        "view_consentrecord",
        "view_policyversion",
        "view_retentionrun",
        "view_auditevent",
        "view_privacyrequest",
        "change_privacyrequest",
        "view_privacyrequestevent",
        "view_dataexport",
        "add_dataexport",
        "view_accountclosure",
        "add_accountclosure",
        "reset_customer_password",
        "view_customer_privacy",
    ),
    "Customer service": (
        "view_privacyrequest",
        "change_privacyrequest",
        "view_privacyrequestevent",
        "reset_customer_password",
        "view_customer_privacy",
    ),
}
"""Each group's permissions of this app; both also get "view" on the user model
(the customer pages of Oscar's dashboard ask for it)."""


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    using = schema_editor.connection.alias
    user_app, user_model = settings.AUTH_USER_MODEL.lower().split(".")
    for label in {"oscar_privacy", user_app}:
        config = apps.get_app_config(label)
        # The historical app config has no models module: create_permissions would skip it.
        models_module = getattr(config, "models_module", None)
        config.models_module = True
        try:
            create_permissions(config, verbosity=0, using=using, apps=apps)
        finally:
            config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view_user = Permission.objects.using(using).filter(
        content_type__app_label=user_app,
        content_type__model=user_model,
        codename=f"view_{user_model}",
    )
    for name, codenames in GROUPS.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        permissions = Permission.objects.using(using).filter(
            content_type__app_label="oscar_privacy", codename__in=codenames
        )
        group.permissions.add(*permissions, *view_user)


class Migration(migrations.Migration):

    dependencies = [
        ('oscar_privacy', '0007_audit_append_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('auth', '0002_alter_permission_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='auditevent',
            options={'ordering': ['-created_at', '-pk'], 'permissions': [('reset_customer_password', 'Can send a customer a password reset link from the dashboard'), ('view_customer_privacy', 'Can see the privacy panel of a customer in the dashboard')], 'verbose_name': 'audit event', 'verbose_name_plural': 'audit events'},
        ),
        migrations.AddField(
            model_name='privacyrequest',
            name='confirmed_at',
            field=models.DateTimeField(blank=True, help_text='When the requester followed the confirmation link sent to their address.', null=True, verbose_name='confirmed at'),
        ),
        migrations.AddField(
            model_name='privacyrequest',
            name='language',
            field=models.CharField(blank=True, help_text='The language of the emails to the requester.', max_length=16, verbose_name='language'),
        ),
        migrations.AlterField(
            model_name='privacyrequest',
            name='due_at',
            field=models.DateTimeField(blank=True, help_text="One month after the request became actionable (GDPR Art. 12(3)); empty while it awaits the requester's confirmation.", null=True, verbose_name='answer due by'),
        ),
        migrations.AlterField(
            model_name='privacyrequest',
            name='status',
            field=models.CharField(choices=[('unconfirmed', "Awaiting the requester's confirmation"), ('received', 'Received'), ('in_progress', 'In progress'), ('done', 'Answered'), ('refused', 'Refused')], default='received', max_length=16, verbose_name='status'),
        ),
        migrations.CreateModel(
            name='PrivacyRequestEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='date and time')),
                ('action', models.CharField(choices=[('received', 'Received'), ('confirmed', 'Confirmed by the requester'), ('assigned', 'Assigned'), ('status', 'Status changed'), ('note', 'Note'), ('extended', 'Deadline extended'), ('decided', 'Decided'), ('email', 'Email sent'), ('account_closed', 'Account closed'), ('export', 'Copy of the data prepared')], max_length=16, verbose_name='action')),
                ('actor_label', models.CharField(max_length=150, verbose_name='actor label')),
                ('status', models.CharField(choices=[('unconfirmed', "Awaiting the requester's confirmation"), ('received', 'Received'), ('in_progress', 'In progress'), ('done', 'Answered'), ('refused', 'Refused')], max_length=16, verbose_name='status afterwards')),
                ('note', oscar_privacy.fields.EncryptedJSONField(blank=True, help_text='Encrypted at rest.', null=True, verbose_name='note')),
                ('data', models.JSONField(blank=True, default=dict, verbose_name='details')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='actor')),
                ('privacy_request', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='history', to='oscar_privacy.privacyrequest', verbose_name='privacy request')),
            ],
            options={
                'verbose_name': 'privacy request event',
                'verbose_name_plural': 'privacy request events',
                'ordering': ['created_at', 'pk'],
            },
        ),
        migrations.RunPython(create_groups, migrations.RunPython.noop, elidable=False),
    ]
