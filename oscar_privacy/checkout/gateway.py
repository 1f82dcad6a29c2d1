"""The checkout's first page, answering alike whether or not an address has an account.

Oscar's ``GatewayForm`` tells a guest "A user with that email address
already exists" (and ticks "I am a returning customer") when the address
typed has an account, and does so for the "create an account" choice
whatever its settings: anyone with a basket learns who is a customer.
:class:`NeutralGatewayMixin` (before Oscar's checkout ``IndexView``, which
``oscar_privacy.checkout.apps.CheckoutConfig`` does without a fork) gives
that page a form that does not look the address up:

- "checkout as a guest" goes on as a guest order under that address
  (``OSCAR_PRIVACY_GUEST_CHECKOUT_WITH_ACCOUNT``, default ``True``; with
  ``False``, Oscar's ``OSCAR_ALLOW_GUEST_CHECKOUT_WITH_ACCOUNT`` decides, as
  in Oscar: check ``oscar_privacy.W028``);
- "create an account" goes on to the registration page, which answers alike
  too (``OSCAR_PRIVACY_PREVENT_ACCOUNT_ENUMERATION``);
- "I am a returning customer" logs in, with the same answer and the same
  cost for a wrong password and an unknown address
  (:class:`oscar_privacy.auth_backends.EmailBackend`), and is throttled
  like every login (Oscar's view gave the form no request, so django-axes
  never counted its failures).
"""

from functools import cache

from django.conf import settings

from ..conf import app_settings
from ..registration import prevents_enumeration


def guests_may_use_registered_addresses():
    """Whether a guest whose address has an account checks out as a guest."""
    return bool(
        app_settings.GUEST_CHECKOUT_WITH_ACCOUNT
        or getattr(settings, "OSCAR_ALLOW_GUEST_CHECKOUT_WITH_ACCOUNT", False)
    )


class NeutralGatewayFormMixin:
    """Oscar's ``GatewayForm`` without the account lookup of its guest and new-account choices."""

    def clean(self):
        if self.proceeds_without_lookup():
            # As Oscar's form does for these choices: no password is needed.
            self.errors.pop("password", None)
            return self.cleaned_data
        return super().clean()

    def proceeds_without_lookup(self):
        """Whether the choice made goes on without asking whether the address has an account."""
        if self.is_guest_checkout():
            return guests_may_use_registered_addresses()
        if self.is_new_account_checkout():
            return prevents_enumeration()
        return False


@cache
def neutral_gateway_form(form_class):
    """``form_class`` (Oscar's ``GatewayForm`` or a fork) with :class:`NeutralGatewayFormMixin`."""
    if issubclass(form_class, NeutralGatewayFormMixin):
        return form_class
    attributes = {"__module__": form_class.__module__}
    return type(form_class.__name__, (NeutralGatewayFormMixin, form_class), attributes)


class NeutralGatewayMixin:
    """Goes before Oscar's checkout ``IndexView`` (or a shop's fork of it).

    Also hands the request to the form: Oscar's view does not, so its
    "returning customer" login called ``authenticate()`` without one, which
    django-axes cannot count (passwords could be tried there without pause).
    """

    def get_form_class(self):
        return neutral_gateway_form(super().get_form_class())

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}
