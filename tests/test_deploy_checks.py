"""The checks ``manage.py check --deploy`` adds (oscar_privacy.E013-E016, W011-W015)."""

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from django.urls import path

from oscar_privacy import deploy_checks
from oscar_privacy.contrib.wagtail.checks import check_legal_pages
from oscar_privacy.datamap import Entry

# The production settings docs/deploy.rst recommends, for oscar-privacy's checks.
PRODUCTION = {
    "DEBUG": False,
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.Argon2PasswordHasher"],
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31536000,
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "CSRF_COOKIE_SECURE": True,
    "LANGUAGE_COOKIE_SECURE": True,
    "OSCAR_BASKET_COOKIE_SECURE": True,
    "OSCAR_RECENTLY_VIEWED_COOKIE_SECURE": True,
    "OSCAR_URL_SCHEMA": "https",
    "WAGTAILADMIN_BASE_URL": "https://shop.example.com",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


@pytest.fixture
def production(settings):
    for name, value in PRODUCTION.items():
        setattr(settings, name, value)
    return settings


def ids(messages):
    return [message.id for message in messages]


def ours(messages):
    return sorted(message.id for message in messages if message.id.startswith("oscar_privacy."))


def test_the_recommended_production_settings_pass_every_deploy_check(production):
    assert ours(run_checks(include_deployment_checks=True)) == []


def test_deploy_checks_run_only_with_deploy(settings):
    settings.SECURE_SSL_REDIRECT = False
    assert "oscar_privacy.E013" not in ids(run_checks())
    assert "oscar_privacy.E013" in ids(run_checks(include_deployment_checks=True))


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("OSCAR_PRIVACY_ENCRYPTION_KEYS", [], "oscar_privacy.E010"),
        ("OSCAR_COOKIES_DELETE_ON_LOGOUT", [], "oscar_privacy.W003"),
    ],
)
def test_the_other_checks_run_under_deploy_too(production, name, value, expected):
    setattr(production, name, value)
    with pytest.raises(SystemCheckError, match=expected):
        call_command("check", deploy=True, fail_level="WARNING")


def test_coverage_runs_under_deploy_too(production, clean_datamap):
    entry = clean_datamap.get("auth.User")
    clean_datamap.register(
        Entry(
            model="auth.User",
            purposes=entry.purposes,
            user_path="pk",
            fields=tuple(f for f in entry.fields if f.name != "email"),
            retention=entry.retention,
        ),
        replace=True,
    )
    assert ours(run_checks(include_deployment_checks=True)) == ["oscar_privacy.W001"]


def test_ssl_redirect(production):
    production.SECURE_SSL_REDIRECT = False
    messages = deploy_checks.check_https_redirect()
    assert ids(messages) == ["oscar_privacy.E013"]
    assert "all communications go through https" in messages[0].msg
    production.OSCAR_PRIVACY_HTTPS_REDIRECTED_UPSTREAM = True
    assert deploy_checks.check_https_redirect() == []


def test_ssl_redirect_needs_the_security_middleware(production):
    production.MIDDLEWARE = [
        name for name in production.MIDDLEWARE if not name.endswith("SecurityMiddleware")
    ]
    messages = deploy_checks.check_https_redirect()
    assert ids(messages) == ["oscar_privacy.E013"]
    assert "SecurityMiddleware" in messages[0].msg


@pytest.mark.parametrize(
    ("name", "words"),
    [("SESSION_COOKIE_SECURE", "over plain HTTP"), ("SESSION_COOKIE_HTTPONLY", "any script")],
)
def test_session_cookie(production, name, words):
    setattr(production, name, False)
    messages = deploy_checks.check_session_cookie()
    assert ids(messages) == ["oscar_privacy.E014"]
    assert name in messages[0].msg and words in messages[0].msg


@pytest.mark.parametrize("name", [name for name, _ in deploy_checks.COOKIE_SETTINGS])
def test_other_cookies(production, name):
    setattr(production, name, False)
    messages = deploy_checks.check_cookies_over_https()
    assert ids(messages) == ["oscar_privacy.W011"]
    assert name in messages[0].msg
    assert [other for other, _ in deploy_checks.COOKIE_SETTINGS if other in messages[0].msg] == [
        name
    ]


@pytest.mark.parametrize(("seconds", "words"), [(0, "is not set"), (3600, "only 3600 seconds")])
def test_hsts(production, seconds, words):
    production.SECURE_HSTS_SECONDS = seconds
    messages = deploy_checks.check_hsts()
    assert ids(messages) == ["oscar_privacy.W012"]
    assert words in messages[0].msg


def test_proxy_header_only_matters_behind_a_proxy(production):
    production.SECURE_SSL_REDIRECT = False
    production.SECURE_PROXY_SSL_HEADER = None
    assert deploy_checks.check_proxy_ssl_header() == []
    production.OSCAR_PRIVACY_HTTPS_REDIRECTED_UPSTREAM = True
    assert ids(deploy_checks.check_proxy_ssl_header()) == ["oscar_privacy.W013"]
    production.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert deploy_checks.check_proxy_ssl_header() == []
    assert ours(run_checks(include_deployment_checks=True)) == []


