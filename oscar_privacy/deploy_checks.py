"""Deployment checks: what ``manage.py check --deploy`` adds (``E013``-``E016``, ``W011``-``W015``).

The privacy policy promises that "all communications go through an SSL
certificate in https", that passwords are known to nobody but the customer,
and that personal data is seen only by the people who need it. These checks
report the production settings that would break those promises.

Django's own ``security.*`` checks cover part of the same ground, as
warnings meant as advice. Where the policy turns the advice into a promise
(the HTTPS redirect, the session cookie) the check here is an error; where
Django says nothing (Oscar's cookies, the scheme of links in emails, the
email backend) it is ours alone. ``DEBUG`` and ``SECRET_KEY`` are left to
Django (``security.W018``, ``security.W009``). The legal pages check lives in
the Wagtail app (:mod:`oscar_privacy.contrib.wagtail.checks`), as the core
does not import Wagtail.
"""

from django.conf import settings
from django.core import checks

from .conf import app_settings

POLICY_HTTPS = 'The privacy policy promises that "all communications go through https".'

HSTS_MIN_SECONDS = 365 * 24 * 60 * 60
"""The shortest ``SECURE_HSTS_SECONDS`` accepted: one year, what browsers' preload lists ask."""

UNSENT_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend": "prints every email on the console",
    "django.core.mail.backends.locmem.EmailBackend": "keeps every email in memory",
    "django.core.mail.backends.dummy.EmailBackend": "drops every email",
    "django.core.mail.backends.filebased.EmailBackend": "writes every email to a file",
}
"""Django's email backends that do not deliver mail, and what each does instead."""


