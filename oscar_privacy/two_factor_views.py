"""The staff two-factor pages: set up an authenticator, verify a session, backup codes.

:class:`~oscar_privacy.middleware.StaffTwoFactorMiddleware` sends staff here
with the page they asked for in ``next``. Views are thin: form, service
(:mod:`oscar_privacy.two_factor`), redirect. No page is stored (``no-store``)
(they show secrets and codes); those that take a code also hide it from
error reports.
"""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django.views.decorators.debug import sensitive_post_parameters

from . import two_factor
from .caching import NoStoreMixin
from .conf import app_settings
from .exceptions import TwoFactorRefused
from .redirects import NextUrlMixin
from .two_factor_forms import EnrolmentForm, VerificationForm


def default_next():
    """Where staff go after the second factor when no (safe) ``next`` was given."""
    try:
        return reverse("dashboard:index")
    except NoReverseMatch:
        return "/"


def url_with_next(url_name, next_url):
    """The URL of the two-factor page ``url_name`` that leads on to ``next_url``."""
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


class TwoFactorPageMixin(NoStoreMixin, NextUrlMixin):
    """Pages for logged-in people who need a second factor.

    Not found while ``OSCAR_PRIVACY_STAFF_TWO_FACTOR`` is off. ``next`` is
    checked as the view is set up, before a code is read: a bad one leads
    to the dashboard, it never makes a right code fail after it was used.
    """

    page_title = None

    def dispatch(self, request, *args, **kwargs):
        if not app_settings.STAFF_TWO_FACTOR:
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not two_factor.requires_two_factor(request.user):
            raise PermissionDenied
        return self.elsewhere() or super().dispatch(request, *args, **kwargs)

    def elsewhere(self):
        """A redirect when this page is not the one to show now, else ``None``."""
        return None

    def get_default_next(self):
        return default_next()

    def get_next(self):
        """The page to go on to: ``next`` when it is a path on this site, else the dashboard."""
        return self.next_url

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self.get_next(), page_title=self.page_title, **kwargs)


@method_decorator(sensitive_post_parameters("otp_token"), name="dispatch")
class SetupView(TwoFactorPageMixin, generic.FormView):
    """Set up an authenticator app: a QR code and its key, confirmed by a first code."""

    template_name = "oscar_privacy/two_factor/setup.html"
    form_class = EnrolmentForm
    page_title = _("Set up two-factor authentication")

    def elsewhere(self):
        if two_factor.has_device(self.request.user):
            # Set up once: with a device, a password alone must not add another one.
            # Changing it takes a reset (manage.py privacy_reset_two_factor).
            return redirect(url_with_next("oscar_privacy:two-factor-verify", self.get_next()))
        return None

    def get_context_data(self, **kwargs):
        device = two_factor.pending_authenticator(self.request)
        return super().get_context_data(
            # segno's SVG of our own otpauth:// address: nothing typed by anyone.
            qr_code=mark_safe(two_factor.qr_code_svg(device, str(_("QR code to scan")))),  # noqa: S308
            secret=two_factor.secret_for_typing(device),
            account=self.request.user.get_username(),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            two_factor.confirm_enrolment(self.request, form.cleaned_data["otp_token"])
        except TwoFactorRefused as refusal:
            form.add_error("otp_token", str(refusal))
            return self.form_invalid(form)
        return redirect(url_with_next("oscar_privacy:two-factor-backup-codes", self.get_next()))


@method_decorator(sensitive_post_parameters("otp_token"), name="dispatch")
class VerifyView(TwoFactorPageMixin, generic.FormView):
    """Type a code from the authenticator app, or a backup code, once per session."""

    template_name = "oscar_privacy/two_factor/verify.html"
    form_class = VerificationForm
    page_title = _("Two-factor authentication")

    def elsewhere(self):
        user = self.request.user
        if two_factor.is_verified(user):
            return HttpResponseRedirect(self.get_next())
        if not two_factor.has_device(user):
            return redirect(url_with_next("oscar_privacy:two-factor-setup", self.get_next()))
        return None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "request": self.request}

    def form_valid(self, form):
        two_factor.mark_verified(self.request, form.get_user().otp_device)
        return HttpResponseRedirect(self.get_next())

    def form_invalid(self, form):
        if form.failure:
            two_factor.record_failure(
                self.request, device_kind=form.device_kind, reason=form.failure
            )
        elif form.data.get("otp_device") and form.has_error("otp_device"):
            # Another person's device, or a forged choice.
            two_factor.record_failure(self.request, device_kind="", reason="unknown_device")
        return super().form_invalid(form)


class BackupCodesView(TwoFactorPageMixin, generic.TemplateView):
    """New backup codes, shown once; otherwise how many are left, and a button for new ones."""

    template_name = "oscar_privacy/two_factor/backup_codes.html"
    page_title = _("Backup codes")

    def elsewhere(self):
        if not two_factor.is_verified(self.request.user):
            # Codes are shown and made only in a session that passed the second factor.
            return redirect(
                url_with_next("oscar_privacy:two-factor-verify", self.request.get_full_path())
            )
        return None

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            codes=two_factor.pop_new_backup_codes(self.request),
            codes_left=two_factor.backup_codes_left(self.request.user),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        two_factor.regenerate_backup_codes(request)
        return redirect(url_with_next("oscar_privacy:two-factor-backup-codes", self.get_next()))
