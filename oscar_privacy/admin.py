from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from .adapter import get_adapter
from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = [
        "created_at",
        "kind",
        "action",
        "actor_label",
        "subject",
        "target_type",
        "target_id",
    ]
    list_filter = ["kind", "action"]
    search_fields = ["action", "actor_label", "reason"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CustomerPasswordGuardMixin:
    """For the user model's admin: staff can neither see nor set a customer's password.

    On a customer's page the password row (hash summary and "Reset password"
    link) is gone, and the set-password page answers 403: the customer
    dashboard's reset link is the way. Staff accounts keep Django's form, for
    superusers who set up their colleagues. oscar-privacy applies this to the
    registered ``UserAdmin`` itself; a project that registers its own user
    admin after that adds the mixin to it.
    """

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or get_adapter().is_protected_user(obj):
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for name, options in fieldsets
        ]

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        if user is not None and not get_adapter().is_protected_user(user):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


def guard_user_admin(site=admin.site):
    """Put :class:`CustomerPasswordGuardMixin` in front of the user model's registered admin."""
    from django.contrib.auth import admin as auth_admin  # noqa: F401  (registers UserAdmin)

    user_model = get_user_model()
    if not site.is_registered(user_model):
        return
    current = type(site.get_model_admin(user_model))
    if issubclass(current, CustomerPasswordGuardMixin):
        return
    site.unregister(user_model)
    site.register(user_model, type(current.__name__, (CustomerPasswordGuardMixin, current), {}))


guard_user_admin()
