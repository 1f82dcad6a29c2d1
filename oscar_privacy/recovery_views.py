"""The public account recovery pages: the form, and the answer that reveals nothing.

The service is :mod:`oscar_privacy.recovery`; staff decide in the dashboard.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django.views.decorators.debug import sensitive_post_parameters

from .caching import NoStoreMixin
from .password_views import throttled_response
from .recovery import recovery_request_throttled, recovery_retry_after, submit_recovery_request
from .recovery_forms import AccountRecoveryForm


class LoggedOutOnlyMixin:
    """A logged-in customer knows their login: My Account shows it, and their email."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            messages.info(
                request,
                _("You are logged in: your login and email address are shown in your profile."),
            )
            return redirect("customer:profile-view")
        return super().dispatch(request, *args, **kwargs)


@method_decorator(sensitive_post_parameters(), name="dispatch")
class AccountRecoveryView(NoStoreMixin, LoggedOutOnlyMixin, generic.FormView):
    """Ask staff to find an account from the facts the person remembers.

    Rate limited per IP address (HTTP 429 over the limit). Whatever happens
    next, the person is sent to the same answer page.
    """

    form_class = AccountRecoveryForm
    template_name = "oscar_privacy/recovery/form.html"
    throttled_template_name = "oscar_privacy/recovery/throttled.html"
    success_url = reverse_lazy("oscar_privacy:account-recovery-sent")

    def post(self, request, *args, **kwargs):
        if recovery_request_throttled(request):
            return self.throttled()
        return super().post(request, *args, **kwargs)

    def throttled(self):
        return throttled_response(
            self.request, self.throttled_template_name, recovery_retry_after()
        )

    def form_valid(self, form):
        if not form.is_robot():
            submit_recovery_request(form.details(), request=self.request)
        return super().form_valid(form)


class AccountRecoverySentView(NoStoreMixin, LoggedOutOnlyMixin, generic.TemplateView):
    """The same answer for everyone: what happens next, and what if the mailbox is gone."""

    template_name = "oscar_privacy/recovery/sent.html"
