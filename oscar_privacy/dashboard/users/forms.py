from django import forms
from django.utils.translation import gettext_lazy as _

REASON_MAX_LENGTH = 1000


class PasswordResetReasonForm(forms.Form):
    """Why staff send a customer a reset link; kept in the audit trail."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Kept in the audit trail, e.g. “the customer called: lost password; "
            "identity checked with the last order number”."
        ),
    )
