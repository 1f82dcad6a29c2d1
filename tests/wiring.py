"""URL patterns of the sandbox with one Oscar app's views swapped, for tests."""

import copy

from django.apps import apps
from django.urls import URLResolver, include, path

from sandbox import urls as sandbox_urls


def shop_patterns(**views_by_app):
    """Oscar's shop URLs with, for each app label, some view attributes replaced.

    ``shop_patterns(checkout={"payment_details_view": View})`` builds the
    checkout namespace from a copy of its app config holding ``View``.
    """
    patterns = []
    for pattern in apps.get_app_config("oscar").urls[0]:
        label = getattr(pattern, "namespace", None)
        if isinstance(pattern, URLResolver) and label in views_by_app:
            config = copy.copy(apps.get_app_config(label))
            for attribute, view in views_by_app[label].items():
                setattr(config, attribute, view)
            pattern = path(str(pattern.pattern), include((config.get_urls(), label)))
        patterns.append(pattern)
    return patterns


def site_patterns(**views_by_app):
    """The sandbox's URLconf with the shop built by :func:`shop_patterns`."""
    patterns = []
    for pattern in sandbox_urls.urlpatterns:
        if str(pattern.pattern) == "shop/":
            pattern = path("shop/", include(shop_patterns(**views_by_app)))
        patterns.append(pattern)
    return patterns
