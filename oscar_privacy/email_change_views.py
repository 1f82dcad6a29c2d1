"""The page of the link that applies a customer's new email address.

The service is :mod:`oscar_privacy.email_change`; Oscar's profile form leads
here through :class:`oscar_privacy.customer.mixins.VerifiedEmailChangeMixin`.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views import generic

from .caching import NoStoreMixin
from .email_change import EmailChangeLinkError, confirm_email_change, read_link
from .redirects import FIELD_NAME

LINK_ERROR_STATUS = {
    "invalid": 400,
    "other_account": 403,
    "taken": 409,
    "expired": 410,
    "used": 410,
}
"""The HTTP status of each :class:`~oscar_privacy.email_change.EmailChangeLinkError` reason."""


class EmailChangeConfirmView(NoStoreMixin, generic.TemplateView):
    """The page of the emailed link: a button (POST) gives the account its new address.

    Only the account that asked, logged in, can apply it: anyone else is
    sent to the login page first and comes back here (``next``); a mail
    scanner that opens the link changes nothing. A link that changes
    nothing gets a clear page (:data:`LINK_ERROR_STATUS`).
    """

    template_name = "oscar_privacy/email_change/confirm.html"
    link_error_template_name = "oscar_privacy/email_change/link_error.html"
    success_url = "customer:profile-view"

    def get(self, request, *args, **kwargs):
        user = request.user if request.user.is_authenticated else None
        try:
            payload = read_link(kwargs["token"], user)
        except EmailChangeLinkError as error:
            return self.link_error(error)
        if user is None:
            return self.log_in_first()
        return self.render_to_response(
            self.get_context_data(old_email=payload["old"], new_email=payload["email"])
        )

    def post(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.log_in_first()
        try:
            user = confirm_email_change(kwargs["token"], request=request)
        except EmailChangeLinkError as error:
            return self.link_error(error)
        address = getattr(user, user.get_email_field_name())
        messages.success(request, _("Your email address is now %(email)s.") % {"email": address})
        return redirect(self.success_url)

    def log_in_first(self):
        # The login page's SafeNextMixin checks this next like any other.
        return redirect_to_login(
            self.request.path, settings.LOGIN_URL, redirect_field_name=FIELD_NAME
        )

    def link_error(self, error):
        return TemplateResponse(
            self.request,
            self.link_error_template_name,
            {"reason": error.reason},
            status=LINK_ERROR_STATUS[error.reason],
        )
