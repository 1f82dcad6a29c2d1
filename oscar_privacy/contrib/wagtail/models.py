"""A legal page type and the site setting that names the current legal pages."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, PageChooserPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.rich_text import expand_db_html

from oscar_privacy.consent import text_digest
from oscar_privacy.models import PolicyVersion


class LegalPage(Page):
    """A legal text (privacy policy, terms of sale) whose publications are versioned.

    Publishing the page named in the site's legal pages setting freezes its
    text as a new policy version, unless the text did not change.
    """

    body = RichTextField(_("text"))
    material_change = models.BooleanField(
        _("customers must accept this version again"),
        default=False,
        help_text=_(
            "Tick when the change matters to customers (new purposes, new recipients, "
            "longer retention...). Logged-in customers will be asked to accept the new "
            "text before going on, and checkout will ask again."
        ),
    )

    content_panels = [*Page.content_panels, FieldPanel("body")]
    promote_panels = Page.promote_panels
    settings_panels = [FieldPanel("material_change"), *Page.settings_panels]
    template = "oscar_privacy/wagtail/legal_page.html"

    class Meta:
        verbose_name = _("legal page")
        verbose_name_plural = _("legal pages")

    def get_context(self, request, *args, **kwargs):
        ctx = super().get_context(request, *args, **kwargs)
        ctx["policy_version"] = self.frozen_version()
        return ctx

    def frozen_version(self):
        """The policy version whose text is the one this page shows, if any.

        A title change republished is the same version; a page no longer
        named in the settings, or a preview of a new text, matches none.
        """
        version = PolicyVersion.objects.filter(source_page_id=self.pk).order_by("-number").first()
        if version is None or version.sha256 != text_digest(expand_db_html(self.body)):
            return None
        newer = PolicyVersion.objects.filter(kind=version.kind, number__gt=version.number)
        return None if newer.exists() else version


@register_setting(icon="doc-full")
class LegalPagesSettings(BaseSiteSetting):
    """Which legal pages are the site's privacy policy and terms of sale."""

    privacy_page = models.ForeignKey(
        LegalPage,
        verbose_name=_("privacy policy page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    terms_page = models.ForeignKey(
        LegalPage,
        verbose_name=_("terms and conditions of sale page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [PageChooserPanel("privacy_page"), PageChooserPanel("terms_page")]
    select_related = ["privacy_page", "terms_page"]

    class Meta:
        verbose_name = _("legal pages")
