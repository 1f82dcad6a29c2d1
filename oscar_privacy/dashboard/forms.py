from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from oscar_privacy.models import ConsentAction, ConsentChannel, ConsentPurpose, PolicyVersion


def _blank(choices):
    return [("", pgettext_lazy("privacy filter", "All")), *choices]


class ConsentFilterForm(forms.Form):
    """Filters of the consent list; every value is checked, none trusted."""

    customer = forms.ModelChoiceField(
        get_user_model().objects.all(), required=False, widget=forms.HiddenInput
    )
    email = forms.CharField(
        label=pgettext_lazy("privacy filter", "Email"), required=False, max_length=254
    )
    purpose = forms.ChoiceField(
        label=_("Purpose"), choices=_blank(ConsentPurpose.choices), required=False
    )
    action = forms.ChoiceField(
        label=_("Action"), choices=_blank(ConsentAction.choices), required=False
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=_blank(ConsentChannel.choices), required=False
    )
    version = forms.ModelChoiceField(
        PolicyVersion.objects.all(),
        label=_("Version"),
        required=False,
        empty_label=pgettext_lazy("privacy filter", "All"),
    )
    order_number = forms.CharField(label=_("Order number"), required=False, max_length=128)
    date_from = forms.DateField(
        label=pgettext_lazy("privacy filter", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=pgettext_lazy("privacy filter", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def filter(self, queryset):
        data = self.cleaned_data
        exact = {
            "user": data.get("customer"),
            "purpose": data.get("purpose"),
            "action": data.get("action"),
            "channel": data.get("channel"),
            "version": data.get("version"),
            "order_number": data.get("order_number"),
        }
        queryset = queryset.filter(**{key: value for key, value in exact.items() if value})
        if data.get("email"):
            queryset = queryset.filter(email__iexact=data["email"].strip())
        if data.get("date_from"):
            queryset = queryset.filter(created_at__date__gte=data["date_from"])
        if data.get("date_to"):
            queryset = queryset.filter(created_at__date__lte=data["date_to"])
        return queryset

    def in_force(self):
        """Whether filters were given and are valid."""
        return self.is_bound and self.is_valid()

    def subject(self):
        """The person the list is about, if it is filtered to one."""
        return self.cleaned_data.get("customer") if self.in_force() else None

    def applied(self):
        """The filters in force, as text, for the audit trail."""
        if not self.in_force():
            return {}
        return {
            key: str(getattr(value, "pk", value))
            for key, value in self.cleaned_data.items()
            if value not in (None, "")
        }


class RecoveryDecisionForm(forms.Form):
    """Staff's decision on an account recovery request: one of the shown candidates, or none.

    Only the candidates shown are valid choices, so a tampered id is a form
    error, not another account.
    """

    NO_MATCH = "none"

    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_("Which facts convinced you, or why none did. Kept in the audit trail."),
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {str(candidate.user.pk): candidate for candidate in candidates}
        self.fields["decision"].choices = [
            *((pk, candidate.masked["name"]) for pk, candidate in self.candidates.items()),
            (self.NO_MATCH, _("No account matches")),
        ]

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason for the decision."))
        return reason

    def matched_user(self):
        """The account chosen, or ``None`` for "no match"."""
        candidate = self.candidates.get(self.cleaned_data["decision"])
        return candidate.user if candidate is not None else None
