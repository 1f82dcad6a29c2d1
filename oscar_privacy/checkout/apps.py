"""Zero-fork wiring: list this config in place of Oscar's checkout config.

``INSTALLED_APPS``: ``"oscar_privacy.checkout.apps.CheckoutConfig"`` instead of
``"oscar.apps.checkout.apps.CheckoutConfig"``. The app stays Oscar's (same
name, label, models and templates); the payment view gains the consent
mixin, and the first page (the gateway) the mixin that keeps it from saying
whether an address has an account. A shop that forked checkout adds
:class:`~.mixins.CheckoutConsentMixin` to its own ``PaymentDetailsView`` and
:class:`~.gateway.NeutralGatewayMixin` to its ``IndexView`` instead.
"""

from oscar.apps.checkout import apps

from ..wiring import with_mixin


class CheckoutConfig(apps.CheckoutConfig):
    def ready(self):
        super().ready()
        from .gateway import NeutralGatewayMixin
        from .mixins import CheckoutConsentMixin

        self.payment_details_view = with_mixin(CheckoutConsentMixin, self.payment_details_view)
        self.index_view = with_mixin(NeutralGatewayMixin, self.index_view)
