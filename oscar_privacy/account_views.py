"""The customer's privacy pages in "My account": see, consents, download, close.

Views are thin: form, service, redirect. The services are in
:mod:`oscar_privacy.account`, :mod:`~oscar_privacy.export` and
:mod:`~oscar_privacy.closure`.
"""

import datetime
import logging

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import generic
from django.views.decorators.debug import sensitive_post_parameters
from oscar.core.loading import get_class

from . import export, reauth
from .account import ConsentWithdrawalError, consent_overview, personal_data, withdraw_consent
from .caching import NoStoreMixin
from .closure import ClosureError, close_account, closure_refusal, plan_closure
from .conf import app_settings
from .crypto import DecryptionError
from .forms import CloseAccountForm, PasswordConfirmationForm
from .models import AccountClosure, ConsentPurpose, DataExport
from .redirects import NextUrlMixin

logger = logging.getLogger(__name__)

PageTitleMixin = get_class("customer.mixins", "PageTitleMixin")

CLOSED_SESSION_KEY = "oscar_privacy_closed"
EXPORTS_SHOWN = 10


class PrivacyPageMixin(NoStoreMixin, LoginRequiredMixin, PageTitleMixin):
    active_tab = "privacy"


class MyDataView(PrivacyPageMixin, generic.TemplateView):
    """Everything the shop holds about the logged-in person, by category."""

    template_name = "oscar_privacy/account/my_data.html"
    page_title = _("My data")

    def get_context_data(self, **kwargs):
        return super().get_context_data(sections=personal_data(self.request.user), **kwargs)


class ConsentsView(PrivacyPageMixin, generic.TemplateView):
    """The person's consents now, their history, and the newsletter withdrawal."""

    template_name = "oscar_privacy/account/consents.html"
    page_title = _("My consents")

    def get_context_data(self, **kwargs):
        states, history = consent_overview(self.request.user)
        return super().get_context_data(states=states, history=history, **kwargs)


