"""Forms of the core app: acceptance of the legal texts and newsletter opt-in."""

from functools import cache

from django import forms
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .consent import PURPOSE_OF_KIND, current_versions
from .models import ConsentAction, ConsentPurpose, PolicyKind


def acceptance_label(version):
    """ "I have read and accept the <privacy policy> (version 3 of 1 June 2026)"."""
    link = format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>',
        version.get_absolute_url(),
        ACCEPT_WORDS[version.kind],
    )
    return format_html(
        _("I have read and accept {document} (version {number} of {date})."),
        document=link,
        number=version.number,
        date=date_format(version.published_at, "DATE_FORMAT"),
    )


ACCEPT_WORDS = {
    PolicyKind.PRIVACY: _("the privacy policy"),
    PolicyKind.TERMS: _("the terms and conditions of sale"),
}
REQUIRED_MESSAGES = {
    PolicyKind.PRIVACY: _("Please read and accept the privacy policy to continue."),
    PolicyKind.TERMS: _("Please read and accept the terms and conditions of sale to continue."),
}


class ConsentFieldsMixin:
    """Adds the acceptance boxes for ``consent_kinds`` and a newsletter opt-in.

    Each box names the exact version shown; a hidden field carries its
    number, so a version published while the page was open (or a forged
    number) is refused with a clear message instead of being recorded.
    """

    consent_kinds = (PolicyKind.PRIVACY,)
    offer_newsletter = True

    def __init__(self, *args, consent_request=None, **kwargs):
        super().__init__(*args, **kwargs)
        versions = current_versions(consent_request)
        self.consent_versions = {
            kind: versions[kind] for kind in self.consent_kinds if kind in versions
        }
        for kind, version in self.consent_versions.items():
            self.fields[f"accept_{kind}"] = forms.BooleanField(
                label=acceptance_label(version),
                error_messages={"required": REQUIRED_MESSAGES[kind]},
            )
            self.fields[f"{kind}_version"] = forms.CharField(
                widget=forms.HiddenInput, initial=version.number, required=False, max_length=12
            )
        if self.offer_newsletter:
            self.fields["newsletter"] = forms.BooleanField(
                label=_("Yes, send me the newsletter. I can withdraw this consent at any time."),
                required=False,
                initial=False,
            )

    def clean(self):
        cleaned = super().clean()
        stale = [
            (kind, version)
            for kind, version in self.consent_versions.items()
            if cleaned.get(f"{kind}_version") != str(version.number)
        ]
        if stale:
            # Show the new version and untick its box: the person must accept
            # the text they are now shown, not the one they ticked.
            self.data = self.data.copy()
            for kind, version in stale:
                self.data[self.add_prefix(f"{kind}_version")] = str(version.number)
                self.data.pop(self.add_prefix(f"accept_{kind}"), None)
                self.add_error(
                    f"accept_{kind}",
                    _(
                        "The version of %(document)s you accepted is not the one in force: "
                        "please read version %(number)s and accept it."
                    )
                    % {"document": ACCEPT_WORDS[kind], "number": version.number},
                )
        return cleaned

    def consent_entries(self):
        """``[(purpose, action, version)]`` to record once the form is valid."""
        entries = [
            (PURPOSE_OF_KIND[kind], ConsentAction.GIVEN, version)
            for kind, version in self.consent_versions.items()
        ]
        if self.cleaned_data.get("newsletter"):
            entries.append((ConsentPurpose.NEWSLETTER, ConsentAction.GIVEN, None))
        return entries


@cache
def with_consent_fields(form_class, kinds=(PolicyKind.PRIVACY,), newsletter=True):
    """``form_class`` with the acceptance boxes added (one class per combination)."""
    if issubclass(form_class, ConsentFieldsMixin):
        return form_class
    return type(
        form_class.__name__,
        (ConsentFieldsMixin, form_class),
        {"consent_kinds": kinds, "offer_newsletter": newsletter, "__module__": __name__},
    )


class CheckoutConsentForm(ConsentFieldsMixin, forms.Form):
    """The boxes under the order summary, above "Place order"."""

    consent_kinds = (PolicyKind.TERMS, PolicyKind.PRIVACY)

    def snapshot(self):
        """What the session keeps between "Place order" and the order."""
        return {
            "versions": {kind: version.pk for kind, version in self.consent_versions.items()},
            "newsletter": bool(self.cleaned_data.get("newsletter")),
        }


class PolicyUpdateForm(ConsentFieldsMixin, forms.Form):
    """Acceptance of the versions a logged-in customer has not accepted yet."""

    offer_newsletter = False

    def __init__(self, *args, versions=(), **kwargs):
        self.consent_kinds = tuple(version.kind for version in versions)
        super().__init__(*args, **kwargs)


class PasswordConfirmationForm(forms.Form):
    """The logged-in person types their password again (see :mod:`oscar_privacy.reauth`)."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, *args, request, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self):
        from . import reauth

        password = self.cleaned_data["password"]
        # May raise reauth.TooManyFailures: the view logs the session out.
        if not reauth.confirm(self.request, password):
            raise forms.ValidationError(_("This is not your password."), code="wrong_password")
        return password


class CloseAccountForm(PasswordConfirmationForm):
    understood = forms.BooleanField(
        label=_("I understand that closing my account cannot be undone."),
        required=True,
        error_messages={"required": _("Tick this box to confirm that you want to close it.")},
    )
