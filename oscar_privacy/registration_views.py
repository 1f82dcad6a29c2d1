"""The pages of registration without enumeration: "check your inbox", and the emailed link.

The service is :mod:`oscar_privacy.registration`; Oscar's registration views
lead here through :class:`oscar_privacy.customer.mixins.NeutralRegistrationMixin`.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django.views.decorators.debug import sensitive_post_parameters

from .caching import NoStoreMixin
from .crypto import fingerprint
from .passwords import in_words
from .ratelimit import is_limited
from .registration import (
    RegistrationLinkError,
    RegistrationPasswordRefused,
    confirm_registration,
    confirmation_validity,
    read_link,
)

CONFIRM_RATE = "10/h"
"""Passwords tried on one registration link: enough for typos, not for guessing."""


class RegistrationConfirmForm(forms.Form):
    """The password chosen at registration, typed again on the emailed link's page."""

    password = forms.CharField(
        label=_("Your password"),
        help_text=_("The password you chose when you registered."),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class RegistrationSentView(NoStoreMixin, generic.TemplateView):
    """The same page whether or not the address had an account: check your inbox."""

    template_name = "oscar_privacy/registration/sent.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(valid_for=in_words(confirmation_validity()), **kwargs)


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class RegistrationConfirmView(NoStoreMixin, generic.TemplateView):
    """The page of the emailed link: the password chosen at registration, typed again, creates
    the account (POST) and logs its owner in.

    A mail scanner that opens the link creates nothing. A link that creates
    nothing gets a clear page: 400 if forged or damaged, 410 if expired or
    used. Another password is a form error; tries are limited per link.
    """

    template_name = "oscar_privacy/registration/confirm.html"
    link_error_template_name = "oscar_privacy/registration/link_error.html"
    success_message = _("Thanks for registering!")

    def get(self, request, *args, **kwargs):
        try:
            read_link(kwargs["token"])
        except RegistrationLinkError as error:
            return self.link_error(error)
        return self.render_to_response(self.get_context_data(form=RegistrationConfirmForm()))

    def post(self, request, *args, **kwargs):
        token = kwargs["token"]
        form = RegistrationConfirmForm(request.POST)
        try:
            read_link(token)
            if form.is_valid():
                if is_limited(
                    request,
                    group="oscar_privacy.registration_confirm",
                    rate=CONFIRM_RATE,
                    identifier=fingerprint(token),
                ):
                    form.add_error(None, _("Too many tries with this link: wait an hour."))
                else:
                    _user, next_url = confirm_registration(
                        token, request=request, password=form.cleaned_data["password"]
                    )
                    messages.success(request, self.success_message)
                    return redirect(next_url)
        except RegistrationLinkError as error:
            return self.link_error(error)
        except RegistrationPasswordRefused:
            form.add_error("password", _("This is not the password chosen when registering."))
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def link_error(self, error):
        status = 400 if error.reason == "invalid" else 410
        return TemplateResponse(
            self.request, self.link_error_template_name, {"reason": error.reason}, status=status
        )
