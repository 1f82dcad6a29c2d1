"""The newsletter's forms: the visitor's subscription form, and the import of a list."""

import codecs

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from ..conf import app_settings
from ..forms import ConsentFieldsMixin
from ..models import PolicyKind

# Byte order marks of the encodings spreadsheets offer besides UTF-8 ("Unicode text").
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class SubscribeForm(ConsentFieldsMixin, forms.Form):
    """An address, and the acceptance of the privacy policy (in force, with its version).

    Sending the form is the request to receive the newsletter: no other box.
    """

    consent_kinds = (PolicyKind.PRIVACY,)
    offer_newsletter = False

    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,  # the longest address a mailbox can have, and the column's length
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
    """A CSV file of addresses, for staff: at most ``NEWSLETTER_IMPORT_MAX_BYTES``, UTF-8.

    The lines themselves are checked by the import, one by one: a bad line
    is reported and never stops the others.
    """

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "One address per line, in a column named “email” (or the first column), "
            "saved as CSV UTF-8."
        ),
    )
    confirmed = forms.BooleanField(
        label=_("These people already confirmed their subscription, and we keep the proof"),
        required=False,
        help_text=_(
            "Unticked, each address receives a confirmation link and is subscribed only once "
            "it is followed."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = app_settings.NEWSLETTER_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is too large: %(size)s, for at most %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
                code="too_large",
            )
        upload.seek(0)
        start = upload.read(4)
        upload.seek(0)
        if start.startswith(_WIDE_BOMS):
            raise forms.ValidationError(
                _("The file is saved as UTF-16 (“Unicode text”): save it as CSV UTF-8."),
                code="encoding",
            )
        return upload
