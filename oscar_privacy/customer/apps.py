"""Zero-fork wiring: list this config in place of Oscar's customer config.

``INSTALLED_APPS``: ``"oscar_privacy.customer.apps.CustomerConfig"`` instead of
``"oscar.apps.customer.apps.CustomerConfig"``. The app stays Oscar's; the
registration and login/registration views gain the mixin, and Oscar's "delete
profile" address leads to the account closure page instead of deleting. A
shop that forked customer adds :class:`~.mixins.RegistrationConsentMixin` to
its own views and points ``profile_delete_view`` at
:class:`~.views.ProfileDeleteRedirectView`.
"""

from oscar.apps.customer import apps

from ..wiring import with_mixin


class CustomerConfig(apps.CustomerConfig):
    def ready(self):
        super().ready()
        from .mixins import RegistrationConsentMixin
        from .views import ProfileDeleteRedirectView

        self.register_view = with_mixin(RegistrationConsentMixin, self.register_view)
        self.login_view = with_mixin(RegistrationConsentMixin, self.login_view)
        self.profile_delete_view = ProfileDeleteRedirectView
