"""Freezing a policy version when an editor publishes a current legal page."""

from django.db.models import Q
from django.utils import timezone
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


def freeze(page, kind, revision, published_at):
    """Freeze ``page`` as it was published (``revision``) as a version of ``kind``."""
    published = revision.as_object()
    url_parts = page.get_url_parts()
    return freeze_version(
        kind,
        title=published.title,
        body=expand_db_html(published.body),
        material=published.material_change,
        published_at=published_at,
        source_page_id=page.pk,
        source_revision_id=revision.pk,
        source_url=url_parts[2] if url_parts else "",
    )


def on_page_published(sender, instance, revision, **kwargs):
    if isinstance(instance, LegalPage):
        # Sent when the page goes live, scheduled or not: now is the publication.
        for kind in kinds_of(instance):
            freeze(instance, kind, revision, timezone.now())


def on_settings_saved(sender, instance, **kwargs):
    """A page newly named in the settings becomes the current version at once."""
    named = {PolicyKind.PRIVACY: instance.privacy_page_id, PolicyKind.TERMS: instance.terms_page_id}
    # Read the pages again: the instances on the setting may predate their publication.
    pages = LegalPage.objects.select_related("live_revision").in_bulk(
        [pk for pk in named.values() if pk]
    )
    for kind, pk in named.items():
        page = pages.get(pk)
        if page is not None and page.live and page.live_revision is not None:
            freeze(page, kind, page.live_revision, page.last_published_at or timezone.now())
