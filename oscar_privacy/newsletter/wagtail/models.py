"""A newsletter issue, as editors write it in Wagtail."""

from django.db import models
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import PreviewableMixin
from wagtail.rich_text import expand_db_html

from oscar_privacy.newsletter.models import Mailing
from oscar_privacy.newsletter.sending import render_content


class NewsletterIssue(PreviewableMixin, models.Model):
    """One newsletter: its subject and body, previewed as subscribers will see it.

    Sending it (``send_newsletterissue`` permission) freezes its content as a
    :class:`~oscar_privacy.newsletter.models.Mailing`, the send log.
    """

    title = models.CharField(
        _("title"), max_length=255, help_text=_("For the editors; subscribers see the subject.")
    )
    subject = models.CharField(_("email subject"), max_length=255)
    body = RichTextField(_("body"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    mailing = models.OneToOneField(
        Mailing,
        verbose_name=_("sending"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="issue",
    )

    panels = [FieldPanel("title"), FieldPanel("subject"), FieldPanel("body")]

    class Meta:
        verbose_name = _("newsletter issue")
        verbose_name_plural = _("newsletter issues")
        ordering = ["-created_at", "-pk"]
        permissions = [("send_newsletterissue", _("Can send a newsletter issue to subscribers"))]

    def __str__(self):
        return self.title

    @property
    def is_sent(self):
        return self.mailing_id is not None

    def body_html(self):
        """The body with Wagtail's internal links and images expanded, as emails need."""
        return expand_db_html(self.body)

    def serve_preview(self, request, mode_name):
        html, _text = render_content(
            self.subject, self.body_html(), unsubscribe_link="#", preview=True
        )
        return HttpResponse(html)
