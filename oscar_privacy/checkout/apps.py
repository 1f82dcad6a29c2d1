"""Zero-fork wiring: list this config in place of Oscar's checkout config.

``INSTALLED_APPS``: ``"oscar_privacy.checkout.apps.CheckoutConfig"`` instead of
``"oscar.apps.checkout.apps.CheckoutConfig"``. The app stays Oscar's (same
name, label, models and templates); only the payment view gains the mixin.
A shop that forked checkout adds :class:`~.mixins.CheckoutConsentMixin` to its
own ``PaymentDetailsView`` instead.
"""

from oscar.apps.checkout import apps

from ..wiring import with_mixin


class CheckoutConfig(apps.CheckoutConfig):
    def ready(self):
        super().ready()
        from .mixins import CheckoutConsentMixin

        self.payment_details_view = with_mixin(CheckoutConsentMixin, self.payment_details_view)
