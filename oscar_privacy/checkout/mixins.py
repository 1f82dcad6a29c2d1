"""Acceptance of the terms and privacy policy on Oscar's order preview.

``CheckoutConsentMixin`` goes before Oscar's ``PaymentDetailsView`` (or the
shop's own fork of it); ``oscar_privacy.checkout.apps.CheckoutConfig`` does
that without a fork.
"""

from django.contrib import messages
from django.utils.translation import gettext_lazy as _

from ..consent import current_versions
from ..forms import CheckoutConsentForm

# Oscar flushes its own checkout data before ``post_checkout``: keep ours apart.
SESSION_KEY = "oscar_privacy_checkout_consent"
FORM_PREFIX = "privacy"


class CheckoutConsentMixin:
    consent_form_class = CheckoutConsentForm

    def get_consent_form(self, data=None):
        return self.consent_form_class(data=data, consent_request=self.request, prefix=FORM_PREFIX)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.preview:
            ctx.setdefault("consent_form", self.get_consent_form())
        return ctx

    def handle_place_order_submission(self, request):
        form = self.get_consent_form(request.POST)
        if not form.is_valid():
            request.session.pop(SESSION_KEY, None)
            return self.render_preview(request, consent_form=form)
        request.session[SESSION_KEY] = form.snapshot()
        return super().handle_place_order_submission(request)

    def submit(self, *args, **kwargs):
        # Payment is taken inside ``submit``: refuse first if the acceptance is
        # missing or a newer version was published since it was given.
        if not acceptance_is_current(self.request):
            self.request.session.pop(SESSION_KEY, None)
            messages.error(
                self.request,
                _(
                    "Please read and accept the current terms and privacy policy to place "
                    "your order."
                ),
            )
            return self.render_preview(self.request)
        return super().submit(*args, **kwargs)


def acceptance_is_current(request):
    snapshot = request.session.get(SESSION_KEY)
    if not snapshot:
        return False
    current = {kind: version.pk for kind, version in current_versions(request).items()}
    required = {
        kind: pk for kind, pk in current.items() if kind in CheckoutConsentForm.consent_kinds
    }
    return snapshot.get("versions") == required
