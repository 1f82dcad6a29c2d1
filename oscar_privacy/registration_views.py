"""The pages of registration without enumeration: "check your inbox", and the emailed link.

The service is :mod:`oscar_privacy.registration`; Oscar's registration views
lead here through :class:`oscar_privacy.customer.mixins.NeutralRegistrationMixin`.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views import generic

from .caching import NoStoreMixin
from .passwords import in_words
from .registration import (
    RegistrationLinkError,
    confirm_registration,
    confirmation_validity,
    read_link,
)


class RegistrationSentView(NoStoreMixin, generic.TemplateView):
    """The same page whether or not the address had an account: check your inbox."""

    template_name = "oscar_privacy/registration/sent.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(valid_for=in_words(confirmation_validity()), **kwargs)


class RegistrationConfirmView(NoStoreMixin, generic.TemplateView):
    """The page of the emailed link: a button creates the account (POST) and logs its owner in.

    A mail scanner that opens the link creates nothing. A link that creates
    nothing gets a clear page: 400 if forged or damaged, 410 if expired or used.
    """

    template_name = "oscar_privacy/registration/confirm.html"
    link_error_template_name = "oscar_privacy/registration/link_error.html"
    success_message = _("Thanks for registering!")

    def get(self, request, *args, **kwargs):
        try:
            read_link(kwargs["token"])
        except RegistrationLinkError as error:
            return self.link_error(error)
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        try:
            _user, next_url = confirm_registration(kwargs["token"], request=request)
        except RegistrationLinkError as error:
            return self.link_error(error)
        messages.success(request, self.success_message)
        return redirect(next_url)

    def link_error(self, error):
        status = 400 if error.reason == "invalid" else 410
        return TemplateResponse(
            self.request, self.link_error_template_name, {"reason": error.reason}, status=status
        )
