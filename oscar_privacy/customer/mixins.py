"""Mixins for Oscar's customer views: registration, consent, password rules, account alerts,
a safe ``next``.

``NeutralRegistrationMixin``, ``SafeNextMixin``,
``RegistrationConsentMixin`` and ``PasswordRulesMixin`` go before Oscar's
``AccountRegistrationView`` and ``AccountAuthView`` (or the shop's forks of
them), in that order, ``UnstoredAccountAlertsMixin`` before
``ProfileUpdateView`` and ``ChangePasswordView``, and
``VerifiedEmailChangeMixin`` before it on ``ProfileUpdateView``;
``oscar_privacy.customer.apps.CustomerConfig`` does that without a fork.
"""

from functools import cache

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from oscar.apps.customer.utils import normalise_email

from ..consent import record_consents
from ..email_change import (
    CHANGE_RATE,
    email_field,
    is_change,
    record_change,
    start_email_change,
    stored_email,
)
from ..forms import with_consent_fields
from ..models import ConsentChannel
from ..passwords import EMAIL_CHANGED_EMAIL, PASSWORD_CHANGED_EMAIL, send_account_alert
from ..ratelimit import is_limited
from ..redirects import requested_next, safe_or_empty
from ..registration import prevents_enumeration, start_registration


class RegistrationConsentMixin:
    # AccountRegistrationView (a FormView)
    def get_form_class(self):
        return with_consent_fields(super().get_form_class())

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "consent_request": self.request}

    # AccountAuthView (login and registration on one page). The form class is
    # swapped for the call only, so that a shop's own get_registration_form()
    # and get_registration_form_kwargs() still run.
    def get_registration_form(self, bind_data=False):
        original = self.registration_form_class
        self.registration_form_class = with_consent_fields(original)
        try:
            return super().get_registration_form(bind_data)
        finally:
            self.registration_form_class = original

    def get_registration_form_kwargs(self, bind_data=False):
        return {
            **super().get_registration_form_kwargs(bind_data),
            "consent_request": self.request,
        }

    def register_user(self, form):
        # The account and the proof of its consent exist together or not at all.
        with transaction.atomic():
            user = super().register_user(form)
            record_consents(
                form.consent_entries(),
                channel=ConsentChannel.REGISTRATION,
                user=user,
                request=self.request,
            )
        return user


class NeutralRegistrationMixin:
    """Registration that answers alike for a new address and one with an account.

    With ``OSCAR_PRIVACY_PREVENT_ACCOUNT_ENUMERATION`` (the default), the
    form no longer looks the address up, and a valid form leads to the same
    "check your inbox" page whatever the address
    (:func:`oscar_privacy.registration.start_registration`); the account is
    created from the emailed link. Otherwise, Oscar's registration as it is.
    Goes before Oscar's ``AccountRegistrationView`` and ``AccountAuthView``
    (or the shop's forks of them), in front of :class:`RegistrationConsentMixin`.
    """

    sent_url = "oscar_privacy:registration-sent"

    # AccountRegistrationView
    def get_form_class(self):
        form_class = super().get_form_class()
        return without_account_check(form_class) if prevents_enumeration() else form_class

    def form_valid(self, form):
        if not prevents_enumeration():
            return super().form_valid(form)
        start_registration(form, request=self.request)
        return redirect(self.sent_url)

    # AccountAuthView: the form class is swapped for the call only (see
    # RegistrationConsentMixin).
    def get_registration_form(self, bind_data=False):
        if not prevents_enumeration():
            return super().get_registration_form(bind_data)
        original = self.registration_form_class
        self.registration_form_class = without_account_check(original)
        try:
            return super().get_registration_form(bind_data)
        finally:
            self.registration_form_class = original

    def validate_registration_form(self):
        if not prevents_enumeration():
            return super().validate_registration_form()
        form = self.get_registration_form(bind_data=True)
        if form.is_valid():
            start_registration(form, request=self.request)
            return redirect(self.sent_url)
        return self.render_to_response(self.get_context_data(registration_form=form))


