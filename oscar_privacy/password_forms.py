"""Forms of the forgotten-password pages."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .passwords import find_accounts, neutral_answers, send_forgotten_password_links

IDENTIFIER_MAX_LENGTH = 254
"""The longest email address an account can have (RFC 5321), longer than any username."""


class ForgottenPasswordForm(forms.Form):
    """A username or an email address; links go to the matching accounts' registered addresses.

    With ``OSCAR_PRIVACY_PASSWORD_RESET_UNKNOWN_IDENTIFIER = "error"``, an
    identifier matching no account (or only inactive or closed ones) is a
    form error; with ``"neutral"`` (the default) it is accepted like any
    other and nothing is sent.
    """

    identifier = forms.CharField(
        label=_("Username or email address"),
        max_length=IDENTIFIER_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )

    unknown_message = _(
        "No account matches this username or email address. Check what you typed, or create "
        "an account."
    )

    def clean_identifier(self):
        identifier = self.cleaned_data["identifier"]
        if not neutral_answers() and not find_accounts(identifier):
            raise ValidationError(self.unknown_message, code="unknown_identifier")
        return identifier

    def save(self, request=None):
        """Have the links sent, by a background task (the same work whatever the identifier)."""
        send_forgotten_password_links(self.cleaned_data["identifier"], request=request)
