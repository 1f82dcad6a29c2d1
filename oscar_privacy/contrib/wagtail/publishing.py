"""Freezing a policy version when an editor publishes a current legal page."""

from django.db.models import Q
from wagtail.rich_text import expand_db_html

from oscar_privacy.consent import freeze_version
from oscar_privacy.models import PolicyKind

from .models import LegalPage, LegalPagesSettings


def kinds_of(page):
    """The documents (privacy, terms) a page is named as in any site's settings."""
    named = LegalPagesSettings.objects.filter(Q(privacy_page=page) | Q(terms_page=page))
    kinds = set()
    for setting in named:
        if setting.privacy_page_id == page.pk:
            kinds.add(PolicyKind.PRIVACY)
        if setting.terms_page_id == page.pk:
            kinds.add(PolicyKind.TERMS)
    return sorted(kinds)


def freeze(page, kind, revision):
    """Freeze ``page`` as it was published (``revision``) as a version of ``kind``."""
    published = revision.as_object() if revision is not None else page
    url_parts = page.get_url_parts()
    return freeze_version(
        kind,
        title=published.title,
        body=expand_db_html(published.body),
        material=published.material_change,
        published_at=revision.created_at if revision is not None else page.last_published_at,
        source_page_id=page.pk,
        source_revision_id=revision.pk if revision is not None else None,
        source_url=url_parts[2] if url_parts else "",
    )


def on_page_published(sender, instance, revision, **kwargs):
    if isinstance(instance, LegalPage):
        for kind in kinds_of(instance):
            freeze(instance, kind, revision)


def on_settings_saved(sender, instance, **kwargs):
    """A page newly named in the settings becomes the current version at once."""
    for kind, page in ((PolicyKind.PRIVACY, instance.privacy_page),
                       (PolicyKind.TERMS, instance.terms_page)):
        if page is not None and page.live:
            freeze(page, kind, page.live_revision)