class ConsentWithdrawView(ConsentsView):
    """POST only: withdraw one consent at once, or show why it cannot be."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        purpose = request.POST.get("purpose", "")
        try:
            record = withdraw_consent(request.user, purpose, request=request)
        except ConsentWithdrawalError as exc:
            context = self.get_context_data(withdraw_error=str(exc), **kwargs)
            return self.render_to_response(context, status=400)
        messages.success(
            request,
            _("Consent withdrawn: %(purpose)s. This takes effect at once.")
            % {"purpose": ConsentPurpose(record.purpose).label},
        )
        return redirect("oscar_privacy:consents")


def _too_many_failures(request):
    messages.error(
        request,
        _("Too many wrong passwords: you have been logged out. Log in again to continue."),
    )
    return redirect("customer:login")


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class ConfirmPasswordView(PrivacyPageMixin, NextUrlMixin, generic.FormView):
    """Type the password again before a sensitive step; then back to ``next``."""

    template_name = "oscar_privacy/account/confirm_password.html"
    form_class = PasswordConfirmationForm
    page_title = _("Confirm your password")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except reauth.TooManyFailures:
            return _too_many_failures(request)

    def form_valid(self, form):
        minutes = max(1, app_settings.REAUTHENTICATION_SECONDS // 60)
        messages.success(
            self.request,
            ngettext(
                "Password confirmed: you can download your copy for the next minute.",
                "Password confirmed: you can download your copy for the next %(count)d minutes.",
                minutes,
            )
            % {"count": minutes},
        )
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self.next_url, **kwargs)

    def get_default_next(self):
        return reverse("oscar_privacy:exports")

    def get_success_url(self):
        return self.next_url


class ExportListView(PrivacyPageMixin, generic.TemplateView):
    """The person's copies of their data; POST asks for a new one."""

    template_name = "oscar_privacy/account/exports.html"
    page_title = _("Download my data")

    def get_context_data(self, **kwargs):
        user = self.request.user
        export.expire_exports(owner=user)
        exports = DataExport.objects.filter(owner=user)[:EXPORTS_SHOWN]
        return super().get_context_data(exports=exports, expiry_days=export.expiry_days(), **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            item, created = export.request_export(
                request.user, exports_url=export.exports_url_for(request), request=request
            )
        except export.ExportLimitReached as exc:
            messages.error(request, str(exc))
            return redirect("oscar_privacy:exports")
        item.refresh_from_db()
        if item.status == DataExport.Status.READY:
            # Built at once (a task backend that runs in the request).
            messages.success(
                request,
                _(
                    "Your copy is ready: download it below. It stays available for %(days)s "
                    "days; we have also emailed %(email)s."
                )
                % {"email": request.user.email, "days": export.expiry_days()},
            )
        elif created:
            messages.success(
                request,
                _(
                    "We are preparing a copy of your data. We will email %(email)s when it is "
                    "ready; it can then be downloaded from this page for %(days)s days."
                )
                % {"email": request.user.email, "days": export.expiry_days()},
            )
        else:
            messages.info(request, _("A copy of your data is already being prepared."))
        return redirect("oscar_privacy:exports")


class ExportDownloadView(PrivacyPageMixin, generic.View):
    """The archive, decrypted on the fly, for its owner after a recent password."""

    unavailable_template = "oscar_privacy/account/export_unavailable.html"

    def get(self, request, pk):
        item = export.get_owned_export(request.user, pk)
        if item is None:
            raise Http404
        if item.status == DataExport.Status.READY and item.is_expired:
            export.expire_exports(owner=request.user)
            item.refresh_from_db()
        if item.status != DataExport.Status.READY:
            status = 409 if item.status == DataExport.Status.PENDING else 410
            return self.unavailable(item, status)
        if not reauth.is_recent(request):
            # Back to the list afterwards: a download leaves the browser on the page it
            # started from, which must say what happened.
            query = urlencode({"next": reverse("oscar_privacy:exports")})
            return redirect(f"{reverse('oscar_privacy:confirm-password')}?{query}")
        try:
            chunks = export.open_archive(item)
        except FileNotFoundError:
            export.mark_unreadable(item)
            item.refresh_from_db()
            return self.unavailable(item, 410)
        except (OSError, DecryptionError):
            # The storage failing or a key missing may be put right: keep the archive.
            logger.exception("Export %s cannot be opened", item.pk)
            return self.unavailable(item, 503, temporary=True)
        export.record_download(item, request)
        response = StreamingHttpResponse(chunks, content_type="application/zip")
        filename = f"my-data-{timezone.localdate(item.ready_at):%Y-%m-%d}.zip"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def unavailable(self, item, status, temporary=False):
        context = {
            "export": item,
            "temporary": temporary,
            "expired_on": item.expires_at
            if item.expires_at and item.expires_at <= timezone.now()
            else None,
            "page_title": _("Download my data"),
            "active_tab": "privacy",
        }
        return render(self.request, self.unavailable_template, context, status=status)


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class CloseAccountView(PrivacyPageMixin, generic.FormView):
    """What closing the account does, for this person; the password closes it."""

    template_name = "oscar_privacy/account/close.html"
    form_class = CloseAccountForm
    page_title = _("Close my account")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            refusal = closure_refusal(request.user)
            if refusal is not None:
                return self.refuse(refusal)
        return super().dispatch(request, *args, **kwargs)

    def refuse(self, reason):
        context = {"refusal": reason, "page_title": self.page_title, "active_tab": "privacy"}
        return render(self.request, self.template_name, context, status=403)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def get_context_data(self, **kwargs):
        return super().get_context_data(plan=plan_closure(self.request.user), **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except reauth.TooManyFailures:
            return _too_many_failures(request)

    def form_valid(self, form):
        try:
            closure = close_account(
                self.request.user,
                channel=AccountClosure.Channel.MY_ACCOUNT,
                request=self.request,
            )
        except ClosureError as exc:
            return self.refuse(str(exc))
        logout(self.request)
        self.request.session[CLOSED_SESSION_KEY] = {
            "hold_until": closure.hold_until.isoformat() if closure.hold_until else None
        }
        return redirect("oscar_privacy:account-closed")


class AccountClosedView(NoStoreMixin, generic.TemplateView):
    """Shown once, after the closure (the person is logged out by then)."""

    template_name = "oscar_privacy/account/closed.html"

    def get(self, request, *args, **kwargs):
        closed = request.session.pop(CLOSED_SESSION_KEY, None)
        if not isinstance(closed, dict):
            return redirect("/")
        hold_until = closed.get("hold_until")
        context = self.get_context_data(
            hold_until=datetime.datetime.fromisoformat(hold_until) if hold_until else None
        )
        return self.render_to_response(context)
