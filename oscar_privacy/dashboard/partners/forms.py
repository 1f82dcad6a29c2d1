"""The partner user forms of Oscar's dashboard, without password fields."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils.translation import gettext_lazy as _
from oscar.core.compat import existing_user_fields
from oscar.core.loading import get_class

from oscar_privacy.staff_account_forms import refuse_email_in_use

ROLE_CHOICES = get_class("dashboard.partners.forms", "ROLE_CHOICES")
generate_username = get_class("customer.forms", "generate_username")


def dashboard_access_permission():
    return Permission.objects.get(codename="dashboard_access", content_type__app_label="partner")


class RoleMixin(forms.Form):
    """Oscar's "User role": full dashboard access (staff) or only the partner's orders."""

    role = forms.ChoiceField(
        choices=ROLE_CHOICES,
        widget=forms.RadioSelect,
        label=_("User role"),
        initial="limited",
    )

    def apply_role(self, user):
        """Give ``user`` (saved) the chosen role, as Oscar's forms do."""
        permission = dashboard_access_permission()
        if self.cleaned_data.get("role") == "staff":
            user.user_permissions.remove(permission)
        else:
            user.user_permissions.add(permission)


class PartnerUserInvitationForm(RoleMixin, forms.ModelForm):
    """A new user of a partner, with no password: they are invited to choose one."""

    class Meta:
        model = get_user_model()
        fields = existing_user_fields(["first_name", "last_name", "email"])

    def __init__(self, partner, *args, **kwargs):
        self.partner = partner
        super().__init__(*args, **kwargs)
        self.fields[get_user_model().get_email_field_name()].required = True

    def clean(self):
        cleaned = super().clean()
        refuse_email_in_use(self, cleaned)
        return cleaned

    def save(self, commit=True):
        user = super().save(commit=False)
        if "username" in {field.name for field in user._meta.fields} and not user.username:
            user.username = generate_username()
        user.is_staff = self.cleaned_data["role"] == "staff"
        user.set_unusable_password()
        user.save()
        self.partner.users.add(user)
        self.apply_role(user)
        return user


class PartnerUserForm(RoleMixin, forms.ModelForm):
    """An existing user of a partner: names and role; their password is theirs."""

    class Meta:
        model = get_user_model()
        fields = existing_user_fields(["first_name", "last_name"])

    def __init__(self, *args, **kwargs):
        instance = kwargs["instance"]
        kwargs.setdefault("initial", {}).setdefault(
            "role", "staff" if instance.is_staff else "limited"
        )
        super().__init__(*args, **kwargs)

    def save(self, commit=True):
        user = super().save(commit=False)
        user.is_staff = self.cleaned_data["role"] == "staff"
        user.save()
        self.apply_role(user)
        return user
