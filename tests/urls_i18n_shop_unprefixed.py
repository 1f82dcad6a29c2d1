"""``tests/urls_i18n_shop.py`` without a prefix for the default language.

English pages at ``/shop/dashboard/``, French ones at ``/fr/shop/dashboard/``:
in English, ``/fr/shop/dashboard/`` is also a path Wagtail's catch-all
takes, which a classifier that resolved in one language only would miss.
"""

from .urls_i18n_shop import language_patterns

urlpatterns = language_patterns(prefix_default_language=False)
