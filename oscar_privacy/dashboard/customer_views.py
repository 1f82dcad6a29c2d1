"""The actions of the privacy panel on a customer's dashboard page: POST only, then back to it.

The panel itself is drawn by :class:`~oscar_privacy.dashboard.users.views.UserDetailView`
from :func:`oscar_privacy.customer_panel.privacy_panel`.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django.views.generic.detail import SingleObjectMixin

from oscar_privacy.customer_panel import (
    StaffActionError,
    close_customer_account,
    prepare_export_for,
)

from .request_forms import CloseAccountForm
from .request_views import MAX_ID


class CustomerActionView(SingleObjectMixin, generic.View):
    """POST only; a staff action on the customer ``pk``; messages say what happened."""

    http_method_names = ["post"]

    def get_queryset(self):
        return get_user_model()._default_manager.all()

    def get_object(self, queryset=None):
        if self.kwargs["pk"] > MAX_ID:
            raise Http404
        return super().get_object(queryset)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            message = self.perform()
        except StaffActionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, message)
        return redirect("dashboard:user-detail", pk=self.object.pk)

    def perform(self):
        raise NotImplementedError


class CustomerExportView(CustomerActionView):
    """Prepare a copy of the customer's data, handed over to them as if they had asked."""

    def perform(self):
        _export, created = prepare_export_for(
            self.object, actor=self.request.user, request=self.request
        )
        if not created:
            return _("A copy of this customer's data is already being prepared.")
        return _(
            "A copy of the data is being prepared: the customer will be emailed when they can "
            "download it from their account."
        )


class CustomerCloseView(CustomerActionView):
    """Close the customer's account, with a reason; refused for staff and closed accounts."""

    def perform(self):
        form = CloseAccountForm(self.request.POST)
        if not form.is_valid():
            raise StaffActionError(_("Give the reason for closing the account."))
        close_customer_account(
            self.object,
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
            request=self.request,
        )
        return _("The account is closed; the customer has been emailed a confirmation.")
