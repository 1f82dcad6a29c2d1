"""The partner users pages of Oscar's dashboard: invitations, no password, audited access."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_class

from oscar_privacy.exceptions import PasswordResetRefused
from oscar_privacy.staff_accounts import account_snapshot, invite_account, record_account_changes

from .forms import PartnerUserForm, PartnerUserInvitationForm

SURFACE = "oscar_dashboard_partners"

OscarPartnerUserCreateView = get_class("dashboard.partners.views", "PartnerUserCreateView")
OscarPartnerUserUpdateView = get_class("dashboard.partners.views", "PartnerUserUpdateView")
OscarPartnerUserLinkView = get_class("dashboard.partners.views", "PartnerUserLinkView")
OscarPartnerUserUnlinkView = get_class("dashboard.partners.views", "PartnerUserUnlinkView")


class PartnerUserCreateView(OscarPartnerUserCreateView):
    """Create a partner's user with no password; its owner is emailed a link to choose one."""

    form_class = PartnerUserInvitationForm

    def form_valid(self, form):
        response = super().form_valid(form)
        try:
            invite_account(
                self.object, actor=self.request.user, request=self.request, surface=SURFACE
            )
        except PasswordResetRefused:
            messages.warning(self.request, _("No invitation was sent: the account is inactive."))
        else:
            messages.success(
                self.request,
                _("An email invites the owner of the account to choose their password."),
            )
        return response


class PartnerUserUpdateView(OscarPartnerUserUpdateView):
    """Names and role of a partner's user, no password; a change of role is audited."""

    form_class = PartnerUserForm

    def form_valid(self, form):
        before = account_snapshot(self.object)
        response = super().form_valid(form)
        record_account_changes(
            self.object,
            before=before,
            actor=self.request.user,
            request=self.request,
            surface=SURFACE,
        )
        return response


class AuditedLinkMixin:
    """Linking an account to a partner, or unlinking it, changes its access: audited."""

    def post(self, request, user_pk, partner_pk):
        user = get_user_model()._default_manager.filter(pk=user_pk).first()
        before = account_snapshot(user) if user is not None else None
        response = super().post(request, user_pk, partner_pk)
        if before is not None:
            record_account_changes(
                user, before=before, actor=request.user, request=request, surface=SURFACE
            )
        return response


class PartnerUserLinkView(AuditedLinkMixin, OscarPartnerUserLinkView):
    pass


class PartnerUserUnlinkView(AuditedLinkMixin, OscarPartnerUserUnlinkView):
    pass
