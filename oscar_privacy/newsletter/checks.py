"""System checks of the newsletter: ``oscar_privacy.E019``, ``E020``, ``E028``, ``W023``,
``W024``, ``W034``."""

from django.conf import settings
from django.core import checks

from ..conf import app_settings


@checks.register(checks.Tags.urls)
def check_newsletter_urls(app_configs=None, **kwargs):
    """Newsletters carry links to the newsletter's pages: its URLs must be in the project."""
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("oscar_privacy_newsletter:unsubscribe", args=["token"])
    except NoReverseMatch:
        return [
            checks.Error(
                "oscar_privacy.newsletter is installed but its URLs are not: newsletters "
                "could not carry their unsubscribe link.",
                hint=(
                    'Add path("newsletter/", include("oscar_privacy.newsletter.urls")) to the '
                    "project's urlpatterns, before Wagtail's catch-all."
                ),
                id="oscar_privacy.E019",
            )
        ]
    return []


@checks.register(checks.Tags.urls)
def check_anymail_urls(app_configs=None, **kwargs):
    """anymail's webhooks must be routed by :mod:`oscar_privacy.newsletter.anymail_urls`.

    With ``anymail.urls`` itself, one event anymail cannot read fails its
    whole request on every retry of the provider: an unsubscription in the
    same batch is never applied.
    """
    from anymail import urls as anymail_urls
    from django.urls import NoReverseMatch, resolve, reverse

    plain = []
    for pattern in anymail_urls.urlpatterns:
        if "tracking" not in pattern.name and pattern.name != "mandrill_webhook":
            continue
        try:
            match = resolve(reverse(f"anymail:{pattern.name}"))
        except NoReverseMatch:
            continue
        if not getattr(match.func, "oscar_privacy_batched", False):
            plain.append(pattern.name)
    if not plain:
        return []
    return [
        checks.Error(
            "django-anymail's webhooks are routed by anymail.urls: one event anymail cannot "
            "read fails its whole request, on every retry, and the unsubscriptions sent "
            "with it are never applied (" + ", ".join(plain) + ").",
            hint=(
                'Replace include("anymail.urls") by '
                'include("oscar_privacy.newsletter.anymail_urls") in the project\'s urlpatterns.'
            ),
            id="oscar_privacy.E028",
        )
    ]


@checks.register(checks.Tags.security)
def check_webhook_secret(app_configs=None, **kwargs):
    """Email providers' events unsubscribe people: anyone must not be able to post them."""
    from django.urls import NoReverseMatch, reverse

    if settings.DEBUG:
        return []
    try:
        reverse("anymail:postmark_tracking_webhook")
    except NoReverseMatch:
        return []  # anymail's webhooks are not routed
    if getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET"):
        return []
    return [
        checks.Error(
            "django-anymail's webhooks are routed without ANYMAIL['WEBHOOK_SECRET']: anyone "
            "could post events that unsubscribe or suppress addresses.",
            hint=(
                'Set ANYMAIL = {"WEBHOOK_SECRET": "<random>:<random>"} and give the same '
                "user:password to your email provider's webhook settings."
            ),
            id="oscar_privacy.E020",
        )
    ]


@checks.register()
def check_newsletter_settings(app_configs=None, **kwargs):
    """The suppression list needs a stable key; mail clients need the two unsubscribe links."""
    if settings.DEBUG:
        return []
    messages = []
    if not app_settings.NEWSLETTER_HASH_KEY:
        messages.append(
            checks.Warning(
                "OSCAR_PRIVACY_NEWSLETTER_HASH_KEY is not set: the newsletter's suppression "
                "list is keyed by a key derived from SECRET_KEY, and changing SECRET_KEY would "
                "let unsubscribed addresses be added again.",
                hint="Set it once to a long random string kept secret, and never change it.",
                id="oscar_privacy.W023",
            )
        )
    site_url = app_settings.NEWSLETTER_SITE_URL
    if site_url and not site_url.startswith("https://"):
        messages.append(
            checks.Warning(
                f"OSCAR_PRIVACY_NEWSLETTER_SITE_URL = {site_url!r} is not https: mail clients "
                "ignore a one-click unsubscribe link that is not (RFC 8058).",
                hint="Serve the shop over HTTPS and give its https:// address.",
                id="oscar_privacy.W024",
            )
        )
    if not app_settings.NEWSLETTER_DOUBLE_OPT_IN:
        messages.append(
            checks.Warning(
                "OSCAR_PRIVACY_NEWSLETTER_DOUBLE_OPT_IN is False: anyone can subscribe an "
                "address they do not own, from the newsletter form, an account or a checkout.",
                hint=(
                    "Keep double opt-in for every address the shop has not verified by other "
                    "means: a subscription then starts only from a link emailed to the address."
                ),
                id="oscar_privacy.W034",
            )
        )
    if not app_settings.NEWSLETTER_UNSUBSCRIBE_MAILTO:
        messages.append(
            checks.Warning(
                "OSCAR_PRIVACY_NEWSLETTER_UNSUBSCRIBE_MAILTO is not set: newsletters offer no "
                "mailto: unsubscribe link to mail clients that do not use the https one.",
                hint=(
                    "Name an address whose incoming mail reaches django-anymail's inbound "
                    "webhook (see the newsletter documentation)."
                ),
                id="oscar_privacy.W024",
            )
        )
    return messages
