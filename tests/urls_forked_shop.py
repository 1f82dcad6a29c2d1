"""A shop that forked Oscar's checkout and customer views adds the mixins itself.

These are the classes such a shop writes (see docs/consent.rst); its own
changes (here, a payment step that records a payment source) must keep working.
"""

from decimal import Decimal

from oscar.apps.checkout import views as checkout_views
from oscar.apps.customer import views as customer_views
from oscar.apps.payment.models import Source, SourceType

from oscar_privacy.checkout.mixins import CheckoutConsentMixin
from oscar_privacy.customer.mixins import (
    RegistrationConsentMixin,
    UnstoredAccountAlertsMixin,
    VerifiedEmailChangeMixin,
)

from .wiring import site_patterns


class PaymentDetailsView(CheckoutConsentMixin, checkout_views.PaymentDetailsView):
    def handle_payment(self, order_number, total, **kwargs):
        source_type, _ = SourceType.objects.get_or_create(name="Forked shop's bank")
        self.add_payment_source(
            Source(source_type=source_type, amount_allocated=total.incl_tax, reference="T-1")
        )
        self.add_payment_event("Settled", Decimal(total.incl_tax), reference="T-1")


class AccountRegistrationView(RegistrationConsentMixin, customer_views.AccountRegistrationView):
    pass


class AccountAuthView(RegistrationConsentMixin, customer_views.AccountAuthView):
    pass


class ProfileUpdateView(
    VerifiedEmailChangeMixin, UnstoredAccountAlertsMixin, customer_views.ProfileUpdateView
):
    pass


urlpatterns = site_patterns(
    checkout={"payment_details_view": PaymentDetailsView},
    customer={
        "register_view": AccountRegistrationView,
        "login_view": AccountAuthView,
        "profile_update_view": ProfileUpdateView,
    },
)