@checks.register(checks.Tags.security, deploy=True)
def check_https_redirect(app_configs=None, **kwargs):
    """Plain HTTP requests must be redirected to HTTPS, by Django or by a proxy that says so."""
    if app_settings.HTTPS_REDIRECTED_UPSTREAM:
        return []
    if not settings.SECURE_SSL_REDIRECT:
        return [
            checks.Error(
                "SECURE_SSL_REDIRECT is off: pages are also served over plain HTTP, where "
                "logins, addresses and orders travel unencrypted. " + POLICY_HTTPS,
                hint=(
                    "Set SECURE_SSL_REDIRECT = True or, if a load balancer or reverse proxy "
                    "terminates TLS and redirects HTTP to HTTPS itself, "
                    "OSCAR_PRIVACY_HTTPS_REDIRECTED_UPSTREAM = True."
                ),
                id="oscar_privacy.E013",
            )
        ]
    if "django.middleware.security.SecurityMiddleware" not in settings.MIDDLEWARE:
        return [
            checks.Error(
                "SECURE_SSL_REDIRECT is on but SecurityMiddleware, which does the redirect, "
                "is not in MIDDLEWARE: pages are still served over plain HTTP. " + POLICY_HTTPS,
                hint="Put 'django.middleware.security.SecurityMiddleware' first in MIDDLEWARE.",
                id="oscar_privacy.E013",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_session_cookie(app_configs=None, **kwargs):
    """The session cookie opens the customer's account: HTTPS only, out of reach of scripts."""
    problems = []
    if not settings.SESSION_COOKIE_SECURE:
        problems.append(
            "SESSION_COOKIE_SECURE is off: browsers also send it over plain HTTP, where anyone "
            "on the network can copy it."
        )
    if not settings.SESSION_COOKIE_HTTPONLY:
        problems.append(
            "SESSION_COOKIE_HTTPONLY is off: any script on a page, a third-party one "
            "included, can read it."
        )
    if not problems:
        return []
    return [
        checks.Error(
            "The session cookie is the key to a logged-in customer's account and personal "
            "data. " + " ".join(problems) + " " + POLICY_HTTPS,
            hint="SESSION_COOKIE_SECURE = True and SESSION_COOKIE_HTTPONLY = True.",
            id="oscar_privacy.E014",
        )
    ]


COOKIE_SETTINGS = (
    ("CSRF_COOKIE_SECURE", "the CSRF token"),
    ("LANGUAGE_COOKIE_SECURE", "the chosen language"),
    ("OSCAR_BASKET_COOKIE_SECURE", "the anonymous basket, which anyone holding it can take over"),
    ("OSCAR_RECENTLY_VIEWED_COOKIE_SECURE", "the products the visitor viewed"),
)
"""Secure flags of the cookies other than the session's, and what each cookie holds."""


@checks.register(checks.Tags.security, deploy=True)
def check_cookies_over_https(app_configs=None, **kwargs):
    """Every other cookie the shop sets is sent over HTTPS only."""
    clear = [
        f"{name} ({holds})" for name, holds in COOKIE_SETTINGS if not getattr(settings, name, False)
    ]
    if not clear:
        return []
    return [
        checks.Warning(
            f"These cookies are also sent over plain HTTP: {'; '.join(clear)}. {POLICY_HTTPS}",
            hint="Set each of these settings to True.",
            id="oscar_privacy.W011",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_hsts(app_configs=None, **kwargs):
    """Browsers must remember to use HTTPS, or the first request of a visit goes out in clear."""
    seconds = settings.SECURE_HSTS_SECONDS or 0
    if seconds >= HSTS_MIN_SECONDS:
        return []
    state = "is not set" if not seconds else f"is only {seconds} seconds"
    return [
        checks.Warning(
            f"SECURE_HSTS_SECONDS {state}: a browser that follows an http:// link or a typed "
            "address sends that first request, cookies included, in clear before being "
            "redirected, and an attacker on the network can keep it on HTTP. " + POLICY_HTTPS,
            hint=(
                f"SECURE_HSTS_SECONDS = {HSTS_MIN_SECONDS} (one year) once every page works over "
                "HTTPS; start lower while testing, as browsers remember it. If the proxy in "
                "front of Django sends Strict-Transport-Security itself, silence this check."
            ),
            id="oscar_privacy.W012",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_proxy_ssl_header(app_configs=None, **kwargs):
    """Behind a TLS-terminating proxy, Django must know which requests came over HTTPS."""
    if not app_settings.HTTPS_REDIRECTED_UPSTREAM or settings.SECURE_PROXY_SSL_HEADER:
        return []
    return [
        checks.Warning(
            "OSCAR_PRIVACY_HTTPS_REDIRECTED_UPSTREAM says a proxy terminates TLS, but "
            "SECURE_PROXY_SSL_HEADER is not set: Django takes every request for plain HTTP, "
            "so links it builds (the 'your data is ready' email, redirects) start with "
            "http://, and SECURE_SSL_REDIRECT, if on, redirects forever.",
            hint=(
                "Set SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https') (the header "
                "your proxy sets), and make sure the proxy overwrites that header in every "
                "request it forwards."
            ),
            id="oscar_privacy.W013",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_email_link_scheme(app_configs=None, **kwargs):
    """Links in emails (password resets among them) must start with https://."""
    clear = []
    if getattr(settings, "OSCAR_URL_SCHEMA", "http") != "https":
        clear.append("OSCAR_URL_SCHEMA (Oscar's emails and password reset links)")
    base_url = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
    if base_url.startswith("http://"):
        clear.append("WAGTAILADMIN_BASE_URL (Wagtail's emails to editors)")
    if not clear:
        return []
    return [
        checks.Warning(
            "Links in emails start with http://: "
            + "; ".join(clear)
            + ". A password reset link opened that way sends its token in clear before any "
            "redirect. " + POLICY_HTTPS,
            hint="OSCAR_URL_SCHEMA = 'https' and an https:// WAGTAILADMIN_BASE_URL.",
            id="oscar_privacy.W014",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_email_backend(app_configs=None, **kwargs):
    """Outside ``DEBUG``, emails must reach customers, and not land in logs or files."""
    if settings.DEBUG or settings.EMAIL_BACKEND not in UNSENT_EMAIL_BACKENDS:
        return []
    return [
        checks.Warning(
            f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}, which "
            f"{UNSENT_EMAIL_BACKENDS[settings.EMAIL_BACKEND]} instead of sending it: customers "
            "get no password reset link, no 'your data is ready' email, and the links, which "
            "open accounts, end up where staff or logs can read them.",
            hint=(
                "Use django.core.mail.backends.smtp.EmailBackend (EMAIL_HOST...) or a "
                "django-anymail backend for your email provider."
            ),
            id="oscar_privacy.W015",
        )
    ]


@checks.register(checks.Tags.security, checks.Tags.urls, deploy=True)
def check_reset_links_in_email_history(app_configs=None, **kwargs):
    """No page sends a mail holding a reset link through Oscar's stored-email path."""
    if not getattr(settings, "OSCAR_SAVE_SENT_EMAILS_TO_DB", True):
        return []
    storing = [name for name, _ in _storing_views()]
    if not storing:
        return []
    return [
        checks.Error(
            "OSCAR_SAVE_SENT_EMAILS_TO_DB is on and these pages send emails holding a live "
            "password reset link through Oscar's dispatcher, which stores them in the "
            "customer's email history (communication.Email), readable by staff and by "
            "anyone reaching the account: " + ", ".join(storing) + ".",
            hint=(
                "Use oscar-privacy's views for them (oscar_privacy.config.Shop, "
                "oscar_privacy.customer.apps.CustomerConfig and "
                "oscar_privacy.dashboard.users.apps.UsersDashboardConfig, or their mixins in "
                "forked apps: see docs/deploy.rst), or set OSCAR_SAVE_SENT_EMAILS_TO_DB = False."
            ),
            id="oscar_privacy.E016",
        )
    ]


def _storing_views():
    """``(url name, view class)`` of each installed page that would store a reset link."""
    from django.urls import NoReverseMatch, resolve, reverse

    from .customer.mixins import UnstoredAccountAlertsMixin
    from .dashboard.users.views import PasswordResetView as StaffResetView
    from .password_views import ForgottenPasswordView

    safe_views = (
        ("password-reset", {}, ForgottenPasswordView),
        ("customer:profile-update", {}, UnstoredAccountAlertsMixin),
        ("customer:change-password", {}, UnstoredAccountAlertsMixin),
        ("dashboard:user-password-reset", {"pk": 1}, StaffResetView),
    )
    for name, kwargs, safe in safe_views:
        try:
            match = resolve(reverse(name, kwargs=kwargs))
        except NoReverseMatch:
            continue
        view_class = getattr(match.func, "view_class", None)
        if view_class is not None and not issubclass(view_class, safe):
            yield name, view_class
