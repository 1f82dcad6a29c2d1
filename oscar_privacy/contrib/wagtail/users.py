"""Wagtail's user admin (``/cms/users/``), guarded like Django's admin.

:func:`guard_user_viewset` wraps the user viewset that ``wagtail.users`` is
configured with (``WagtailUsersAppConfig.user_viewset``: Wagtail's own, or a
project's), and :func:`install` points ``wagtail.users`` at the wrapped
class when this app is ready, before Wagtail builds its admin:

- the create and edit forms have no password fields, whatever
  ``WAGTAILUSERS_PASSWORD_ENABLED`` says; a new account has no password and
  its owner is emailed a link to choose one
  (:func:`oscar_privacy.staff_accounts.invite_account`);
- changing an email address needs a reason, is audited and tells the old
  address; changes of access (active, administrator, groups) are audited
  (:func:`oscar_privacy.staff_accounts.record_account_changes`);
- deleting a customer, a closed account or an account linked to orders is
  refused with the reason (:mod:`oscar_privacy.account_deletion`); other
  deletions are audited with the editor's name.

The bulk actions of the user list are guarded in ``wagtail_hooks``.
"""

import functools
import sys

from django.apps import apps
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.functional import cached_property
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from oscar_privacy.account_deletion import deleting_accounts, deletion_refusal, record_refusal
from oscar_privacy.exceptions import PasswordResetRefused
from oscar_privacy.staff_account_forms import EmailChangeReasonMixin, refuse_email_in_use
from oscar_privacy.staff_accounts import account_snapshot, invite_account, record_account_changes
from oscar_privacy.wiring import with_mixin

SURFACE = "wagtail"
EDIT_TEMPLATE = "oscar_privacy/wagtail/users/edit.html"


class NoPasswordFormMixin:
    """Wagtail's user forms without their password fields, whatever the settings say."""

    password_enabled = False


class InvitationFormMixin(NoPasswordFormMixin):
    """Wagtail's creation form: an account without a password, at an address no one else has."""

    def clean(self):
        cleaned = super().clean()
        refuse_email_in_use(self, cleaned)
        return cleaned

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
            self.save_m2m()
        return user


class ChangeFormMixin(NoPasswordFormMixin, EmailChangeReasonMixin):
    """Wagtail's edit form: no password fields, and a reason to change the email address."""


@functools.cache
def guarded_form(form_class, *, for_update):
    """``form_class`` (one of the viewset's user forms) with no password in it."""
    return with_mixin(ChangeFormMixin if for_update else InvitationFormMixin, form_class)


class InvitingCreateViewMixin:
    """The new account's owner is emailed a link to choose their password."""

    def save_instance(self):
        user = super().save_instance()
        try:
            invite_account(user, actor=self.request.user, request=self.request, surface=SURFACE)
        except PasswordResetRefused:
            messages.warning(
                self.request,
                _("No invitation was sent: the account is inactive or has no email address."),
            )
        else:
            messages.success(
                self.request,
                _("An email invites the owner of the account to choose their password."),
            )
        return user


