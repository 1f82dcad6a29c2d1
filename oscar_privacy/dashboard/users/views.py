"""The customers dashboard: the customer's page with its privacy panel, and the password
reset with a reason and no password in sight."""

import logging

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from django.views.generic.detail import SingleObjectMixin
from oscar.core.loading import get_class

from oscar_privacy.conf import app_settings
from oscar_privacy.customer_panel import privacy_panel, record_panel_view
from oscar_privacy.exceptions import PasswordResetRefused
from oscar_privacy.staff_accounts import account_snapshot, record_account_changes
from oscar_privacy.staff_reset import may_reset, reset_customer_password, staff_reset_throttled

from .forms import PasswordResetReasonForm

logger = logging.getLogger(__name__)

OscarUserDetailView = get_class("dashboard.users.views", "UserDetailView")

PANEL_PERMISSION = "oscar_privacy.view_customer_privacy"


class UserDetailView(OscarUserDetailView):
    """Oscar's customer page, with the privacy panel for staff allowed to see it.

    The panel (``privacy_panel`` in the context, drawn by the template
    ``oscar/dashboard/users/detail.html`` of ``oscar_privacy.dashboard``)
    needs ``oscar_privacy.view_customer_privacy``; each view of it is
    recorded in the audit trail.
    """

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.request.user.has_perm(PANEL_PERMISSION):
            ctx["privacy_panel"] = privacy_panel(self.object)
            record_panel_view(self.object, request=self.request)
        return ctx


REFUSALS = {
    "inactive": _("This account is inactive: no reset link was sent."),
    "closed": _("This account is closed: no reset link was sent."),
    "no_email": _("This account has no email address: no reset link was sent."),
}


class PasswordResetView(SingleObjectMixin, FormView):
    """POST only. Oscar's "Send password reset email" button lands here.

    Without a ``reason`` in the post (Oscar's button sends none) the page
    asks for one; with a valid reason the link is sent to the registered
    address and staff go back to the customer's page. An unknown id is a
    404 and a staff account, unless the user is a superuser, a 403; too
    many links to one account within the rate's window, a 429: in none of
    these cases is anything sent.
    """

    http_method_names = ["post"]
    form_class = PasswordResetReasonForm
    template_name = "oscar_privacy/dashboard/password_reset.html"
    context_object_name = "customer"

    def get_queryset(self):
        return get_user_model()._default_manager.all()

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not may_reset(request.user, self.object):
            raise PermissionDenied
        if "reason" not in request.POST:
            return self.render_to_response(self.get_context_data(form=self.form_class()))
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["disables_password"] = app_settings.STAFF_RESET_DISABLES_PASSWORD
        return ctx

    def form_valid(self, form):
        customer = self.object
        if staff_reset_throttled(self.request, customer):
            return self.render_to_response(
                self.get_context_data(form=form, throttled=True), status=429
            )
        try:
            reset_customer_password(
                customer,
                actor=self.request.user,
                reason=form.cleaned_data["reason"],
                request=self.request,
            )
        except PasswordResetRefused as exc:
            messages.error(self.request, REFUSALS.get(exc.reason, _("No reset link was sent.")))
        except Exception:
            # The email backend failed (SMTP, provider API): nothing was changed.
            logger.exception("The password reset email to account #%s failed.", customer.pk)
            messages.error(
                self.request,
                _("The email could not be sent; the account was not changed. Please try again."),
            )
        else:
            messages.success(
                self.request,
                _("A password reset link has been sent to the customer's registered address."),
            )
        return redirect(self.get_success_url())

    def get_success_url(self):
        return reverse("dashboard:user-detail", kwargs={"pk": self.object.pk})


class ActiveStatusAuditMixin:
    """For Oscar's customer list: its "make active" / "make inactive" actions are audited.

    Each account whose status changed gets ``account.access_changed``, as on
    every staff page that changes what an account may open.
    """

    def _change_users_active_status(self, users, value):
        users = list(users)
        before = {user.pk: account_snapshot(user) for user in users}
        response = super()._change_users_active_status(users, value)
        for user in users:
            record_account_changes(
                user,
                before=before[user.pk],
                actor=self.request.user,
                request=self.request,
                surface="oscar_dashboard_users",
            )
        return response
