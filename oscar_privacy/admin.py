"""Django's admin: the audit trail read-only, and the user model's admin guarded on every site."""

import functools

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .account_deletion import deleting_accounts, deletion_refusal, record_refusal
from .exceptions import PasswordResetRefused
from .models import AuditEvent
from .staff_account_forms import AccountInvitationForm, EmailChangeReasonMixin, invitation_fields
from .staff_accounts import account_snapshot, invite_account, record_account_changes
from .wiring import with_mixin


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


class UserAdminGuardMixin:
    """For the user model's admin, on any admin site: nobody sets another person's password.

    - No password row on the change page (Django shows the hash's algorithm
      and a part of it, with a "Reset password" link), for any account.
    - The set-password page (``<id>/password/``) answers 403 for another
      person's account, staff or customer; for one's own account it leads
      to the admin's own change-password page, which asks for the current
      password.
    - The add page asks for a login and an email address, no password: the
      account is created without one and its owner is emailed a link to
      choose it (:func:`oscar_privacy.staff_accounts.invite_account`).
    - Changing an email address needs a reason; it is audited and the old
      address is told. Changes of access (active, staff status, superuser,
      groups, permissions) are audited.
    - Deleting an account, one or "delete selected", is refused with the
      reason for customers, closed accounts and accounts linked to orders
      (:func:`oscar_privacy.account_deletion.deletion_refusal`): nothing is
      deleted then. Allowed deletions are audited with the admin's name.

    oscar-privacy puts it in front of the user admin of Django's default
    site (:func:`guard_user_admin`); a project that registers the user model
    on another site, or its own user admin, adds it (check
    ``oscar_privacy.E025`` lists any site left out).
    """

    oscar_privacy_guard = True
    add_form_template = "oscar_privacy/admin/user_add_form.html"

    @property
    def surface(self):
        return f"django_admin:{self.admin_site.name}"

    # Passwords ---------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"classes": ["wide"], "fields": invitation_fields()})]
        email = get_user_model().get_email_field_name()
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            fields = []
            for field in options.get("fields", ()):
                if field == "password":
                    continue
                fields.append(field)
                if field == email:
                    fields.append("email_change_reason")
            fieldsets.append((name, {**options, "fields": fields}))
        return fieldsets

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = AccountInvitationForm
        else:
            kwargs["form"] = with_reason(kwargs.get("form", self.form))
        return super().get_form(request, obj, **kwargs)

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        if user is None:
            return super().user_change_password(request, id, form_url)
        if user.pk == request.user.pk:
            return redirect(f"{self.admin_site.name}:password_change")
        raise PermissionDenied("Nobody sets another person's password: send a reset link.")

    # Creating and changing accounts -------------------------------------------

    def save_model(self, request, obj, form, change):
        if change:
            request._oscar_privacy_before = account_snapshot(obj)
        super().save_model(request, obj, form, change)
        if not change:
            self._invite(request, obj)

    def _invite(self, request, user):
        try:
            invite_account(user, actor=request.user, request=request, surface=self.surface)
        except PasswordResetRefused:
            self.message_user(
                request,
                _("No invitation was sent: the account is inactive or has no email address."),
                messages.WARNING,
            )
        else:
            self.message_user(
                request,
                _("An email invites the owner of the account to choose their password."),
                messages.SUCCESS,
            )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before = getattr(request, "_oscar_privacy_before", None)
        if change and before is not None:
            record_account_changes(
                form.instance,
                before=before,
                actor=request.user,
                reason=form.cleaned_data.get("email_change_reason", ""),
                request=request,
                surface=self.surface,
            )

    # Deleting accounts ----------------------------------------------------------

    def has_delete_permission(self, request, obj=None):
        if obj is not None and deletion_refusal(obj) is not None:
            return False  # no "Delete" link on its page
        return super().has_delete_permission(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        user = self.get_object(request, unquote(object_id))
        if user is not None:
            if not super().has_delete_permission(request, user):
                raise PermissionDenied
            refusal = deletion_refusal(user)
            if refusal is not None:
                record_refusal(user, refusal, request=request, surface=self.surface)
                self.message_user(request, str(refusal), messages.ERROR)
                return redirect(self._change_url(user))
        with deleting_accounts(actor=request.user, request=request, surface=self.surface):
            return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            func, name, description = actions["delete_selected"]
            actions["delete_selected"] = (guarded_delete_selected(func), name, description)
        return actions

    def _change_url(self, user):
        opts = self.opts
        try:
            return reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                args=[user.pk],
            )
        except NoReverseMatch:
            return reverse(f"{self.admin_site.name}:index")


@functools.cache
def with_reason(form_class):
    """``form_class`` asking for a reason to change the email address (one class per form)."""
    return with_mixin(EmailChangeReasonMixin, form_class)


def guarded_delete_selected(action):
    """Django's "delete selected" ``action``, refusing at once if any selected account may not go.

    Nothing is deleted then, not even the accounts that could be: staff
    see which and why, and select again.
    """

    def delete_selected(modeladmin, request, queryset):
        refused = {}
        for user in queryset:
            refusal = deletion_refusal(user)
            if refusal is not None:
                record_refusal(user, refusal, request=request, surface=modeladmin.surface)
                refused.setdefault(refusal.code, (refusal, []))[1].append(user)
        if refused:
            for refusal, users in refused.values():
                modeladmin.message_user(
                    request,
                    ngettext(
                        "Nothing was deleted. %(count)d selected account cannot be: %(reason)s",
                        "Nothing was deleted. %(count)d selected accounts cannot be: %(reason)s",
                        len(users),
                    )
                    % {"count": len(users), "reason": refusal},
                    messages.ERROR,
                )
            return None
        with deleting_accounts(actor=request.user, request=request, surface=modeladmin.surface):
            return action(modeladmin, request, queryset)

    delete_selected.allowed_permissions = getattr(action, "allowed_permissions", ("delete",))
    return delete_selected


CustomerPasswordGuardMixin = UserAdminGuardMixin
"""The mixin's former name, for projects that already use it."""


def is_guarded(model_admin):
    """Whether ``model_admin`` (a user model's admin) has :class:`UserAdminGuardMixin`."""
    return isinstance(model_admin, UserAdminGuardMixin)


def guard_user_admin(site=admin.site):
    """Put :class:`UserAdminGuardMixin` in front of the user model's admin registered on ``site``.

    Call it for each admin site of the project that registers the user
    model, after registering it.
    """
    from django.contrib.auth import admin as auth_admin  # noqa: F401  (registers UserAdmin)

    user_model = get_user_model()
    if not site.is_registered(user_model):
        return
    current = type(site.get_model_admin(user_model))
    if issubclass(current, UserAdminGuardMixin):
        return
    site.unregister(user_model)
    site.register(user_model, with_mixin(UserAdminGuardMixin, current))


guard_user_admin()
