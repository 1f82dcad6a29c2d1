"""Public pages (the archive of legal texts, the acceptance of a new version) and the
customer's privacy pages in "My account"."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import generic
from oscar.core.loading import get_class

from .account import ConsentWithdrawalError, consent_overview, personal_data, withdraw_consent
from .consent import record_consents, versions_to_accept
from .forms import PolicyUpdateForm
from .models import ConsentChannel, ConsentPurpose, PolicyKind, PolicyVersion

PageTitleMixin = get_class("customer.mixins", "PageTitleMixin")


class PolicyKindMixin:
    def get_kind(self):
        kind = self.kwargs["kind"]
        if kind not in PolicyKind.values:
            raise Http404
        return kind


class PolicyVersionListView(PolicyKindMixin, generic.ListView):
    """Every published version of a document, newest first."""

    template_name = "oscar_privacy/policy_version_list.html"
    context_object_name = "versions"

    def get_queryset(self):
        return PolicyVersion.objects.filter(kind=self.get_kind()).order_by("-number")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["document"] = PolicyKind(self.get_kind()).label
        return ctx


class PolicyVersionDetailView(PolicyKindMixin, generic.DetailView):
    """One version's text as it was published, at a URL that never changes."""

    template_name = "oscar_privacy/policy_version_detail.html"
    context_object_name = "version"

    def get_object(self, queryset=None):
        return get_object_or_404(PolicyVersion, kind=self.get_kind(), number=self.kwargs["number"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["successor"] = (
            PolicyVersion.objects.filter(kind=self.object.kind, number__gt=self.object.number)
            .order_by("number")
            .first()
        )
        return ctx


class AcceptPoliciesView(LoginRequiredMixin, generic.FormView):
    """Shown by the middleware when a new version must be accepted."""

    template_name = "oscar_privacy/accept_policies.html"
    form_class = PolicyUpdateForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            # Read again: the person may have accepted from another device.
            self.due = versions_to_accept(request, fresh=True)
            if not self.due:
                return redirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "versions": self.due, "consent_request": self.request}

    def get_context_data(self, **kwargs):
        return super().get_context_data(versions=self.due, next=self.get_success_url(), **kwargs)

    def form_valid(self, form):
        record_consents(
            form.consent_entries(),
            channel=ConsentChannel.POLICY_UPDATE,
            user=self.request.user,
            request=self.request,
        )
        messages.success(self.request, _("Thank you: your acceptance has been recorded."))
        return super().form_valid(form)

    def get_success_url(self):
        target = self.request.POST.get("next") or self.request.GET.get("next", "")
        if url_has_allowed_host_and_scheme(
            target, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return target
        return "/"


class MyDataView(LoginRequiredMixin, PageTitleMixin, generic.TemplateView):
    """Everything the shop holds about the logged-in person, by category."""

    template_name = "oscar_privacy/account/my_data.html"
    page_title = _("My data")
    active_tab = "privacy"

    def get_context_data(self, **kwargs):
        return super().get_context_data(sections=personal_data(self.request.user), **kwargs)


class ConsentsView(LoginRequiredMixin, PageTitleMixin, generic.TemplateView):
    """The person's consents now, their history, and the newsletter withdrawal."""

    template_name = "oscar_privacy/account/consents.html"
    page_title = _("My consents")
    active_tab = "privacy"

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
