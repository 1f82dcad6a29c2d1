"""The newsletter's forms: the visitor's subscription form, and the import of a list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..forms import ConsentFieldsMixin
from ..models import PolicyKind


class SubscribeForm(ConsentFieldsMixin, forms.Form):
    """An address, and the acceptance of the privacy policy (in force, with its version).

    Sending the form is the request to receive the newsletter: no other box.
    """

    consent_kinds = (PolicyKind.PRIVACY,)
    offer_newsletter = False

    email = forms.EmailField(
        label=_("Your email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    field_order = ["email"]

    @property
    def consent_part(self):
        """The form without its address, for ``oscar_privacy/partials/consent_fields.html``."""
        return _ConsentPart(self)

    def acceptances(self):
        """The policy acceptances to record: ``[(purpose, action, version)]``."""
        return self.consent_entries()


class _ConsentPart:
    def __init__(self, form):
        self.form = form

    def hidden_fields(self):
        return self.form.hidden_fields()

    def visible_fields(self):
        return [field for field in self.form.visible_fields() if field.name != "email"]


class ImportForm(forms.Form):
    """A CSV file of addresses, for staff."""

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("One address per line, in a column named “email” (or the first column)."),
    )
    confirmed = forms.BooleanField(
        label=_("These people already confirmed their subscription, and we keep the proof"),
        required=False,
        help_text=_(
            "Unticked, each address receives a confirmation link and is subscribed only once "
            "it is followed."
        ),
    )
