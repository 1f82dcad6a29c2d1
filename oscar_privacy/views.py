"""Public pages: the archive of legal texts and the acceptance of a new version.

The customer's pages in "My account" are in :mod:`oscar_privacy.account_views`."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.views import generic

from .caching import NoStoreMixin
from .consent import record_consents, versions_to_accept
from .forms import PolicyUpdateForm
from .models import ConsentChannel, PolicyKind, PolicyVersion
from .redirects import NextUrlMixin


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


class AcceptPoliciesView(NoStoreMixin, LoginRequiredMixin, NextUrlMixin, generic.FormView):
    """Shown by the middleware when a new version must be accepted; then on to ``next``."""

    template_name = "oscar_privacy/accept_policies.html"
    form_class = PolicyUpdateForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            # Read again: the person may have accepted from another device.
            self.due = versions_to_accept(request, fresh=True)
            if not self.due:
                return HttpResponseRedirect(self.next_url)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "versions": self.due, "consent_request": self.request}

    def get_context_data(self, **kwargs):
        return super().get_context_data(versions=self.due, next=self.next_url, **kwargs)

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
        return self.next_url
