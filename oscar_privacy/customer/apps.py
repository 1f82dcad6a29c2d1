"""Zero-fork wiring: list this config in place of Oscar's customer config.

``INSTALLED_APPS``: ``"oscar_privacy.customer.apps.CustomerConfig"`` instead of
``"oscar.apps.customer.apps.CustomerConfig"``. The app stays Oscar's; the
registration and login/registration views gain the registration without
enumeration, consent, password rules and safe ``next`` mixins, the profile
and password change views send their warnings without storing the reset link
they hold, a new email address in the profile takes effect once its mailbox
confirms it, and Oscar's "delete profile" address leads to the account closure
page instead of deleting. A shop that forked customer adds
:class:`~.mixins.NeutralRegistrationMixin`,
:class:`~.mixins.RegistrationConsentMixin`,
:class:`~.mixins.PasswordRulesMixin`, :class:`~.mixins.SafeNextMixin`,
:class:`~.mixins.UnstoredAccountAlertsMixin` and
:class:`~.mixins.VerifiedEmailChangeMixin` (profile only, in front) to its own
views and points ``profile_delete_view`` at
:class:`~.views.ProfileDeleteRedirectView`.
"""

from oscar.apps.customer import apps

from ..wiring import with_mixin


class CustomerConfig(apps.CustomerConfig):
    def ready(self):
        super().ready()
        from .mixins import (
            NeutralRegistrationMixin,
            PasswordRulesMixin,
            RegistrationConsentMixin,
            SafeNextMixin,
            UnstoredAccountAlertsMixin,
            VerifiedEmailChangeMixin,
        )
        from .views import ProfileDeleteRedirectView

        for attribute in ("register_view", "login_view"):
            view = with_mixin(PasswordRulesMixin, getattr(self, attribute))
            view = with_mixin(RegistrationConsentMixin, view)
            view = with_mixin(SafeNextMixin, view)
            setattr(self, attribute, with_mixin(NeutralRegistrationMixin, view))
        for attribute in ("profile_update_view", "change_password_view"):
            setattr(
                self, attribute, with_mixin(UnstoredAccountAlertsMixin, getattr(self, attribute))
            )
        self.profile_update_view = with_mixin(VerifiedEmailChangeMixin, self.profile_update_view)
        self.profile_delete_view = ProfileDeleteRedirectView
