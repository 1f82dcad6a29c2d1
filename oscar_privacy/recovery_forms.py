"""The public "lost your login and email address?" form."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .recovery import phone_key

MESSAGE_MAX_LENGTH = 2000
EARLIEST_ORDER_DATE = datetime.date(1990, 1, 1)


class AccountRecoveryForm(forms.Form):
    """The facts someone who lost their login and email address remembers.

    Every length is bounded; ``website`` is a honeypot that people never see
    and robots fill in (:meth:`is_robot`).
    """

    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=_("An email address you may have used"),
        required=False,
        max_length=254,
        help_text=_(
            "Only to find your account: nothing will be sent to it. The email goes to the "
            "address registered on the account."
        ),
    )
    postcode = forms.CharField(
        label=_("Postcode of an address you used"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    phone = forms.CharField(
        label=_("Phone number you gave"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    order_number = forms.CharField(label=_("An order number"), required=False, max_length=128)
    last_order_date = forms.DateField(
        label=_("Approximate date of your last order"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    message = forms.CharField(
        label=_("Anything else that may help us"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not phone_key(phone):
            raise forms.ValidationError(_("Enter the whole phone number."))
        return phone

    def clean_last_order_date(self):
        day = self.cleaned_data["last_order_date"]
        if day and day > timezone.localdate() + datetime.timedelta(days=1):
            raise forms.ValidationError(_("The date of your last order cannot be in the future."))
        if day and day < EARLIEST_ORDER_DATE:
            raise forms.ValidationError(_("Enter a date after 1990."))
        return day

    def is_robot(self):
        """Whether the honeypot field was filled in."""
        return bool(self.cleaned_data.get("website"))

    def details(self):
        """The facts to store: every field but the honeypot."""
        return {key: value for key, value in self.cleaned_data.items() if key != "website"}
