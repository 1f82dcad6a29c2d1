"""Wagtail's forgotten-password form (``/cms/password_reset/``) through the reset service.

Wagtail's own form mails a reset link to any account with the address typed,
customers included, with no rate limit and no audit. Point Wagtail at
:class:`PasswordResetForm`::

    WAGTAILADMIN_USER_PASSWORD_RESET_FORM = (
        "oscar_privacy.contrib.wagtail.password_reset.PasswordResetForm"
    )

and the page sends what the shop's forgotten-password page sends, under the
same rate limits (per address of the request and per identifier), with the
same audit (``password.reset_link_sent``, channel ``forgotten_password``)
and the same answer whether or not an account matched: Wagtail's "check
your email" page. Over a limit nothing is sent and the answer is the same.
Or turn Wagtail's reset off (``WAGTAIL_PASSWORD_RESET_ENABLED = False``):
staff then use the shop's page. Check ``oscar_privacy.W031`` warns when
it is on and unprotected.
"""

import logging

from wagtail.admin.forms.auth import PasswordResetForm as WagtailPasswordResetForm

from oscar_privacy.passwords import reset_request_throttled, send_forgotten_password_links

logger = logging.getLogger(__name__)


class PasswordResetForm(WagtailPasswordResetForm):
    """Wagtail's form, whose ``save()`` calls the shop's reset service instead of Django's."""

    oscar_privacy_reset_service = True

    def save(self, request=None, **ignored):
        """Send the shop's reset link to the accounts the address names, unless throttled.

        Wagtail's email templates and token arguments are ``ignored``: the
        link is the shop's, to the shop's page for choosing a password.
        """
        identifier = self.cleaned_data["email"]
        if request is None or reset_request_throttled(request, identifier):
            logger.info("A password reset request on Wagtail's page was over a rate limit.")
            return
        send_forgotten_password_links(identifier, request=request)
