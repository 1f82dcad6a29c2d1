"""Wagtail admin: newsletter issues as snippets (with preview), and their sending page."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import ListingButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import NewsletterIssue
from .views import (
    VIEW_SUBSCRIBERS,
    export_subscribers,
    import_detail,
    issue_sending,
    subscribers,
)


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
        ),
        path("newsletter/subscribers/", subscribers, name="oscar_privacy_newsletter_subscribers"),
        path(
            "newsletter/subscribers/export/",
            export_subscribers,
            name="oscar_privacy_newsletter_export",
        ),
        path(
            "newsletter/subscribers/imports/<int:pk>/",
            import_detail,
            name="oscar_privacy_newsletter_import",
        ),
    ]


class SubscribersMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(VIEW_SUBSCRIBERS)


@hooks.register("register_admin_menu_item")
def register_subscribers_menu_item():
    return SubscribersMenuItem(
        _("Subscribers"),
        reverse("oscar_privacy_newsletter_subscribers"),
        icon_name="group",
        order=301,
    )


@hooks.register("register_snippet_listing_buttons")
def sending_button(snippet, user, next_url=None):
    if isinstance(snippet, NewsletterIssue):
        yield ListingButton(
            _("Test and send"),
            reverse("oscar_privacy_newsletter_issue_sending", args=[snippet.pk]),
            icon_name="mail",
            priority=5,
        )
