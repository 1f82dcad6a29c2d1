"""Settings of the sandbox shop: django-oscar and Wagtail in one site.

Everything that differs between machines comes from the environment:

- ``DATABASE_URL``: default a SQLite file beside this module.
- ``EMAIL_BACKEND``: default Django's console backend; any django-anymail
  backend (with ``ANYMAIL_*`` variables) works.
- ``DJANGO_DEBUG``, ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS``.
- ``DJANGO_HTTPS=1``: the production HTTPS settings of docs/deploy.rst (the
  sandbox's own server speaks plain HTTP, so they are off by default).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.urls import reverse_lazy
from oscar.defaults import *  # noqa: F403  (must come first: Oscar's defaults, then ours)

from oscar_privacy.dashboard.nav import PRIVACY_NAVIGATION

BASE_DIR = Path(__file__).resolve().parent
env = os.environ.get

DEBUG = env("DJANGO_DEBUG", "1") == "1"
SECRET_KEY = env("DJANGO_SECRET_KEY", "sandbox-only-not-secret-" + "x" * 40)
ALLOWED_HOSTS = env("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

# HTTPS everywhere, as the privacy policy promises (`manage.py check --deploy`
# reports what is missing: docs/deploy.rst).
HTTPS = env("DJANGO_HTTPS", "0") == "1"
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60 if HTTPS else 0
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = HTTPS

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=0,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    # oscar_privacy comes before Oscar so that its template overrides win.
    "oscar_privacy",
    "oscar_privacy.contrib.wagtail",
    "oscar_privacy.newsletter",
    "oscar_privacy.newsletter.wagtail",
    "oscar_privacy.dashboard",
    "sandbox.shop",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "anymail",
    "django_tasks",
    # Oscar
    "oscar_privacy.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    # oscar-privacy's zero-fork configs: Oscar's apps with the consent mixins.
    "oscar_privacy.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "oscar.apps.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar_privacy.customer.apps.CustomerConfig",
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "oscar.apps.dashboard.apps.DashboardConfig",
    "oscar_privacy.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar_privacy.dashboard.users.apps.UsersDashboardConfig",
    "oscar_privacy.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar_privacy.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "widget_tweaks",
    "haystack",
    "treebeard",
    "sorl.thumbnail",
    "django_tables2",
    # Wagtail (its project template's `search` app is left out: its label
    # clashes with Oscar's search app)
    "wagtail.contrib.settings",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After django-otp's: staff pass their second factor before any staff page.
    "oscar_privacy.middleware.StaffTwoFactorMiddleware",
    "oscar_privacy.middleware.PolicyAcceptanceMiddleware",
    # Oscar's My Account pages are sent with Cache-Control: no-store.
    "oscar_privacy.caching.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as axes asks: turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sandbox.urls"
WSGI_APPLICATION = "sandbox.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

AUTHENTICATION_BACKENDS = (
    # First: refuses logins of a locked-out login/address before any password is checked.
    "oscar_privacy.throttling.LoginThrottlingBackend",
    # Oscar's email login and Django's username login in one, taking as long
    # for an unknown login as for a known one (check W029).
    "oscar_privacy.auth_backends.EmailBackend",
)
# Argon2 first: the hasher the CNIL and OWASP recommend today.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# The CNIL's recommendation (12 characters, four kinds) replaces Django's minimum length.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "oscar_privacy.password_validation.CNILPasswordValidator",
        "OPTIONS": {"min_length": 12, "min_classes": 4},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes), on every login form: the customer login, the
# dashboard's, Wagtail's and Django admin's. See docs/passwords.rst.
AXES_HANDLER = "oscar_privacy.throttling.LoginThrottlingHandler"
AXES_USERNAME_CALLABLE = "oscar_privacy.throttling.get_username"
AXES_LOCKOUT_CALLABLE = "oscar_privacy.throttling.lockout_response"
# Five failures for one login from one address pause that pair, so nobody can
# lock a customer out from everywhere; 30 from one address, whatever the login
# (OSCAR_PRIVACY_LOGIN_FAILURE_LIMIT_PER_IP), pause the address.
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"], "ip_address"]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
# Keep only what the limit needs: no log of successful logins.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# Behind a reverse proxy, tell axes which header holds the client's address:
# AXES_IPWARE_PROXY_COUNT and AXES_IPWARE_META_PRECEDENCE_ORDER.

# Staff two-factor authentication (django-otp; docs/security.rst). The issuer
# names the shop in staff's authenticator apps. Wrong codes wait 1, 2, 4, 8...
# seconds (django-otp's default factor of 1, written out here).
OTP_TOTP_ISSUER = "Oscar Privacy Sandbox"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
OSCAR_PRIVACY_STAFF_TWO_FACTOR = True

# Oscar lives under /shop/, Wagtail serves the rest of the site.
LOGIN_URL = reverse_lazy("customer:login")
LOGIN_REDIRECT_URL = reverse_lazy("customer:summary")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
SITE_ID = 1

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Customers' data exports, encrypted: a private folder outside MEDIA_ROOT, never served.
    "oscar_privacy_exports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env("OSCAR_PRIVACY_EXPORT_ROOT", str(BASE_DIR / "private"))},
    },
}

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "shop@example.com")
OSCAR_FROM_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL = {
    key[len("ANYMAIL_") :]: value for key, value in os.environ.items() if key.startswith("ANYMAIL_")
}
# The user:password email providers must send with their webhook events
# (check oscar_privacy.E020); the sandbox's own is no secret.
ANYMAIL.setdefault("WEBHOOK_SECRET", "sandbox:not-secret")

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work: Django's tasks API, run at once in the sandbox.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Oscar
OSCAR_SHOP_NAME = "Oscar Privacy Sandbox"
OSCAR_DEFAULT_CURRENCY = "EUR"
OSCAR_ALLOW_ANON_CHECKOUT = True
OSCAR_ALLOW_ANON_REVIEWS = False
# Oscar's default names a cookie it never sets: delete the real history cookie on logout.
OSCAR_COOKIES_DELETE_ON_LOGOUT = ["oscar_history"]
OSCAR_BASKET_COOKIE_SECURE = OSCAR_RECENTLY_VIEWED_COOKIE_SECURE = HTTPS
# Links in Oscar's emails (password resets among them).
OSCAR_URL_SCHEMA = "https" if HTTPS else "http"
OSCAR_DASHBOARD_NAVIGATION = OSCAR_DASHBOARD_NAVIGATION + [PRIVACY_NAVIGATION]  # noqa: F405
# Oscar's catalogue pages are Haystack searches: Whoosh is a pure-Python index
# on disk, enough for a demo shop (load_demo_data builds it).
HAYSTACK_CONNECTIONS = {
    "default": {
        "ENGINE": "haystack.backends.whoosh_backend.WhooshEngine",
        "PATH": env("HAYSTACK_WHOOSH_PATH", str(BASE_DIR / "whoosh_index")),
    }
}
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.RealtimeSignalProcessor"
THUMBNAIL_DEBUG = False

# Wagtail
WAGTAIL_SITE_NAME = OSCAR_SHOP_NAME
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_I18N_ENABLED = False
# Nobody chooses another person's password in Wagtail's user admin: oscar-privacy
# removes the fields whatever this says (check E026); off all the same.
WAGTAILUSERS_PASSWORD_ENABLED = False
# Wagtail's forgotten-password page through the shop's reset service: rate
# limited, audited, the same answer for every address (check W031).
WAGTAILADMIN_USER_PASSWORD_RESET_FORM = (
    "oscar_privacy.contrib.wagtail.password_reset.PasswordResetForm"
)

# oscar-privacy
OSCAR_PRIVACY_CONTROLLER = {
    "name": "Oscar Privacy Sandbox SAS",
    "address": "1 rue de l'Exemple, 75001 Paris, France",
    "email": "privacy@example.com",
    "phone": "+33 1 23 45 67 89",
    "website": "http://127.0.0.1:8000/",
    "registration": "RCS Paris 000 000 000",
    "dpo": {"name": "Data protection officer", "email": "dpo@example.com"},
}
# Comma-separated Fernet keys, newest first. Empty: a key derived from
# SECRET_KEY, which the checks accept only with DEBUG.
OSCAR_PRIVACY_ENCRYPTION_KEYS = [
    key for key in env("OSCAR_PRIVACY_ENCRYPTION_KEYS", "").split(",") if key
]

# The newsletter: links in its emails point at this address; mail clients that
# cannot use the one-click link write to the mailto address (anymail inbound).
OSCAR_PRIVACY_NEWSLETTER_SITE_URL = env("OSCAR_PRIVACY_NEWSLETTER_SITE_URL", WAGTAILADMIN_BASE_URL)
OSCAR_PRIVACY_NEWSLETTER_UNSUBSCRIBE_MAILTO = "unsubscribe@example.com"
# The key of the suppression list's hashes: set once, never changed (check W023).
OSCAR_PRIVACY_NEWSLETTER_HASH_KEY = env(
    "OSCAR_PRIVACY_NEWSLETTER_HASH_KEY", "sandbox-only-not-secret-" + "y" * 40
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"oscar_privacy": {"handlers": ["console"], "level": "INFO"}},
}