@pytest.mark.parametrize(
    ("name", "value"),
    [("OSCAR_URL_SCHEMA", "http"), ("WAGTAILADMIN_BASE_URL", "http://shop.example.com")],
)
def test_links_in_emails(production, name, value):
    setattr(production, name, value)
    messages = deploy_checks.check_email_link_scheme()
    assert ids(messages) == ["oscar_privacy.W014"]
    assert name in messages[0].msg


@pytest.mark.parametrize("backend", sorted(deploy_checks.UNSENT_EMAIL_BACKENDS))
def test_email_backends_that_send_nothing(production, backend):
    production.EMAIL_BACKEND = backend
    messages = deploy_checks.check_email_backend()
    assert ids(messages) == ["oscar_privacy.W015"]
    assert backend in messages[0].msg
    production.DEBUG = True
    assert deploy_checks.check_email_backend() == []


def test_the_sandbox_stores_no_reset_link(production):
    assert production.OSCAR_SAVE_SENT_EMAILS_TO_DB
    assert list(deploy_checks._storing_views()) == []
    assert deploy_checks.check_reset_links_in_email_history() == []


# A shop that wired Oscar's own views back: Oscar's reset page, profile and
# password change views, and Oscar's users dashboard reset.
def _oscar_urls():
    from django.contrib.auth import views as auth_views
    from django.urls import include
    from oscar.apps.customer import views as customer_views
    from oscar.apps.dashboard.users import views as users_views
    from oscar.views.decorators import login_forbidden

    customer = [
        path("profile/edit/", customer_views.ProfileUpdateView.as_view(), name="profile-update"),
        path(
            "change-password/",
            customer_views.ChangePasswordView.as_view(),
            name="change-password",
        ),
    ]
    dashboard = [
        path(
            "users/<int:pk>/password-reset/",
            users_views.PasswordResetView.as_view(),
            name="user-password-reset",
        )
    ]
    return [
        path(
            "password-reset/",
            login_forbidden(auth_views.PasswordResetView.as_view()),
            name="password-reset",
        ),
        path("accounts/", include((customer, "customer"))),
        path("dashboard/", include((dashboard, "dashboard"))),
    ]


urlpatterns = _oscar_urls()


@override_settings(ROOT_URLCONF=__name__)
def test_oscar_views_store_reset_links(production):
    messages = deploy_checks.check_reset_links_in_email_history()
    assert ids(messages) == ["oscar_privacy.E016"]
    for name in (
        "password-reset",
        "customer:profile-update",
        "customer:change-password",
        "dashboard:user-password-reset",
    ):
        assert name in messages[0].msg
    production.OSCAR_SAVE_SENT_EMAILS_TO_DB = False
    assert deploy_checks.check_reset_links_in_email_history() == []


@pytest.mark.django_db
class TestLegalPages:
    def test_silent_without_a_database(self):
        assert check_legal_pages() == []

    def test_nothing_named(self):
        messages = check_legal_pages(databases=["default"])
        assert ids(messages) == ["oscar_privacy.E015", "oscar_privacy.E015"]
        assert "names no privacy policy page" in messages[0].msg
        assert "names no terms and conditions of sale page" in messages[1].msg

    def test_named_pages_must_be_published_with_a_frozen_version(self):
        from wagtail.models import Site

        from oscar_privacy.contrib.wagtail.models import LegalPagesSettings
        from oscar_privacy.models import PolicyVersion

        from .test_legal_pages import add_legal_page, publish

        site = Site.objects.get(is_default_site=True)
        privacy = add_legal_page("Privacy policy", "<p>We protect your data.</p>", "privacy")
        terms = add_legal_page("Terms", "<p>Terms of sale.</p>", "terms")
        setting = LegalPagesSettings.for_site(site)
        setting.privacy_page, setting.terms_page = privacy, terms
        setting.save()
        messages = check_legal_pages(databases=["default"])
        assert [message.msg.split(": ")[1][:30] for message in messages] == [
            "its privacy policy page 'Priva",
            "its terms and conditions of sa",
        ]
        assert all("is not published" in message.msg for message in messages)

        publish(privacy)
        publish(terms)
        assert check_legal_pages(databases=["default"]) == []

        # The live text changed behind Wagtail's back: no version holds it.
        type(terms).objects.filter(pk=terms.pk).update(body="<p>Other terms.</p>")
        messages = check_legal_pages(databases=["default"])
        assert ids(messages) == ["oscar_privacy.E015"]
        assert "'Terms' has no frozen version" in messages[0].msg
        assert PolicyVersion.objects.count() == 2

    def test_runs_with_check_deploy_and_a_database(self, production):
        with pytest.raises(SystemCheckError, match="oscar_privacy.E015"):
            call_command("check", deploy=True, databases=["default"])
