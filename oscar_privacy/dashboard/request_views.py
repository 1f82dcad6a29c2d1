"""Staff pages of privacy requests: the queue, and one request with its history and actions.

The queue shows no personal data (kinds, dates, statuses, staff logins). A
request's page shows what the requester wrote, decrypted: each view of it
is recorded in the audit trail. Every action is a POST to its own address
(one permission each in the dashboard's ``permissions_map``), handled by
:mod:`oscar_privacy.request_handling`; the page comes back with the error
(HTTP 400) if the action cannot be done, and nothing is changed.
Account recovery requests are listed here and open on their own page.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views import generic

from oscar_privacy import request_handling
from oscar_privacy.models import PrivacyRequest
from oscar_privacy.requests import RequestError, read_details, request_queue

from . import request_forms as forms
from .views import FilteredMixin

MAX_ID = 2**63 - 1


def get_request_or_404(pk):
    """The request ``pk`` (any integer from the URL), or a 404; never a database error."""
    if pk > MAX_ID:
        raise Http404
    privacy_request = (
        PrivacyRequest.objects.select_related("user", "matched_user", "assignee", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if privacy_request is None:
        raise Http404
    return privacy_request


class RequestListView(FilteredMixin, generic.ListView):
    """Every privacy request, open ones first, soonest due first; overdue ones highlighted."""

    template_name = "oscar_privacy/dashboard/request_list.html"
    context_object_name = "privacy_requests"
    filter_form_class = forms.RequestFilterForm
    paginate_by = 50

    def get_filter_form(self):
        if not hasattr(self, "_filter_form"):
            self._filter_form = self.filter_form_class(self.request.GET, user=self.request.user)
        return self._filter_form

    def base_queryset(self):
        return request_queue().select_related("assignee").defer("details")


class RequestDetailView(generic.TemplateView):
    """One request: what the requester wrote (an audited read), its history, the actions."""

    template_name = "oscar_privacy/dashboard/request_detail.html"
    forms = {
        "assign": forms.AssignForm,
        "status": forms.StatusForm,
        "note": forms.NoteForm,
        "extend": forms.ExtendForm,
        "decide": forms.DecideForm,
        "close": forms.CloseAccountForm,
        "export": forms.ExportForm,
    }

    def dispatch(self, request, *args, **kwargs):
        self.object = get_request_or_404(kwargs["pk"])
        if self.object.kind == PrivacyRequest.Kind.RECOVERY:
            if request.method != "GET":
                raise Http404
            return redirect("oscar_privacy_dashboard:privacy-recovery-detail", pk=self.object.pk)
        return super().dispatch(request, *args, **kwargs)

    def make_form(self, name, data=None):
        # Ids prefixed by the action: several forms of the page have a "reason".
        return self.forms[name](data, auto_id=f"id_{name}_%s")

    def get_context_data(self, bound=None, **kwargs):
        """``bound`` is ``(name, form)``: the action form posted, shown with its errors."""
        privacy_request = self.object
        page_forms = {name: self.make_form(name) for name in self.forms}
        if bound is not None:
            page_forms[bound[0]] = bound[1]
        if privacy_request.assignee_id:
            page_forms["assign"].initial = {"assignee": str(privacy_request.assignee_id)}
        details = read_details(privacy_request, request=self.request)
        return super().get_context_data(
            privacy_request=privacy_request,
            details=details,
            unreadable=details is None,
            history=privacy_request.history.all(),
            actionable=privacy_request.status != PrivacyRequest.Status.UNCONFIRMED,
            forms=page_forms,
            action_errors=bound[1].non_field_errors() if bound is not None else [],
            **kwargs,
        )


class RequestActionView(RequestDetailView):
    """POST only: one action on the request, then back to its page."""

    http_method_names = ["post"]
    action = None
    success_message = ""

    def perform(self, form):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        form = self.make_form(self.action, request.POST)
        if form.is_valid():
            try:
                self.perform(form)
            except RequestError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, self.success_message)
                return redirect("oscar_privacy_dashboard:privacy-request-detail", self.object.pk)
        context = self.get_context_data(bound=(self.action, form))
        return self.render_to_response(context, status=400)


class AssignView(RequestActionView):
    action = "assign"
    success_message = _("The assignment is recorded.")

    def perform(self, form):
        request_handling.assign(self.object, form.cleaned_data["assignee"], actor=self.request.user)


class StatusView(RequestActionView):
    action = "status"
    success_message = _("The status is changed.")

    def perform(self, form):
        request_handling.change_status(
            self.object,
            form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            actor=self.request.user,
        )


class NoteView(RequestActionView):
    action = "note"
    success_message = _("The note is added to the history.")

    def perform(self, form):
        request_handling.add_note(self.object, form.cleaned_data["note"], actor=self.request.user)


class ExtendView(RequestActionView):
    action = "extend"
    success_message = _("The deadline is extended; the requester has been emailed the reason.")

    def perform(self, form):
        request_handling.extend(
            self.object,
            months=form.cleaned_data["months"],
            reason=form.cleaned_data["reason"],
            actor=self.request.user,
            request=self.request,
        )


class DecideView(RequestActionView):
    action = "decide"
    success_message = _("The decision is recorded and the requester has been emailed.")

    def perform(self, form):
        request_handling.decide(
            self.object,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
            actor=self.request.user,
            request=self.request,
        )


class CloseAccountView(RequestActionView):
    action = "close"
    success_message = _(
        "The account is closed. Answer the request to tell the requester what was done."
    )

    def perform(self, form):
        request_handling.close_requester_account(
            self.object,
            reason=form.cleaned_data["reason"],
            actor=self.request.user,
            request=self.request,
        )


class ExportView(RequestActionView):
    action = "export"
    success_message = _(
        "A copy of the data is being prepared: the customer will be emailed when they can "
        "download it from their account. Answer the request once it is ready."
    )

    def perform(self, form):
        request_handling.prepare_requester_export(
            self.object, actor=self.request.user, request=self.request
        )
