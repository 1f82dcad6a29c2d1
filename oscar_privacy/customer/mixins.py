"""Acceptance of the privacy policy at registration.

``RegistrationConsentMixin`` goes before Oscar's ``AccountRegistrationView``
and ``AccountAuthView`` (or the shop's forks of them);
``oscar_privacy.customer.apps.CustomerConfig`` does that without a fork.
"""

from django.db import transaction

from ..consent import record_consents
from ..forms import with_consent_fields
from ..models import ConsentChannel


class RegistrationConsentMixin:
    # AccountRegistrationView (a FormView)
    def get_form_class(self):
        return with_consent_fields(super().get_form_class())

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "consent_request": self.request}

    # AccountAuthView (login and registration on one page). The form class is
    # swapped for the call only, so that a shop's own get_registration_form()
    # and get_registration_form_kwargs() still run.
    def get_registration_form(self, bind_data=False):
        original = self.registration_form_class
        self.registration_form_class = with_consent_fields(original)
        try:
            return super().get_registration_form(bind_data)
        finally:
            self.registration_form_class = original

    def get_registration_form_kwargs(self, bind_data=False):
        return {
            **super().get_registration_form_kwargs(bind_data),
            "consent_request": self.request,
        }

    def register_user(self, form):
        # The account and the proof of its consent exist together or not at all.
        with transaction.atomic():
            user = super().register_user(form)
            record_consents(
                form.consent_entries(),
                channel=ConsentChannel.REGISTRATION,
                user=user,
                request=self.request,
            )
        return user
