"""The sandbox's URLs under language prefixes (``/en/shop/...``, ``/fr/shop/...``).

Oscar's own sandbox mounts the shop with ``i18n_patterns``; tests of what a
URL resolves to use this URLconf to check it holds under every language.
"""

from django.conf.urls.i18n import i18n_patterns

from sandbox import urls as sandbox_urls

urlpatterns = i18n_patterns(*sandbox_urls.urlpatterns)
