"""The newsletter's service emails and the absolute links they carry.

Confirmation, re-subscription and "you unsubscribed earlier" emails are
Oscar communication events (staff can edit them in the dashboard), sent
*directly* to the address: their links are keys, and Oscar's email
history must not keep them (as for password reset links).
"""

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.mail import get_connection
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from oscar.core.loading import get_class

from ..conf import app_settings

Dispatcher = get_class("communication.utils", "Dispatcher")
CommunicationEventType = get_class("communication.models", "CommunicationEventType")

CONFIRM_EMAIL = "NEWSLETTER_CONFIRM"
"""Oscar communication event code of the email with the double opt-in link."""

RESUBSCRIBE_EMAIL = "NEWSLETTER_RESUBSCRIBE"
"""Event code of the email that confirms a re-subscription request."""

OPPOSED_EMAIL = "NEWSLETTER_OPPOSED"
"""Event code of the answer to a subscription asked for an address that unsubscribed."""


def site_url():
    """``https://shop.example``: scheme and host of the links in newsletter emails."""
    configured = app_settings.NEWSLETTER_SITE_URL
    if configured:
        return configured.rstrip("/")
    return f"https://{Site.objects.get_current().domain}"


def absolute(path):
    return f"{site_url()}{path}"


def contact_url():
    """The contact form's address for a re-subscription request, or ``""``.

    ``OSCAR_PRIVACY_NEWSLETTER_CONTACT_URL`` when set, else oscar-privacy's
    privacy request form with the re-subscription kind ticked, when its URLs
    are included.
    """
    configured = app_settings.NEWSLETTER_CONTACT_URL
    if configured is None:
        try:
            configured = reverse("oscar_privacy:contact") + "?kind=resubscription"
        except NoReverseMatch:
            return ""
    if configured.startswith("/"):
        return absolute(configured)
    return configured


def from_email():
    return (
        app_settings.NEWSLETTER_FROM_EMAIL
        or getattr(settings, "OSCAR_FROM_EMAIL", None)
        or settings.DEFAULT_FROM_EMAIL
    )


def send_service_email(event_code, recipient, language="", **context):
    """Render Oscar's ``event_code`` templates in ``language`` and send them to ``recipient``."""
    with translation.override(language or translation.get_language()):
        dispatcher = Dispatcher()
        messages = dispatcher.get_messages(
            event_code,
            {"confirmation_days": app_settings.NEWSLETTER_CONFIRMATION_DAYS, **context},
        )
        if messages["subject"] and (messages["body"] or messages["html"]):
            dispatcher.send_email_messages(recipient, messages, from_email=from_email())


def send_confirmation(email, token, language=""):
    """Email ``email`` the link that confirms its subscription."""
    url = absolute(reverse("oscar_privacy_newsletter:confirm", args=[token]))
    send_service_email(CONFIRM_EMAIL, email, language, confirm_url=url)


def send_confirmations(recipients, language=""):
    """Email each ``(email, token)`` of ``recipients`` its confirmation link, in a few queries.

    For an import: the email's templates are read once (not once per
    address) and the messages go through one connection.
    """
    recipients = list(recipients)
    if not recipients:
        return
    with translation.override(language or translation.get_language()):
        event_type = CommunicationEventType.objects.filter(code=CONFIRM_EMAIL).first()
        event_type = event_type or CommunicationEventType(code=CONFIRM_EMAIL)
        with get_connection() as connection:
            dispatcher = Dispatcher(mail_connection=connection)
            base = dispatcher.get_base_context(
                confirmation_days=app_settings.NEWSLETTER_CONFIRMATION_DAYS
            )
            for email, token in recipients:
                url = absolute(reverse("oscar_privacy_newsletter:confirm", args=[token]))
                messages = event_type.get_messages({**base, "confirm_url": url})
                if messages["subject"] and (messages["body"] or messages["html"]):
                    dispatcher.send_email_messages(email, messages, from_email=from_email())


def send_resubscription_link(email, token, language=""):
    """Email ``email`` the link that confirms a re-subscription request."""
    url = absolute(reverse("oscar_privacy_newsletter:resubscribe", args=[token]))
    send_service_email(RESUBSCRIBE_EMAIL, email, language, resubscribe_url=url)


def send_opposed_notice(email, language=""):
    """Tell ``email`` it unsubscribed earlier, and how to ask to receive the newsletter again."""
    send_service_email(OPPOSED_EMAIL, email, language, contact_url=contact_url())
