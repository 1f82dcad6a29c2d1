"""Zero-fork wiring of the password reset pages: list this config in place of Oscar's.

``INSTALLED_APPS``: ``"oscar_privacy.config.Shop"`` instead of
``"oscar.config.Shop"``. The app stays Oscar's (same name and label, so
``apps.get_app_config("oscar").urls`` is unchanged); only the four password
reset URLs are served by :mod:`oscar_privacy.password_views`, at Oscar's paths
and under Oscar's URL names. A shop with its own ``Shop`` subclass inherits
from this one instead, or includes
:func:`~oscar_privacy.password_views.password_reset_urls` itself.
"""

from oscar import config


class Shop(config.Shop):
    def get_urls(self):
        from .password_views import password_reset_urls

        ours = {pattern.name: pattern for pattern in password_reset_urls()}
        return [ours.get(getattr(pattern, "name", None), pattern) for pattern in super().get_urls()]
