"""Wagtail admin pages: an issue's sending (test, send, the send log) and the subscribers."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from oscar_privacy.caching import no_store
from oscar_privacy.newsletter.forms import ImportForm
from oscar_privacy.newsletter.models import Subscription
from oscar_privacy.newsletter.transfer import (
    export_rows,
    import_addresses,
    read_addresses,
    record_export,
)

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


@no_store
def subscribers(request):
    """The list in numbers, its CSV export and the import form (staff with the permissions)."""
    if not request.user.has_perm(VIEW_SUBSCRIBERS):
        raise PermissionDenied
    form = ImportForm()
    if request.method == "POST":
        if not request.user.has_perm(ADD_SUBSCRIBERS):
            raise PermissionDenied
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            text = form.cleaned_data["file"].read().decode("utf-8-sig", errors="replace")
            counts = import_addresses(
                read_addresses(text),
                confirmed=form.cleaned_data["confirmed"],
                actor=request.user,
                request=request,
            )
            messages.success(
                request,
                _(
                    "Import done: %(added)s subscribed, %(pending)s asked to confirm, "
                    "%(already)s already on the list, %(suppressed)s skipped (unsubscribed or "
                    "bounced), %(invalid)s invalid."
                )
                % counts,
            )
            return redirect("oscar_privacy_newsletter_subscribers")
    counts = dict(Subscription.objects.values_list("state").annotate(count=Count("pk")).order_by())
    states = [(label, counts.get(value, 0)) for value, label in Subscription.State.choices]
    context = {
        "states": states,
        "form": form,
        "can_import": request.user.has_perm(ADD_SUBSCRIBERS),
        "header_title": _("Newsletter subscribers"),
    }
    return TemplateResponse(request, "oscar_privacy/newsletter/wagtail/subscribers.html", context)


@no_store
def export_subscribers(request):
    """The confirmed subscribers as CSV, streamed; audited."""
    if not request.user.has_perm(VIEW_SUBSCRIBERS):
        raise PermissionDenied
    record_export(actor=request.user, request=request)
    response = StreamingHttpResponse(export_rows(), content_type="text/csv; charset=utf-8")
    filename = f"newsletter-subscribers-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
