"""Sending a newsletter: one message per recipient, each with its own unsubscribe link.

:func:`queue_mailing` freezes the content as a ``Mailing`` and
queues the ``send_mailing`` task; :func:`send_mailing` (the task's body)
walks the confirmed subscriptions in primary-key batches
(``NEWSLETTER_BATCH_SIZE``), with the same few queries per batch whatever
its size, and hands each batch to one connection of the email backend
(``NEWSLETTER_EMAIL_BACKEND``): any Django backend, django-anymail's
included.

**At most once.** Before a batch goes to the backend, a
``Delivery`` row per recipient is written and committed
(``claimed``); the outcome is recorded after. A sending that is interrupted
(a worker killed, a server restarted) resumes with the next run of the task
(``manage.py privacy_newsletter_send --resume``), which skips every claimed
recipient: someone whose message was being handed over when the worker
died may miss this newsletter, but nobody gets it twice. Only one worker
sends a mailing at a time: it holds a lease on the mailing, renewed with
each batch; a lease left to expire is taken over.

Every message carries the RFC 2369 and RFC 8058 headers mail clients use
to offer their own "unsubscribe" button: ``List-Unsubscribe`` (the https
one-click link, and a ``mailto:`` address when
``NEWSLETTER_UNSUBSCRIBE_MAILTO`` is set) and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``.
"""

import datetime
import logging
import re
from html import unescape
from urllib.parse import quote

from django.contrib.sites.models import Site
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from ..conf import app_settings
from . import emails, tokens
from .models import Delivery, Mailing, Subscription

logger = logging.getLogger(__name__)

LINK_MARKER = "%%unsubscribe_url%%"
"""Where each recipient's unsubscribe link goes in a mailing's frozen content."""
TOKEN_MARKER = "__token__"  # noqa: S105 - a placeholder, not a password

LEASE = datetime.timedelta(minutes=10)
"""How long a worker may go without finishing a batch before another takes the mailing over."""

HTML_TEMPLATE = "oscar_privacy/newsletter/email/newsletter.html"
TEXT_TEMPLATE = "oscar_privacy/newsletter/email/newsletter.txt"
ONE_CLICK = "List-Unsubscribe=One-Click"


def unsubscribe_url(subscription_id, token=None):
    """The absolute one-click unsubscribe link of ``subscription_id``."""
    token = token or tokens.unsubscribe_token(subscription_id)
    return emails.absolute(reverse("oscar_privacy_newsletter:unsubscribe", args=[token]))


def unsubscribe_headers(subscription_id, *, token=None, url=None):
    """The ``List-Unsubscribe`` headers of a newsletter to ``subscription_id``, as a dict."""
    token = token or tokens.unsubscribe_token(subscription_id)
    links = [f"<{url or unsubscribe_url(subscription_id, token)}>"]
    mailbox = app_settings.NEWSLETTER_UNSUBSCRIBE_MAILTO
    if mailbox:
        links.append(f"<mailto:{mailbox}?subject={quote(f'unsubscribe {token}')}>")
    return {"List-Unsubscribe": ", ".join(links), "List-Unsubscribe-Post": ONE_CLICK}


def html_to_text(html):
    """A plain-text version of an HTML body: links kept as "text (address)"."""
    html = re.sub(
        r'<a\s[^>]*href="([^"]+)"[^>]*>(.*?)</a>',
        lambda match: f"{match[2]} ({match[1]})" if match[1] != match[2] else match[1],
        html,
        flags=re.IGNORECASE | re.DOTALL,
    )
    html = re.sub(r"<br\s*/?>|</p>|</h\d>|</li>", "\n", html, flags=re.IGNORECASE)
    text = unescape(strip_tags(html))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def render_content(subject, body_html, *, unsubscribe_link=LINK_MARKER, preview=False):
    """``(html, text)`` of a newsletter: the body in the shop's email layout, with its footer.

    The link is :data:`LINK_MARKER` unless given: each recipient's own
    link replaces it when the message is built.
    """
    context = {
        "site": Site.objects.get_current(),
        "subject": subject,
        "body": body_html,
        "body_text": html_to_text(body_html),
        "unsubscribe_url": unsubscribe_link,
        "contact_url": emails.contact_url(),
        "preview": preview,
    }
    return render_to_string(HTML_TEMPLATE, context), render_to_string(TEXT_TEMPLATE, context)


def build_message(mailing, subscription_id, email, *, connection=None, url_pattern=None):
    """The message of ``mailing`` to one recipient, with its link and headers.

    ``url_pattern`` is :func:`unsubscribe_url` of :data:`TOKEN_MARKER`,
    computed once for a whole sending.
    """
    token = tokens.unsubscribe_token(subscription_id)
    url = (url_pattern or unsubscribe_url(0, TOKEN_MARKER)).replace(TOKEN_MARKER, token)
    message = EmailMultiAlternatives(
        mailing.subject,
        mailing.text.replace(LINK_MARKER, url),
        from_email=mailing.from_email,
        to=[email],
        headers=unsubscribe_headers(subscription_id, token=token, url=url),
        connection=connection,
    )
    message.attach_alternative(mailing.html.replace(LINK_MARKER, url), "text/html")
    # Read by django-anymail's backends (ESP tags and metadata), ignored by the others.
    message.tags = ["newsletter"]
    message.metadata = {"mailing": str(mailing.pk)}
    return message


