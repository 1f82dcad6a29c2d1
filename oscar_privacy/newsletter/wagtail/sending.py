"""Sending an issue: the test to the editor, and the real sending (a task)."""

from django.db import transaction

from oscar_privacy import audit
from oscar_privacy.exceptions import PrivacyError
from oscar_privacy.newsletter.models import Subscription
from oscar_privacy.newsletter.sending import queue_mailing, send_test

from .models import NewsletterIssue


class AlreadySent(PrivacyError, ValueError):
    """An issue is sent once."""


def recipient_count():
    """How many addresses a sending queued now would go to."""
    return Subscription.objects.filter(state=Subscription.State.SUBSCRIBED).count()


def send_test_to_editor(issue, user):
    """Send ``issue`` to ``user``'s own address, as subscribers will receive it."""
    send_test(subject=issue.subject, body_html=issue.body_html(), email=user.email)


def send_issue(issue, *, user, request=None):
    """Queue the sending of ``issue`` to the confirmed subscribers; returns the mailing.

    Raises :class:`AlreadySent` if it was sent (or queued) before. Audited.
    """
    with transaction.atomic():
        issue = NewsletterIssue.objects.select_for_update().get(pk=issue.pk)
        if issue.mailing_id is not None:
            raise AlreadySent(f"Newsletter issue #{issue.pk} was sent already.")
        mailing = queue_mailing(
            subject=issue.subject,
            body_html=issue.body_html(),
            source=f"newsletter issue #{issue.pk}: {issue.title}",
            user=user,
        )
        issue.mailing = mailing
        issue.save(update_fields=["mailing"])
        audit.record(
            "newsletter.sent",
            actor=user,
            target=mailing,
            request=request,
            data={"issue": issue.pk, "recipients": recipient_count()},
        )
    return mailing
