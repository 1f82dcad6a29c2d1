from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsletterConfig(AppConfig):
    """The newsletter, managed apart from the shop's accounts.

    Add ``"oscar_privacy.newsletter"`` to INSTALLED_APPS (before Oscar's
    apps) and its URLs to the project (see :mod:`oscar_privacy.newsletter.urls`).
    It follows the core through signals; the core never imports it.
    """

    name = "oscar_privacy.newsletter"
    label = "oscar_privacy_newsletter"
    verbose_name = _("Privacy: newsletter")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here: app modules must not import models at import time.
        from anymail.signals import inbound, tracking

        from oscar_privacy.signals import (
            account_closed,
            consent_recorded,
            customer_panel_rows,
            privacy_request_received,
        )

        from . import (
            checks,  # noqa: F401  (registers the system checks)
            events,
            receivers,
        )

        uid = "oscar_privacy.newsletter"
        consent_recorded.connect(receivers.on_consent_recorded, dispatch_uid=uid)
        account_closed.connect(receivers.on_account_closed, dispatch_uid=uid)
        privacy_request_received.connect(receivers.on_privacy_request_received, dispatch_uid=uid)
        customer_panel_rows.connect(receivers.customer_panel_rows, dispatch_uid=uid)
        tracking.connect(events.on_tracking, dispatch_uid=uid)
        inbound.connect(events.on_inbound, dispatch_uid=uid)
