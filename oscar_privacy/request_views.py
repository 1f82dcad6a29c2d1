"""The public privacy request pages: the form, the answer, and the confirmation link.

The services are :mod:`oscar_privacy.requests`; staff handle the requests
in the dashboard.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse_lazy
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.views import generic

from .caching import NoStoreMixin
from .password_views import throttled_response
from .request_forms import PrivacyRequestForm
from .request_mail import ConfirmationLinkError, request_for_token
from .requests import confirm_request, request_retry_after, request_throttled, submit_request

EMAIL_MAX_LENGTH = 254


class PrivacyRequestView(NoStoreMixin, generic.FormView):
    """Send a privacy request. ``?kind=closure`` (or another kind) ticks that kind.

    Rate limited per IP address and per email address (HTTP 429 over a
    limit, nothing stored). A visitor gets the same answer page whatever
    the address; a filled honeypot gets it too, and nothing is stored.
    """

    form_class = PrivacyRequestForm
    template_name = "oscar_privacy/requests/form.html"
    throttled_template_name = "oscar_privacy/requests/throttled.html"
    success_url = reverse_lazy("oscar_privacy:contact-sent")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return {"kind": self.request.GET.get("kind", "")}

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            email = request.user.email
        else:
            email = request.POST.get("email", "")
            if len(email) > EMAIL_MAX_LENGTH:
                email = ""  # refused by the form: only the IP limit counts it
        if request_throttled(request, email):
            return throttled_response(request, self.throttled_template_name, request_retry_after())
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        if form.is_robot():
            return super().form_valid(form)
        data = form.cleaned_data
        privacy_request = submit_request(
            data["kind"],
            message=data["message"],
            name=data.get("name", ""),
            email=data.get("email", ""),
            user=self.request.user,
            request=self.request,
        )
        if form.identified:
            messages.success(
                self.request,
                _(
                    "Your request %(reference)s has been received. We will answer by "
                    "%(date)s at the latest, and have emailed you an acknowledgement."
                )
                % {
                    "reference": privacy_request.reference,
                    "date": date_format(localtime(privacy_request.deadline), "DATE_FORMAT"),
                },
            )
        return super().form_valid(form)


class PrivacyRequestSentView(NoStoreMixin, generic.TemplateView):
    """What happens next. For a visitor, the same page whether or not the address is known."""

    template_name = "oscar_privacy/requests/sent.html"


class LinkErrorMixin:
    """A confirmation link that confirms nothing: 400 if forged, 410 if expired or used."""

    link_error_template_name = "oscar_privacy/requests/link_error.html"

    def link_error(self, error):
        status = 400 if error.reason == "invalid" else 410
        return TemplateResponse(
            self.request, self.link_error_template_name, {"reason": error.reason}, status=status
        )


class ConfirmRequestView(NoStoreMixin, LinkErrorMixin, generic.TemplateView):
    """The page of the emailed link: a button confirms (POST), so that a mail
    scanner opening the link confirms nothing."""

    template_name = "oscar_privacy/requests/confirm.html"

    def get(self, request, *args, **kwargs):
        try:
            privacy_request = request_for_token(kwargs["token"])
        except ConfirmationLinkError as error:
            return self.link_error(error)
        return self.render_to_response(self.get_context_data(privacy_request=privacy_request))

    def post(self, request, *args, **kwargs):
        try:
            confirm_request(kwargs["token"], request=request)
        except ConfirmationLinkError as error:
            return self.link_error(error)
        return redirect("oscar_privacy:contact-confirmed")


class PrivacyRequestConfirmedView(NoStoreMixin, generic.TemplateView):
    template_name = "oscar_privacy/requests/confirmed.html"