class NoAccountCheckMixin:
    """A registration form whose email field does not say whether an account has the address."""

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])


@cache
def without_account_check(form_class):
    """``form_class`` without Oscar's "A user with that email address already exists"."""
    if issubclass(form_class, NoAccountCheckMixin):
        return form_class
    return type(
        form_class.__name__,
        (NoAccountCheckMixin, form_class),
        {"__module__": form_class.__module__},
    )


class VerifiedEmailChangeMixin:
    """My Account's profile: a new email address takes effect once its mailbox confirms it.

    With ``OSCAR_PRIVACY_PREVENT_ACCOUNT_ENUMERATION`` (the default), the
    form no longer says whether another account has the address: the other
    fields are saved at once, the address is kept, and the new one is
    emailed a link (:func:`oscar_privacy.email_change.start_email_change`),
    with the same work and the same message whatever the address. Asking
    more than :data:`~oscar_privacy.email_change.CHANGE_RATE` times is
    refused, so that no account mails addresses by the hundred. Otherwise
    Oscar's immediate change, audited. Goes before Oscar's
    ``ProfileUpdateView`` (or a shop's fork), in front of
    ``UnstoredAccountAlertsMixin``.
    """

    email_help_text = gettext_lazy(
        "A new address takes effect when you follow the link we email to it."
    )

    def get_form_class(self):
        form_class = super().get_form_class()
        return without_email_check(form_class) if prevents_enumeration() else form_class

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        field = form.fields.get("email")
        if prevents_enumeration() and field is not None and not field.help_text:
            field.help_text = self.email_help_text
        return form

    def form_valid(self, form):
        if not prevents_enumeration():
            return super().form_valid(form)
        new_email = form.cleaned_data.get("email")
        old_email = stored_email(self.request.user)
        changing = is_change(old_email, new_email)
        if changing and is_limited(
            self.request,
            group="oscar_privacy.email_change",
            rate=CHANGE_RATE,
            identifier=f"account-{self.request.user.pk}",
        ):
            form.add_error(
                "email", _("You have asked to change your address too often: wait an hour.")
            )
            return self.form_invalid(form)
        keep_address(form, old_email)
        response = super().form_valid(form)
        if changing:
            start_email_change(
                self.request.user, new_email, old_email=old_email, request=self.request
            )
            messages.info(
                self.request,
                _("We have sent a link to %(email)s: the change takes effect when you follow it.")
                % {"email": new_email},
            )
        return response

    # Oscar calls it once it saved a new address: only with prevention off.
    def send_email_changed_email(self, old_user, new_email):
        record_change(
            self.request.user, old_user.email, new_email, request=self.request, verified=False
        )
        super().send_email_changed_email(old_user, new_email)


def keep_address(form, email):
    """Have the profile ``form`` save ``email`` (the stored address), whatever was typed."""
    if "email" not in form.cleaned_data:
        return  # a shop's form without the address
    form.cleaned_data["email"] = email
    # Oscar's UserForm already copied the new address onto the account it edits;
    # UserAndProfileForm copies it from cleaned_data when it saves.
    if isinstance(getattr(form, "instance", None), get_user_model()):
        setattr(form.instance, email_field(), email)


class NoEmailCheckMixin(NoAccountCheckMixin):
    """A profile form whose email field does not say whether another account has the address.

    Neither Oscar's check nor the unique constraint of a shop's user model
    answers: the form does not save a new address anyway.
    """

    def validate_unique(self):
        exclude = self._get_validation_exclusions() | {email_field()}
        try:
            self.instance.validate_unique(exclude=exclude)
        except ValidationError as error:
            self._update_errors(error)


@cache
def without_email_check(form_class):
    """Profile ``form_class`` without Oscar's "A user with this email address already exists"."""
    if issubclass(form_class, NoEmailCheckMixin):
        return form_class
    return type(
        form_class.__name__,
        (NoEmailCheckMixin, form_class),
        {"__module__": form_class.__module__},
    )


