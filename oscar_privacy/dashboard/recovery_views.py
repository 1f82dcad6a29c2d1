"""Staff pages of account recovery: the requests, and one request with its candidate accounts.

Opening a request is a read of the requester's data and of each candidate's
(masked) data: both are recorded in the audit trail. The decision is taken
by :func:`oscar_privacy.recovery.decide`.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views import generic

from oscar_privacy import audit
from oscar_privacy.fields import is_readable
from oscar_privacy.models import PrivacyRequest
from oscar_privacy.recovery import (
    FACTS,
    Candidate,
    RecoveryError,
    UnreadableRequest,
    candidates,
    decide,
    recovery_requests,
)

from .forms import RecoveryDecisionForm


class RecoveryListView(generic.ListView):
    """The recovery requests, open ones first. No personal data: numbers, dates, statuses."""

    template_name = "oscar_privacy/dashboard/recovery_list.html"
    context_object_name = "privacy_requests"
    paginate_by = 50

    def get_queryset(self):
        return recovery_requests().defer("details")


class RecoveryDetailView(generic.TemplateView):
    """One request: the facts given, the scored candidates (masked), the decision form."""

    template_name = "oscar_privacy/dashboard/recovery_detail.html"

    def dispatch(self, request, *args, **kwargs):
        self.object = get_object_or_404(
            PrivacyRequest.objects.select_related("matched_user", "decided_by"),
            pk=kwargs["pk"],
            kind=PrivacyRequest.Kind.RECOVERY,
        )
        return super().dispatch(request, *args, **kwargs)

    def get_candidates(self):
        if not hasattr(self, "_candidates"):
            self._candidates, self.unreadable = [], False
            if self.object.is_open:
                try:
                    self._candidates = candidates(self.object)
                except UnreadableRequest:
                    self.unreadable = True
            else:
                self.unreadable = not is_readable(self.object.details)
        return self._candidates

    def get_form(self):
        data = self.request.POST if self.request.method == "POST" else None
        return RecoveryDecisionForm(data, candidates=self.get_candidates())

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(form=self.get_form())
        self.record_reads()
        return self.render_to_response(context)

    def post(self, request, *args, **kwargs):
        if not self.object.is_open:
            messages.error(request, _("This request has already been decided."))
            return redirect("oscar_privacy_dashboard:privacy-recovery-detail", pk=self.object.pk)
        form = self.get_form()
        if form.is_valid():
            try:
                decide(
                    self.object,
                    actor=request.user,
                    matched_user=form.matched_user(),
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except RecoveryError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, self.success_message(form.matched_user()))
                return redirect("oscar_privacy_dashboard:privacy-recovery-list")
        self.record_reads()
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def success_message(self, matched_user):
        if matched_user is None:
            return _("Recorded: no account matches. Nothing was sent.")
        return _(
            "Recorded: the account matches. A link to choose a new password was sent to "
            "the email address registered on it."
        )

    def record_reads(self):
        found = self.get_candidates()
        audit.record_read(
            "recovery.viewed",
            request=self.request,
            subject=self.object.matched_user,
            target=self.object,
            data={"candidates": [candidate.user.pk for candidate in found]},
        )
        for candidate in found:
            audit.record_read(
                "recovery.candidate_viewed",
                request=self.request,
                subject=candidate.user,
                target=self.object,
                data={"score": candidate.score, "matched": candidate.matched},
            )

    def get_context_data(self, **kwargs):
        details = self.object.details
        found = self.get_candidates()
        facts = []
        if is_readable(details) and details:
            facts = [(label, details[key]) for key, label in FACTS.items() if details.get(key)]
        matched = None
        if self.object.matched_user is not None:
            matched = Candidate(user=self.object.matched_user)
        return super().get_context_data(
            privacy_request=self.object,
            facts=facts,
            message=details.get("message", "") if is_readable(details) and details else "",
            unreadable=self.unreadable,
            candidates=found,
            fact_count=len(facts),
            matched=matched,
            **kwargs,
        )
