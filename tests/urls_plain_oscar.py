"""The sandbox with Oscar's checkout, registration and profile views as Oscar ships them."""

from oscar.core.loading import get_class

from .wiring import site_patterns

urlpatterns = site_patterns(
    checkout={"payment_details_view": get_class("checkout.views", "PaymentDetailsView")},
    customer={
        "register_view": get_class("customer.views", "AccountRegistrationView"),
        "login_view": get_class("customer.views", "AccountAuthView"),
        "profile_update_view": get_class("customer.views", "ProfileUpdateView"),
    },
)