class UnstoredAccountAlertsMixin:
    """Oscar's "email changed" and "password changed" warnings, kept out of the email history.

    Both carry a working password reset link ("if it wasn't you..."); Oscar
    stores what it sends to customers in ``communication.Email``, where the
    link would stay usable by anyone reading the history. Goes before Oscar's
    ``ProfileUpdateView`` and ``ChangePasswordView`` (or a shop's forks).
    """

    # ProfileUpdateView: the warning goes to the old address.
    def send_email_changed_email(self, old_user, new_email):
        send_account_alert(
            EMAIL_CHANGED_EMAIL,
            self.request.user,
            old_user.email,
            request=self.request,
            new_email=new_email,
        )

    # ChangePasswordView
    def send_password_changed_email(self):
        user = self.request.user
        send_account_alert(PASSWORD_CHANGED_EMAIL, user, user.email, request=self.request)


class PasswordRulesMixin:
    """Shows the password rules (``AUTH_PASSWORD_VALIDATORS``) on Oscar's registration form.

    Oscar's form runs the validators but does not say what they ask. Goes
    before ``AccountRegistrationView`` and ``AccountAuthView``.
    """

    # AccountRegistrationView
    def get_form(self, form_class=None):
        return with_password_rules(super().get_form(form_class))

    # AccountAuthView
    def get_registration_form(self, bind_data=False):
        return with_password_rules(super().get_registration_form(bind_data))


def with_password_rules(form, field_name="password1"):
    """``form`` with the password rules as help text of its new password field."""
    field = form.fields.get(field_name)
    if field is not None and not field.help_text:
        field.help_text = password_validators_help_text_html()
        field.widget.attrs.setdefault("autocomplete", "new-password")
    if "password2" in form.fields:
        form.fields["password2"].widget.attrs.setdefault("autocomplete", "new-password")
    return form


class SafeNextMixin:
    """Oscar's login and registration go on to ``next`` only when it is a path on this site.

    Oscar checks the host alone: ``?next=abc`` logged the customer in, then
    failed with a server error (``redirect`` took ``abc`` for a URL name).
    Here every ``next`` passes :func:`oscar_privacy.redirects.is_safe_path`;
    any other goes to Oscar's own default. Goes before ``AccountAuthView``
    and ``AccountRegistrationView`` (or a shop's forks of them).
    """

    def _with_safe_initial(self, kwargs):
        initial = kwargs.get("initial")
        if isinstance(initial, dict) and "redirect_url" in initial:
            safe = safe_or_empty(requested_next(self.request), self.request)
            kwargs["initial"] = {**initial, "redirect_url": safe}
        return kwargs

    def _keep_safe_redirect(self, form):
        url = safe_or_empty(form.cleaned_data.get("redirect_url"), self.request)
        form.cleaned_data["redirect_url"] = url
        return url

    # AccountRegistrationView
    def get_form_kwargs(self):
        return self._with_safe_initial(super().get_form_kwargs())

    def form_valid(self, form):
        if not self._keep_safe_redirect(form):
            form.cleaned_data["redirect_url"] = resolve_url(settings.LOGIN_REDIRECT_URL)
        return super().form_valid(form)

    # AccountAuthView
    def get_login_form_kwargs(self, bind_data=False):
        return self._with_safe_initial(super().get_login_form_kwargs(bind_data))

    def get_registration_form_kwargs(self, bind_data=False):
        return self._with_safe_initial(super().get_registration_form_kwargs(bind_data))

    def get_login_success_url(self, form):
        self._keep_safe_redirect(form)  # empty: Oscar's default (dashboard or account)
        return super().get_login_success_url(form)

    def get_registration_success_url(self, form):
        self._keep_safe_redirect(form)
        return super().get_registration_success_url(form)
