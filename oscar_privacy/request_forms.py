"""The public privacy request form (the policy's "CONTACT form" for privacy matters)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PrivacyRequest
from .requests import PUBLIC_KINDS

MESSAGE_MAX_LENGTH = 4000
NAME_MAX_LENGTH = 150

KIND_LABELS = {
    PrivacyRequest.Kind.CLOSURE: _("Close my account or erase my data"),
    PrivacyRequest.Kind.ACCESS: _("Get a copy of my data"),
    PrivacyRequest.Kind.RECTIFICATION: _("Correct my data"),
    PrivacyRequest.Kind.RESUBSCRIPTION: _("Subscribe to the newsletter again"),
    PrivacyRequest.Kind.WITHDRAWAL: _("Withdraw a consent"),
    PrivacyRequest.Kind.OTHER: _("Something else about my personal data"),
}
"""The kinds of request, in the requester's words."""

MESSAGE_REQUIRED = {
    PrivacyRequest.Kind.RECTIFICATION,
    PrivacyRequest.Kind.WITHDRAWAL,
    PrivacyRequest.Kind.OTHER,
}
"""Kinds that mean nothing without a few words: what to correct, which consent, what else."""


class PrivacyRequestForm(forms.Form):
    """A privacy request: its kind, who asks, what they want. Every length is bounded.

    A logged-in customer gives neither name nor address: the request comes
    from their account. ``website`` is a honeypot that people never see and
    robots fill in (:meth:`is_robot`).
    """

    kind = forms.ChoiceField(
        label=_("Your request"),
        choices=[(kind, KIND_LABELS[kind]) for kind in PUBLIC_KINDS],
        widget=forms.RadioSelect,
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        help_text=_(
            "We send a link to this address: your request is handled once you have followed it. "
            "If you have an account, give the address registered on it."
        ),
    )
    message = forms.CharField(
        label=_("Your message"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What should we correct, which consent, or anything that helps us."),
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.identified = user is not None and user.is_authenticated
        if self.identified:
            del self.fields["name"], self.fields["email"]

    def clean(self):
        data = super().clean()
        if data.get("kind") in MESSAGE_REQUIRED and not data.get("message", "").strip():
            self.add_error("message", _("Tell us a few words about your request."))
        return data

    def is_robot(self):
        """Whether the honeypot field was filled in."""
        return bool(self.cleaned_data.get("website"))
