"""Wagtail admin: newsletter issues as snippets (with preview), and their sending page."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import ListingButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import NewsletterIssue
from .views import issue_sending


class NewsletterIssueViewSet(SnippetViewSet):
    model = NewsletterIssue
    icon = "mail"
    menu_label = _("Newsletters")
    add_to_admin_menu = True
    menu_order = 300
    list_display = ["title", "subject", "created_at", "mailing"]
    copy_view_enabled = True


register_snippet(NewsletterIssueViewSet)


@hooks.register("register_admin_urls")
def register_sending_url():
    return [
        path(
            "newsletter/<int:pk>/sending/",
            issue_sending,
            name="oscar_privacy_newsletter_issue_sending",
        )
    ]


@hooks.register("register_snippet_listing_buttons")
def sending_button(snippet, user, next_url=None):
    if isinstance(snippet, NewsletterIssue):
        yield ListingButton(
            _("Test and send"),
            reverse("oscar_privacy_newsletter_issue_sending", args=[snippet.pk]),
            icon_name="mail",
            priority=5,
        )
