"""Forms of the admin pages that create and edit accounts, without any password in them.

:class:`AccountInvitationForm` creates an account with no password (its owner
is invited to choose one); :class:`EmailChangeReasonMixin` adds to any user
form the reason staff must give to change an email address. Django's admin,
Wagtail's user admin and Oscar's partner users pages use them
(:mod:`oscar_privacy.staff_accounts` for what happens next).
"""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

REASON_MAX_LENGTH = 1000


def email_field_name():
    return get_user_model().get_email_field_name()


def invitation_fields():
    """The fields of the invitation form: login, email address and, if any, names."""
    user_model = get_user_model()
    names = [user_model.USERNAME_FIELD, email_field_name(), "first_name", "last_name"]
    model_fields = {field.name for field in user_model._meta.get_fields()}
    return list(dict.fromkeys(name for name in names if name in model_fields))


def refuse_email_in_use(form, cleaned):
    """Add an error to ``form`` if another account has the email address it creates one with."""
    name = email_field_name()
    email = cleaned.get(name)
    accounts = get_user_model()._default_manager.filter(**{f"{name}__iexact": email})
    if email and accounts.exists():
        form.add_error(name, _("Another account already has this email address."))


class AccountInvitationForm(forms.ModelForm):
    """Create an account without a password: an email invites its owner to choose one.

    The email address is required (the invitation goes there) and must not
    belong to another account: Oscar logs people in by email address.
    """

    class Meta:
        model = get_user_model()
        fields = invitation_fields()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        email = self.fields[email_field_name()]
        email.required = True
        email.help_text = _(
            "The new account has no password: this address receives a link to choose one."
        )

    def clean(self):
        cleaned = super().clean()
        refuse_email_in_use(self, cleaned)
        return cleaned

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
            self.save_m2m()
        return user


class EmailChangeReasonMixin(forms.Form):
    """For a form that edits an account: changing its email address needs a reason.

    The reason goes to the audit trail with the change
    (:func:`oscar_privacy.staff_accounts.record_account_changes`), which also
    tells the old address.
    """

    email_change_reason = forms.CharField(
        label=_("Reason for changing the email address"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Required when you change the email address; kept in the audit trail. "
            "The old address is told of the change."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        reason = (cleaned.get("email_change_reason") or "").strip()
        cleaned["email_change_reason"] = reason
        if self.instance.pk is not None and email_field_name() in self.changed_data and not reason:
            self.add_error(
                "email_change_reason",
                _("Say why the email address changes (who asked, how you checked it was them)."),
            )
        return cleaned
