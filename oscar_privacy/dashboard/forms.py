from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from oscar_privacy.models import (
    AuditEvent,
    ConsentAction,
    ConsentChannel,
    ConsentPurpose,
    PolicyVersion,
)


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


class AuditFilterForm(forms.Form):
    """Filters of the audit list; every value is checked, none trusted.

    ``customer`` takes a customer's id or email address; ``actor`` the label
    frozen in the event (the staff member's login name, or ``system``).
    """

    actor = forms.CharField(
        label=pgettext_lazy("privacy audit", "Actor"), required=False, max_length=150
    )
    customer = forms.CharField(
        label=pgettext_lazy("privacy audit", "Person concerned"),
        required=False,
        max_length=254,
        help_text=_("Customer id or email address."),
    )
    action = forms.ChoiceField(label=_("Action"), required=False)
    kind = forms.ChoiceField(
        label=pgettext_lazy("privacy audit", "Kind"),
        choices=_blank(AuditEvent.Kind.choices),
        required=False,
    )
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        actions = AuditEvent.objects.order_by("action").values_list("action", flat=True)
        self.fields["action"].choices = _blank((action, action) for action in actions.distinct())

    def clean_customer(self):
        value = self.cleaned_data["customer"].strip()
        if value and not value.isdigit() and "@" not in value:
            raise forms.ValidationError(_("Enter a customer id or an email address."))
        if value.isdigit() and int(value) > 2**63 - 1:
            raise forms.ValidationError(_("Enter a customer id or an email address."))
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def filter(self, queryset):
        data = self.cleaned_data
        if data.get("actor"):
            queryset = queryset.filter(actor_label__iexact=data["actor"].strip())
        customer = data.get("customer")
        if customer and customer.isdigit():
            queryset = queryset.filter(subject_id=int(customer))
        elif customer:
            # A guest has no account: events about their orders carry the address.
            queryset = queryset.filter(
                Q(subject__email__iexact=customer) | Q(data__email__iexact=customer)
            )
        if data.get("action"):
            queryset = queryset.filter(action=data["action"])
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("date_from"):
            queryset = queryset.filter(created_at__date__gte=data["date_from"])
        if data.get("date_to"):
            queryset = queryset.filter(created_at__date__lte=data["date_to"])
        return queryset

    def in_force(self):
        """Whether filters were given and are valid."""
        return self.is_bound and self.is_valid()

    def subject(self):
        """The customer the list is filtered to, if there is one such account."""
        value = self.cleaned_data.get("customer") if self.in_force() else ""
        if not value:
            return None
        users = get_user_model().objects.all()
        lookup = {"pk": int(value)} if value.isdigit() else {"email__iexact": value}
        return users.filter(**lookup).first()

    def applied(self):
        """The filters in force, as text, for the audit trail."""
        if not self.in_force():
            return {}
        return {
            key: str(value) for key, value in self.cleaned_data.items() if value not in (None, "")
        }
