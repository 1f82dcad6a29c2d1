import pytest
from wagtail.models import Page, Site

from oscar_privacy.consent import text_digest
from oscar_privacy.contrib.wagtail.models import LegalPage, LegalPagesSettings
from oscar_privacy.models import PolicyVersion

from .staff import login_verified

pytestmark = pytest.mark.django_db


def add_legal_page(title, body, slug):
    root = Site.objects.get(is_default_site=True).root_page
    page = root.add_child(instance=LegalPage(title=title, slug=slug, body=body, live=False))
    return page


def publish(page, **changes):
    for name, value in changes.items():
        setattr(page, name, value)
    revision = page.save_revision()
    revision.publish()
    page.refresh_from_db()
    return revision


@pytest.fixture
def privacy_page():
    page = add_legal_page("Privacy policy", "<p>We protect your data.</p>", "privacy-policy")
    settings = LegalPagesSettings.for_site(Site.objects.get(is_default_site=True))
    settings.privacy_page = page
    settings.save()
    return page


def test_publishing_the_named_page_freezes_a_version(privacy_page):
    revision = publish(privacy_page)
    version = PolicyVersion.objects.get()
    assert (version.kind, version.number, version.title) == ("privacy", 1, "Privacy policy")
    assert version.body == "<p>We protect your data.</p>"
    assert version.sha256 == text_digest(version.body)
    assert (version.source_page_id, version.source_revision_id) == (privacy_page.pk, revision.pk)
    assert version.source_url == privacy_page.url
    assert not version.material


def test_a_new_text_is_a_new_version_and_the_same_text_is_not(privacy_page):
    publish(privacy_page)
    publish(privacy_page, title="Our privacy policy")  # title only
    assert PolicyVersion.objects.count() == 1
    publish(privacy_page, body="<p>We protect your data better.</p>", material_change=True)
    latest = PolicyVersion.objects.order_by("-number").first()
    assert (latest.number, latest.material, latest.title) == (2, True, "Our privacy policy")


def test_links_in_the_text_are_frozen_as_real_links(privacy_page):
    other = Page.objects.get(depth=2)
    publish(privacy_page, body=f'<p>See <a linktype="page" id="{other.pk}">home</a>.</p>')
    assert f'href="{other.url}"' in PolicyVersion.objects.get().body


def test_drafts_and_unnamed_pages_freeze_nothing(privacy_page):
    privacy_page.save_revision()  # a draft
    cookies = add_legal_page("Cookies", "<p>Cookies.</p>", "cookies")
    publish(cookies)
    assert not PolicyVersion.objects.exists()


def test_naming_a_live_page_in_the_settings_freezes_it():
    page = add_legal_page("Terms", "<p>Terms of sale.</p>", "terms")
    publish(page)
    assert not PolicyVersion.objects.exists()
    settings = LegalPagesSettings.for_site(Site.objects.get(is_default_site=True))
    settings.terms_page = page
    settings.save()
    assert PolicyVersion.objects.get().kind == "terms"
    settings.save()
    assert PolicyVersion.objects.count() == 1


def test_the_page_shows_its_version_and_links_to_the_archive(client, privacy_page):
    publish(privacy_page)
    response = client.get(privacy_page.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "We protect your data." in html
    assert "Version 1, in force since" in html
    assert "/privacy/policies/privacy/" in html


def test_the_version_line_stays_after_a_title_change_and_goes_with_a_new_text(client, privacy_page):
    publish(privacy_page)
    publish(privacy_page, title="Our privacy policy")
    assert "Version 1, in force since" in client.get(privacy_page.url).content.decode()
    settings = LegalPagesSettings.for_site(Site.objects.get(is_default_site=True))
    settings.privacy_page = None
    settings.save()
    publish(privacy_page, body="<p>An unfrozen text.</p>")
    assert "in force since" not in client.get(privacy_page.url).content.decode()


def test_versions_survive_the_page(privacy_page):
    publish(privacy_page)
    privacy_page.delete()
    version = PolicyVersion.objects.get()
    assert version.body == "<p>We protect your data.</p>"


def test_editors_see_versions_read_only(client, privacy_page, django_user_model):
    publish(privacy_page)
    editor = django_user_model.objects.create_superuser("editor", "editor@example.com", "pw")
    login_verified(client, editor)
    listing = client.get("/cms/policy_versions/")
    assert listing.status_code == 200
    assert "Privacy policy" in listing.content.decode()
    version = PolicyVersion.objects.get()
    assert client.get(f"/cms/policy_versions/inspect/{version.pk}/").status_code == 200
    for path in (
        "/cms/policy_versions/new/",
        f"/cms/policy_versions/edit/{version.pk}/",
        f"/cms/policy_versions/delete/{version.pk}/",
    ):
        assert client.get(path).status_code in (302, 403, 404), path
    assert PolicyVersion.objects.count() == 1
