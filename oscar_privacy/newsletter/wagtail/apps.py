from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsletterWagtailConfig(AppConfig):
    """Newsletters composed, previewed, tested and sent from Wagtail's admin.

    Add ``"oscar_privacy.newsletter.wagtail"`` to INSTALLED_APPS, after
    ``"oscar_privacy.newsletter"``, with ``wagtail.snippets``.
    """

    name = "oscar_privacy.newsletter.wagtail"
    label = "oscar_privacy_newsletter_wagtail"
    verbose_name = _("Privacy: newsletter issues")
    default_auto_field = "django.db.models.BigAutoField"
