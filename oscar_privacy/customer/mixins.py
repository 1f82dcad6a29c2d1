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

    # AccountAuthView (login and registration on one page)
    def get_registration_form(self, bind_data=False):
        form_class = with_consent_fields(self.registration_form_class)
        return form_class(
            consent_request=self.request, **self.get_registration_form_kwargs(bind_data)
        )

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