class AuditedEditViewMixin:
    """Email address and access changes are audited; the old address is told."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.account_before = account_snapshot(self.object)

    def save_instance(self):
        user = super().save_instance()
        record_account_changes(
            user,
            before=self.account_before,
            actor=self.request.user,
            reason=self.form.cleaned_data.get("email_change_reason", ""),
            request=self.request,
            surface=SURFACE,
        )
        return user


class GuardedDeleteViewMixin:
    """Refuse, with the reason, to delete what must be closed or kept; audit the rest."""

    def dispatch(self, request, *args, **kwargs):
        from wagtail.users.utils import user_can_delete_user

        if not user_can_delete_user(request.user, self.object):
            raise PermissionDenied
        refusal = deletion_refusal(self.object)
        if refusal is not None:
            record_refusal(self.object, refusal, request=request, surface=SURFACE)
            messages.error(request, str(refusal))
            return redirect(edit_url(self.object))
        with deleting_accounts(actor=request.user, request=request, surface=SURFACE):
            return super().dispatch(request, *args, **kwargs)


def edit_url(user):
    """The user's page in Wagtail's user admin (the list if it has none)."""
    try:
        return reverse("wagtailusers_users:edit", args=[user.pk])
    except NoReverseMatch:
        return reverse("wagtailadmin_home")


def list_url(request):
    """Where a refused bulk action leads: the page it came from, or the user list."""
    from wagtail.admin.utils import get_valid_next_url_from_request

    return get_valid_next_url_from_request(request) or reverse("wagtailusers_users:index")


class GuardedUserViewSetMixin:
    """Mixed in front of the configured user viewset by :func:`guard_user_viewset`."""

    oscar_privacy_guard = True

    def get_form_class(self, for_update=False):
        return guarded_form(super().get_form_class(for_update), for_update=for_update)

    @cached_property
    def edit_template_name(self):
        return [EDIT_TEMPLATE]


def guard_user_viewset(viewset_class):
    """``viewset_class`` (a Wagtail user viewset) with the guards above; once only."""
    if getattr(viewset_class, "oscar_privacy_guard", False):
        return viewset_class
    return type(
        viewset_class.__name__,
        (GuardedUserViewSetMixin, viewset_class),
        {
            "__module__": __name__,
            "add_view_class": with_mixin(InvitingCreateViewMixin, viewset_class.add_view_class),
            # "Copy" creates an account too, from another's names and groups.
            "copy_view_class": with_mixin(InvitingCreateViewMixin, viewset_class.copy_view_class),
            "edit_view_class": with_mixin(AuditedEditViewMixin, viewset_class.edit_view_class),
            "delete_view_class": with_mixin(
                GuardedDeleteViewMixin, viewset_class.delete_view_class
            ),
        },
    )


GUARDED_PATH = f"{__name__}.UserViewSet"
"""Where ``wagtail.users`` finds the guarded viewset once :func:`install` ran."""


def install():
    """Point ``wagtail.users`` at the guarded version of its configured user viewset.

    Called by this app's ``ready()``; Wagtail imports the viewset later,
    when it builds its admin URLs.
    """
    try:
        config = apps.get_app_config("wagtailusers")
    except LookupError:
        return
    if config.user_viewset == GUARDED_PATH:
        return
    module = sys.modules[__name__]
    module.UserViewSet = guard_user_viewset(import_string(config.user_viewset))
    config.user_viewset = GUARDED_PATH


# Bulk actions of the user list ---------------------------------------------------

BULK_SURFACE = "wagtail_bulk"


def refuse_bulk_deletion(request, users):
    """Whether any of ``users`` may not be deleted; if so, staff are told which and why.

    Nothing is deleted then, not even the accounts that could be.
    """
    refused = {}
    for user in users:
        refusal = deletion_refusal(user)
        if refusal is not None:
            record_refusal(user, refusal, request=request, surface=BULK_SURFACE)
            refused.setdefault(refusal.code, (refusal, []))[1].append(user)
    for refusal, accounts in refused.values():
        messages.error(
            request,
            ngettext(
                "Nothing was deleted. %(count)d selected account cannot be: %(reason)s",
                "Nothing was deleted. %(count)d selected accounts cannot be: %(reason)s",
                len(accounts),
            )
            % {"count": len(accounts), "reason": refusal},
        )
    return bool(refused)


def guarded_delete_bulk_action():
    """Wagtail's "Delete" bulk action of users, refusing before the confirmation page.

    Registered in place of Wagtail's by this app's ``wagtail_hooks``.
    """
    from wagtail.users.views.bulk_actions import DeleteBulkAction

    class GuardedDeleteBulkAction(DeleteBulkAction):
        oscar_privacy_guard = True

        def dispatch(self, request, *args, **kwargs):
            users, _without_access = self.get_actionable_objects()
            if refuse_bulk_deletion(request, users):
                return redirect(list_url(request))
            with deleting_accounts(actor=request.user, request=request, surface=BULK_SURFACE):
                return super().dispatch(request, *args, **kwargs)

    return GuardedDeleteBulkAction


def snapshot_before_bulk_action(request, action_type, objects, action):
    """``before_bulk_action`` hook: remember the access of the accounts a bulk action changes."""
    if getattr(action, "model", None) is get_user_model() and action_type != "delete":
        action.oscar_privacy_before = {user.pk: account_snapshot(user) for user in objects}


def audit_after_bulk_action(request, action_type, objects, action):
    """``after_bulk_action`` hook: audit the access a bulk action changed (roles, active)."""
    before = getattr(action, "oscar_privacy_before", None)
    if before is None:
        return
    for user in objects:
        if user.pk in before:
            record_account_changes(
                user,
                before=before[user.pk],
                actor=request.user,
                request=request,
                surface=BULK_SURFACE,
            )
