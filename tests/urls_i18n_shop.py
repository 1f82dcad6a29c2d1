"""The sandbox's site under language prefixes (``i18n_patterns``), as Oscar's own sandbox has it.

Every staff area is under the prefix: ``/en/shop/dashboard/``,
``/fr/shop/dashboard/``, ``/fr/cms/``, ``/fr/django-admin/``; so are the
two-factor pages. :func:`language_patterns` also builds the variant without
a prefix for the default language (``tests/urls_i18n_shop_unprefixed.py``).
"""

from django.apps import apps
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls


def language_patterns(*, prefix_default_language):
    """The sandbox's URLs with everything but the language switch under a language prefix."""
    return [
        path("i18n/", include("django.conf.urls.i18n")),
        path("anymail/", include("oscar_privacy.newsletter.anymail_urls")),
        *i18n_patterns(
            path("django-admin/", admin.site.urls),
            path("cms/", include(wagtailadmin_urls)),
            path(
                "shop/dashboard/privacy/",
                include(apps.get_app_config("oscar_privacy_dashboard").urls[:2]),
            ),
            path("shop/", include(apps.get_app_config("oscar").urls[0])),
            path("privacy/", include("oscar_privacy.urls")),
            path("newsletter/", include("oscar_privacy.newsletter.urls")),
            # Wagtail's catch-all last, inside the prefix as in a translated site.
            path("", include(wagtail_urls)),
            prefix_default_language=prefix_default_language,
        ),
    ]


urlpatterns = language_patterns(prefix_default_language=True)
