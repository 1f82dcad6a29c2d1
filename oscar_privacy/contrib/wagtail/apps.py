from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailPrivacyConfig(AppConfig):
    """Legal pages edited in Wagtail. Add ``"oscar_privacy.contrib.wagtail"`` to
    INSTALLED_APPS, with ``wagtail.contrib.settings``."""

    name = "oscar_privacy.contrib.wagtail"
    label = "oscar_privacy_wagtail"
    verbose_name = _("Privacy: legal pages")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_save
        from wagtail.signals import page_published

        # checks: registers the legal pages check.
        from . import checks, publishing, users  # noqa: F401
        from .models import LegalPagesSettings

        users.install()

        page_published.connect(publishing.on_page_published, dispatch_uid="oscar_privacy_legal")
        post_save.connect(
            publishing.on_settings_saved,
            sender=LegalPagesSettings,
            dispatch_uid="oscar_privacy_legal",
        )
