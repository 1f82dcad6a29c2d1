"""Forms of the staff two-factor pages: set up an authenticator, type a code."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp import devices_for_user
from django_otp.forms import OTPTokenForm

from .two_factor import THROTTLED_MESSAGE, WRONG_CODE_MESSAGE

CODE_MAX_LENGTH = 32
"""Longer than any code (6 or 8 digits, 8-letter backup codes) even with spaces."""


def normalise_code(value):
    """The code as django-otp stores it: without spaces or dashes, in lower case.

    Apps show ``123 456``, backup codes are easier to read in groups;
    people type them as they see them.
    """
    return "".join(value.split()).replace("-", "").lower()


def code_field(label):
    return forms.CharField(
        label=label,
        max_length=CODE_MAX_LENGTH,
        required=False,  # django-otp's form says "type the code" itself
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


def device_kind(persistent_id):
    """``"authenticator"``, ``"backup_code"`` or ``""`` for a django-otp persistent id."""
    model = str(persistent_id or "").partition("/")[0]
    return {
        "otp_totp.totpdevice": "authenticator",
        "otp_static.staticdevice": "backup_code",
    }.get(model, "")


class EnrolmentForm(forms.Form):
    """The first code of the authenticator being set up."""

    otp_token = code_field(_("Code shown by the app"))

    def clean_otp_token(self):
        code = normalise_code(self.cleaned_data["otp_token"])
        if not code:
            raise ValidationError(_("Type the code your app shows."), code="required")
        return code


class VerificationForm(OTPTokenForm):
    """django-otp's code form, in the shop's words.

    The person's devices are radio buttons (their authenticator chosen
    first); django-otp checks the code against the one chosen only, and
    refuses a device that is not the person's as an invalid choice. After a
    refused code, :attr:`failure` says why (``"wrong_code"``,
    ``"throttled"``), for the audit trail; ``None`` when no code was tried.
    """

    otp_error_messages = {
        **OTPTokenForm.otp_error_messages,
        "token_required": _("Type the code your app shows, or one of your backup codes."),
        "invalid_token": WRONG_CODE_MESSAGE,
        "n_failed_attempts": THROTTLED_MESSAGE,
        "verification_not_allowed": _("Codes are not accepted at the moment: try again later."),
        "device_required": _("Choose where your code comes from."),
    }

    def __init__(self, user, request=None, *args, **kwargs):
        super().__init__(user, request, *args, **kwargs)
        self.failure = None
        device = self.fields["otp_device"]
        device.label = _("Code from")
        device.widget = forms.RadioSelect(choices=device.choices)
        device.initial = next(iter(device.choices), (None, None))[0]
        self.fields["otp_token"] = code_field(_("Code"))
        self.fields["otp_token"].required = False

    @staticmethod
    def device_choices(user):
        # Authenticators first: the usual answer is the default one.
        devices = sorted(
            devices_for_user(user), key=lambda d: device_kind(d.persistent_id) != "authenticator"
        )
        return [(device.persistent_id, device_label(device)) for device in devices]

    def clean_otp_token(self):
        return normalise_code(self.cleaned_data.get("otp_token") or "")

    def clean_otp(self, user):
        try:
            super().clean_otp(user)
        except ValidationError as error:
            self.failure = _failure_reason(error)
            raise

    @property
    def device_kind(self):
        """The kind of device chosen (see :func:`device_kind`)."""
        return device_kind(self.cleaned_data.get("otp_device") if self.is_bound else "")


def device_label(device):
    """How a device is offered: "My authenticator app", "A backup code (7 left)"."""
    kind = device_kind(device.persistent_id)
    if kind == "authenticator":
        return _("My authenticator app")
    if kind == "backup_code":
        left = device.token_set.count()
        return ngettext(
            "A backup code (%(count)d left)", "A backup code (%(count)d left)", left
        ) % {"count": left}
    return device.name


def _failure_reason(error):
    codes = {item.code for item in error.error_list}
    if "invalid_token" in codes:
        return "wrong_code"
    if None in codes:
        # django-otp raises its "wait" refusals without a code.
        return "throttled"
    return None  # no code typed, no device chosen: nothing was tried