def _connection():
    return get_connection(app_settings.NEWSLETTER_EMAIL_BACKEND)


def queue_mailing(*, subject, body_html, source="", user=None):
    """Freeze a newsletter as a ``Mailing`` and queue its sending.

    Returns the mailing. The task starts once the transaction commits.
    """
    from .tasks import send_mailing_task

    html, text = render_content(subject, body_html)
    with transaction.atomic():
        mailing = Mailing.objects.create(
            subject=subject,
            html=html,
            text=text,
            from_email=emails.from_email(),
            source=source[:255],
            queued_by=user if user is not None and user.is_authenticated else None,
        )
        transaction.on_commit(lambda: send_mailing_task.enqueue(mailing.pk))
    return mailing


def send_test(*, subject, body_html, email):
    """Send one newsletter to ``email`` (an editor's own), as subscribers will get it.

    Its unsubscribe link and headers are real links of a subscription that
    does not exist: following them shows the pages and changes nothing.
    """
    html, text = render_content(subject, body_html)
    mailing = Mailing(subject=f"[TEST] {subject}", html=html, text=text)
    mailing.from_email = emails.from_email()
    mailing.pk = 0
    build_message(mailing, 0, email, connection=_connection()).send()


def _take_lease(mailing_id, now):
    """Whether this worker may send ``mailing_id`` now (one worker at a time)."""
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    taken = (
        Mailing.objects.filter(free, pk=mailing_id)
        .exclude(status=Mailing.Status.SENT)
        .update(status=Mailing.Status.SENDING, lease_until=now + LEASE)
    )
    return taken == 1


def send_mailing(mailing_id, *, batch_size=None):
    """Send ``mailing_id`` to every confirmed subscriber not yet claimed; returns the mailing.

    Does nothing if the mailing is sent, or another worker holds its lease.
    """
    batch_size = batch_size or app_settings.NEWSLETTER_BATCH_SIZE
    now = timezone.now()
    if not _take_lease(mailing_id, now):
        return Mailing.objects.filter(pk=mailing_id).first()
    mailing = Mailing.objects.get(pk=mailing_id)
    if mailing.started_at is None:
        Mailing.objects.filter(pk=mailing_id).update(started_at=now)
    claimed = Delivery.objects.filter(mailing_id=mailing_id, subscription=OuterRef("pk"))
    recipients = (
        Subscription.objects.filter(state=Subscription.State.SUBSCRIBED)
        .exclude(email="")
        .exclude(Exists(claimed))
    )
    connection = _connection()
    url_pattern = unsubscribe_url(0, TOKEN_MARKER)
    last_pk = 0
    while True:
        batch = list(
            recipients.filter(pk__gt=last_pk).order_by("pk").values_list("pk", "email")[:batch_size]
        )
        if not batch:
            break
        last_pk = batch[-1][0]
        _send_batch(mailing, batch, connection, url_pattern)
    Mailing.objects.filter(pk=mailing_id).update(
        status=Mailing.Status.SENT, finished_at=timezone.now(), lease_until=None
    )
    mailing.refresh_from_db()
    return mailing


def _send_batch(mailing, batch, connection, url_pattern):
    """Claim, send and record one batch: the same few queries, whatever its size."""
    try:
        with transaction.atomic():
            Delivery.objects.bulk_create(
                [Delivery(mailing_id=mailing.pk, subscription_id=pk) for pk, _email in batch]
            )
    except IntegrityError:
        # Another worker claimed some of them first (its lease had run out):
        # the next query leaves out what it claimed.
        logger.warning("Newsletter %s: a batch was claimed by another worker.", mailing.pk)
        return
    sent, failed = [], []
    connection.open()
    try:
        for pk, email in batch:
            message = build_message(
                mailing, pk, email, connection=connection, url_pattern=url_pattern
            )
            try:
                connection.send_messages([message])
            except Exception:
                # One refused address must not stop the others; the log names no address.
                logger.exception("Newsletter %s to subscription %s failed.", mailing.pk, pk)
                failed.append(pk)
            else:
                sent.append(pk)
    finally:
        connection.close()
    deliveries = Delivery.objects.filter(mailing_id=mailing.pk)
    if sent:
        deliveries.filter(subscription_id__in=sent).update(status=Delivery.Status.SENT)
    if failed:
        deliveries.filter(subscription_id__in=failed).update(status=Delivery.Status.FAILED)
    Mailing.objects.filter(pk=mailing.pk).update(
        sent_count=F("sent_count") + len(sent),
        failed_count=F("failed_count") + len(failed),
        lease_until=timezone.now() + LEASE,
    )
