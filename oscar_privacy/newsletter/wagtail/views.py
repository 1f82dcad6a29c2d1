"""Wagtail admin pages: an issue's sending (test, send, the send log) and the subscribers."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from oscar_privacy.caching import no_store
from oscar_privacy.csvfiles import csv_response
from oscar_privacy.newsletter.address_files import ERRORS
from oscar_privacy.newsletter.forms import ImportForm
from oscar_privacy.newsletter.imports import start_import
from oscar_privacy.newsletter.models import SubscriberImport, Subscription
from oscar_privacy.newsletter.transfer import record_export, subscriber_rows

from .models import NewsletterIssue
from .sending import AlreadySent, recipient_count, send_issue, send_test_to_editor

SEND_PERMISSION = "oscar_privacy_newsletter_wagtail.send_newsletterissue"
CHANGE_PERMISSION = "oscar_privacy_newsletter_wagtail.change_newsletterissue"


@no_store
def issue_sending(request, pk):
    """GET: the issue's sending page. POST ``action=test`` or ``action=send``."""
    if not request.user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied
    issue = get_object_or_404(NewsletterIssue.objects.select_related("mailing"), pk=pk)
    can_send = request.user.has_perm(SEND_PERMISSION)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "test":
            send_test_to_editor(issue, request.user)
            messages.success(
                request, _("A test was sent to %(email)s.") % {"email": request.user.email}
            )
        elif action == "send":
            if not can_send:
                raise PermissionDenied
            try:
                send_issue(issue, user=request.user, request=request)
            except AlreadySent:
                messages.error(request, _("This newsletter has already been sent."))
            else:
                messages.success(request, _("The newsletter is being sent."))
        return redirect("oscar_privacy_newsletter_issue_sending", pk=issue.pk)
    mailing = issue.mailing
    stalled = (
        mailing is not None
        and mailing.status == mailing.Status.SENDING
        and mailing.lease_until is not None
        and mailing.lease_until < timezone.now()
    )
    context = {
        "issue": issue,
        "mailing": mailing,
        "stalled": stalled,
        "can_send": can_send,
        "recipients": recipient_count() if mailing is None else None,
        "header_title": issue.title,
    }
    return TemplateResponse(request, "oscar_privacy/newsletter/wagtail/sending.html", context)


VIEW_SUBSCRIBERS = "oscar_privacy_newsletter.view_subscription"
ADD_SUBSCRIBERS = "oscar_privacy_newsletter.add_subscription"


IMPORTS_SHOWN = 10
"""Imports listed on the subscribers page, newest first."""


@no_store
def subscribers(request):
    """The list in numbers, its CSV export, the import form and the imports' progress."""
    if not request.user.has_perm(VIEW_SUBSCRIBERS):
        raise PermissionDenied
    form = ImportForm()
    if request.method == "POST":
        if not request.user.has_perm(ADD_SUBSCRIBERS):
            raise PermissionDenied
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            start_import(
                form.cleaned_data["file"].chunks(),
                confirmed=form.cleaned_data["confirmed"],
                actor=request.user,
                request=request,
            )
            messages.success(
                request,
                _("The import has started: its progress is shown below (reload the page)."),
            )
            return redirect("oscar_privacy_newsletter_subscribers")
    counts = dict(Subscription.objects.values_list("state").annotate(count=Count("pk")).order_by())
    states = [(label, counts.get(value, 0)) for value, label in Subscription.State.choices]
    context = {
        "states": states,
        "form": form,
        "can_import": request.user.has_perm(ADD_SUBSCRIBERS),
        "imports": SubscriberImport.objects.select_related("created_by")[:IMPORTS_SHOWN],
        "header_title": _("Newsletter subscribers"),
    }
    return TemplateResponse(request, "oscar_privacy/newsletter/wagtail/subscribers.html", context)


@no_store
def import_detail(request, pk):
    """One import: its progress, its counts and the lines it refused (numbers, never content)."""
    if not request.user.has_perm(VIEW_SUBSCRIBERS):
        raise PermissionDenied
    job = get_object_or_404(SubscriberImport.objects.select_related("created_by"), pk=pk)
    refused = [(number, ERRORS.get(code, code)) for number, code in job.errors]
    context = {
        "job": job,
        "refused": refused,
        "not_shown": job.error_count - len(refused),
        "header_title": _("Newsletter import #%(id)s") % {"id": job.pk},
    }
    return TemplateResponse(request, "oscar_privacy/newsletter/wagtail/import_detail.html", context)


@no_store
def export_subscribers(request):
    """The confirmed subscribers as CSV, streamed; audited."""
    if not request.user.has_perm(VIEW_SUBSCRIBERS):
        raise PermissionDenied
    record_export(actor=request.user, request=request)
    filename = f"newsletter-subscribers-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_response(subscriber_rows(), filename)
