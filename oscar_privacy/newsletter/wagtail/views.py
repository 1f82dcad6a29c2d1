"""The Wagtail admin page of an issue's sending: test, send, and the send log."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import NewsletterIssue
from .sending import AlreadySent, recipient_count, send_issue, send_test_to_editor

SEND_PERMISSION = "oscar_privacy_newsletter_wagtail.send_newsletterissue"
CHANGE_PERMISSION = "oscar_privacy_newsletter_wagtail.change_newsletterissue"


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
