"""Forms of the privacy request queue: the filters, and one form per staff action."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from oscar_privacy.models import PrivacyRequest
from oscar_privacy.request_handling import EXTENSION_MONTHS, handlers
from oscar_privacy.requests import overdue

from .forms import _blank

TEXT_MAX_LENGTH = 4000
ME, NOBODY = "me", "none"


def _text(label, help_text="", required=True):
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=help_text,
    )


class RequestFilterForm(forms.Form):
    """Filters of the queue; every value is checked, none trusted.

    Without a status, the queue shows the confirmed requests: one awaiting
    its requester's confirmation is not actionable, and may be a forgery.
    """

    OPEN = "open"

    kind = forms.ChoiceField(
        label=_("Kind"), choices=_blank(PrivacyRequest.Kind.choices), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            ("", pgettext_lazy("privacy filter", "All confirmed")),
            (OPEN, pgettext_lazy("privacy filter", "Open")),
            *PrivacyRequest.Status.choices,
        ],
        required=False,
    )
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["assignee"].choices = [
            ("", pgettext_lazy("privacy filter", "Anyone")),
            (ME, _("Me")),
            (NOBODY, _("Nobody")),
            *((str(staff.pk), staff.get_username()) for staff in handlers()),
        ]

    def filter(self, queryset):
        data = self.cleaned_data
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        status = data.get("status")
        if status == self.OPEN:
            queryset = queryset.filter(status__in=PrivacyRequest.OPEN_STATUSES)
        elif status:
            queryset = queryset.filter(status=status)
        else:
            queryset = queryset.exclude(status=PrivacyRequest.Status.UNCONFIRMED)
        assignee = data.get("assignee")
        if assignee == ME:
            queryset = queryset.filter(assignee=self.user)
        elif assignee == NOBODY:
            queryset = queryset.filter(assignee__isnull=True)
        elif assignee:
            queryset = queryset.filter(assignee_id=int(assignee))
        if data.get("overdue"):
            queryset = overdue(queryset, timezone.now())
        return queryset


SELECT = forms.Select(attrs={"class": "form-control"})


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assign to"), required=False, widget=SELECT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            ("", _("Nobody")),
            *((str(staff.pk), staff.get_username()) for staff in handlers()),
        ]

    def clean_assignee(self):
        value = self.cleaned_data["assignee"]
        return get_user_model()._default_manager.get(pk=int(value)) if value else None


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(status.value, status.label) for status in PrivacyRequest.OPEN_STATUSES],
        widget=SELECT,
    )
    note = _text(_("Note"), required=False)


class NoteForm(forms.Form):
    note = _text(_("Note"), _("Kept encrypted in the request's history; never sent."))


class ExtendForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Extend by"),
        coerce=int,
        choices=[
            (1, _("one month")),
            (2, _("two months")),
        ],
        widget=SELECT,
    )
    reason = _text(_("Reason"), _("Emailed to the requester: why the request needs more time."))

    def clean_months(self):
        months = self.cleaned_data["months"]
        if months not in EXTENSION_MONTHS:
            raise forms.ValidationError(_("A deadline can be extended by one or two months only."))
        return months


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            (PrivacyRequest.Decision.GRANTED, _("Granted: the request has been done")),
            (PrivacyRequest.Decision.REFUSED, _("Refused")),
        ],
    )
    reason = _text(
        _("Answer"),
        _(
            "Emailed to the requester with the decision: what was done, or why it is refused. "
            "The email adds their right to complain to the supervisory authority."
        ),
    )


class CloseAccountForm(forms.Form):
    reason = _text(_("Reason"), _("Kept with the closure and in the audit trail."))


class ExportForm(forms.Form):
    """Nothing to fill in: the button is the decision."""
