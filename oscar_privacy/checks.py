"""System checks, ids ``oscar_privacy.E0xx`` (errors) and ``W0xx`` (warnings)."""

from pathlib import Path

from django.conf import settings
from django.core import checks

from .conf import app_settings
from .exceptions import PrivacyConfigurationError


@checks.register()
def check_configuration(app_configs=None, **kwargs):
    from .adapter import get_adapter
    from .consent import NETWORK_DATA_MODES
    from .datamap import datamap, get_purposes
    from .retention import get_rules

    errors = []
    controller = None
    try:
        adapter = get_adapter()
    except PrivacyConfigurationError as exc:
        errors.append(checks.Error(str(exc), id="oscar_privacy.E001"))
    else:
        try:
            controller = adapter.get_controller()
        except PrivacyConfigurationError as exc:
            errors.append(checks.Error(str(exc), id="oscar_privacy.E006"))
    errors += _check_exclusions()
    if app_settings.CONSENT_NETWORK_DATA not in NETWORK_DATA_MODES:
        errors.append(
            checks.Error(
                f"OSCAR_PRIVACY_CONSENT_NETWORK_DATA = {app_settings.CONSENT_NETWORK_DATA!r} "
                "is not a known mode.",
                hint=f"Use one of {', '.join(NETWORK_DATA_MODES)}.",
                id="oscar_privacy.E008",
            )
        )
    try:
        rules = get_rules()
    except PrivacyConfigurationError as exc:
        errors.append(checks.Error(str(exc), id="oscar_privacy.E002"))
        rules = None
    try:
        purposes = get_purposes()
    except PrivacyConfigurationError as exc:
        errors.append(checks.Error(str(exc), id="oscar_privacy.E003"))
        purposes = None
    for entry in datamap:
        if purposes is not None:
            for key in entry.purposes:
                if key not in purposes:
                    errors.append(
                        checks.Error(
                            f"Data map entry {entry.model!r} names unknown purpose {key!r}.",
                            hint="Add it to OSCAR_PRIVACY_PURPOSES.",
                            id="oscar_privacy.E004",
                        )
                    )
        if rules is not None:
            for name in entry.retention:
                if name not in rules:
                    errors.append(
                        checks.Error(
                            f"Data map entry {entry.model!r} names unknown retention rule "
                            f"{name!r}.",
                            hint="Add it to OSCAR_PRIVACY_RETENTION.",
                            id="oscar_privacy.E005",
                        )
                    )
    if controller is not None and not controller.get("name"):
        errors.append(
            checks.Warning(
                "OSCAR_PRIVACY_CONTROLLER has no 'name': the register of processing cannot "
                "be produced.",
                hint="Set OSCAR_PRIVACY_CONTROLLER = {'name': ..., 'address': ..., 'email': ...}.",
                id="oscar_privacy.W002",
            )
        )
    return errors


def _check_exclusions():
    from django.apps import apps

    errors = []
    for label, reason in app_settings.DATAMAP_EXCLUDE.items():
        try:
            apps.get_model(label)
        except (LookupError, ValueError):
            errors.append(
                checks.Error(
                    f"OSCAR_PRIVACY_DATAMAP_EXCLUDE names {label!r}, which is not an installed "
                    "model.",
                    hint="Use 'app_label.ModelName'.",
                    id="oscar_privacy.E007",
                )
            )
        if not str(reason or "").strip():
            errors.append(
                checks.Error(
                    f"OSCAR_PRIVACY_DATAMAP_EXCLUDE[{label!r}] gives no reason.",
                    hint="Say why the model holds no personal data: the reason is documented.",
                    id="oscar_privacy.E007",
                )
            )
    return errors


@checks.register()
def check_datamap_coverage(app_configs=None, **kwargs):
    """Every model that looks personal is either mapped or excluded with a reason."""
    from .datamap.coverage import find_gaps

    return [
        checks.Warning(
            f"{gap.label}: {gap.message}",
            hint=(
                "Describe it with oscar_privacy.datamap.datamap.register(Entry(...)) or, if it "
                "holds no personal data, add it to OSCAR_PRIVACY_DATAMAP_EXCLUDE with a reason."
            ),
            obj=gap.model,
            id="oscar_privacy.W001",
        )
        for gap in find_gaps()
    ]


@checks.register()
def check_oscar_history_cookie(app_configs=None, **kwargs):
    """Oscar's defaults leave the recently-viewed cookie in place at logout."""
    cookie = getattr(settings, "OSCAR_RECENTLY_VIEWED_COOKIE_NAME", None)
    deleted = getattr(settings, "OSCAR_COOKIES_DELETE_ON_LOGOUT", [])
    if cookie and cookie not in deleted:
        return [
            checks.Warning(
                f"The {cookie!r} cookie (products the customer viewed) survives logout.",
                hint=f"Add {cookie!r} to OSCAR_COOKIES_DELETE_ON_LOGOUT.",
                id="oscar_privacy.W003",
            )
        ]
    return []


@checks.register()
def check_private_storage(app_configs=None, **kwargs):
    """Export archives need a configured storage that the web server does not serve."""
    alias = app_settings.EXPORT_STORAGE
    if alias not in settings.STORAGES:
        return [
            checks.Error(
                f"OSCAR_PRIVACY_EXPORT_STORAGE names {alias!r}, which is not in STORAGES: "
                "customers cannot download their data.",
                hint=(
                    f"Add STORAGES[{alias!r}] = {{'BACKEND': "
                    "'django.core.files.storage.FileSystemStorage', 'OPTIONS': "
                    "{'location': '/a/private/folder'}} (outside MEDIA_ROOT and STATIC_ROOT)."
                ),
                id="oscar_privacy.E009",
            )
        ]
    location = settings.STORAGES[alias].get("OPTIONS", {}).get("location")
    if location:
        private = Path(location).resolve()
        for name in ("MEDIA_ROOT", "STATIC_ROOT"):
            public = getattr(settings, name, None)
            if public and private.is_relative_to(Path(public).resolve()):
                return [
                    checks.Error(
                        f"STORAGES[{alias!r}] keeps export archives inside {name}, which the "
                        "web server may serve.",
                        hint="Choose a folder outside MEDIA_ROOT and STATIC_ROOT.",
                        id="oscar_privacy.E009",
                    )
                ]
    return []


@checks.register()
def check_encryption_keys(app_configs=None, **kwargs):
    """Data at rest needs real keys in production, and keys that load."""
    from cryptography.fernet import Fernet

    keys = app_settings.ENCRYPTION_KEYS
    if not keys:
        if settings.DEBUG:
            return []
        return [
            checks.Error(
                "OSCAR_PRIVACY_ENCRYPTION_KEYS is empty: data at rest would be encrypted with "
                "a key derived from SECRET_KEY.",
                hint=(
                    'Generate a key with `python -c "from cryptography.fernet import Fernet; '
                    'print(Fernet.generate_key().decode())"` and list it in '
                    "OSCAR_PRIVACY_ENCRYPTION_KEYS (kept secret, like SECRET_KEY)."
                ),
                id="oscar_privacy.E010",
            )
        ]
    errors = []
    for position, key in enumerate(keys):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            errors.append(
                checks.Error(
                    f"OSCAR_PRIVACY_ENCRYPTION_KEYS[{position}] is not a Fernet key.",
                    hint="A Fernet key is 32 bytes in URL-safe base64 (44 characters).",
                    id="oscar_privacy.E010",
                )
            )
    return errors


@checks.register(checks.Tags.urls)
def check_profile_deletion(app_configs=None, **kwargs):
    """Oscar's profile deletion must not bypass the account closure."""
    from django.urls import NoReverseMatch, resolve, reverse

    try:
        match = resolve(reverse("customer:profile-delete"))
    except NoReverseMatch:
        return []
    view_class = getattr(match.func, "view_class", None)
    oscar_view = _oscar_profile_delete_view()
    if view_class is not None and oscar_view is not None and issubclass(view_class, oscar_view):
        return [
            checks.Warning(
                "customer:profile-delete is Oscar's ProfileDeleteView, which deletes the "
                "account and cascades to records the law requires the shop to keep.",
                hint=(
                    "Use oscar_privacy.customer.apps.CustomerConfig in INSTALLED_APPS, or set "
                    "profile_delete_view = oscar_privacy.customer.views.ProfileDeleteRedirectView "
                    "in your forked customer app config."
                ),
                id="oscar_privacy.W004",
            )
        ]
    return []


@checks.register(checks.Tags.database)
def check_no_bank_cards(app_configs=None, databases=None, **kwargs):
    """The shop keeps no card data: any ``payment.Bankcard`` row contradicts its policy.

    Django passes ``databases`` (the aliases to check) to checks tagged
    ``database``; without them (a plain ``manage.py check``) nothing is read.
    """
    from django.apps import apps
    from django.db import DatabaseError, router

    if not databases:
        return []
    try:
        bankcard_model = apps.get_model("payment", "Bankcard")
    except LookupError:
        return []
    found = False
    for alias in databases:
        if not router.allow_migrate_model(alias, bankcard_model):
            continue
        try:
            found = found or bankcard_model._default_manager.using(alias).exists()
        except DatabaseError:
            pass  # no table yet (before migrate) or no database: nothing to say
    if found:
        return [
            checks.Warning(
                "The database holds bank card details (payment.Bankcard rows), but the shop's "
                "privacy policy says it has no knowledge of card numbers.",
                hint=(
                    "Delete them with `manage.py privacy_retention --rule bank_cards`, and find "
                    "what stores them (card data belongs with the payment provider)."
                ),
                id="oscar_privacy.W005",
            )
        ]
    return []


def _oscar_profile_delete_view():
    try:
        from oscar.apps.customer.views import ProfileDeleteView
    except ImportError:
        return None
    return ProfileDeleteView


@checks.register(checks.Tags.urls)
def check_password_reset_view(app_configs=None, **kwargs):
    """Oscar's password reset page stores live links in the email history and has no rate limit."""
    from django.contrib.auth.views import PasswordResetView
    from django.urls import NoReverseMatch, resolve, reverse

    try:
        match = resolve(reverse("password-reset"))
    except NoReverseMatch:
        return []
    view_class = getattr(match.func, "view_class", None)
    if view_class is not None and issubclass(view_class, PasswordResetView):
        return [
            checks.Warning(
                "password-reset is served by Django's PasswordResetView (Oscar's wiring): reset "
                "links are stored in the customer's email history, requests are not rate "
                "limited and only an email address is accepted.",
                hint=(
                    "Use oscar_privacy.config.Shop in INSTALLED_APPS instead of "
                    "oscar.config.Shop, or include oscar_privacy.password_views."
                    "password_reset_urls() in place of Oscar's password reset URLs."
                ),
                id="oscar_privacy.W006",
            )
        ]
    return []


@checks.register(checks.Tags.security)
def check_password_hasher(app_configs=None, **kwargs):
    """The first of ``PASSWORD_HASHERS`` (the one new hashes use) must be a strong one."""
    from django.contrib.auth.hashers import get_hashers

    hasher = get_hashers()[0]
    weakness = hasher_weakness(hasher)
    if weakness is None:
        return []
    return [
        checks.Warning(
            f"New passwords are hashed with {type(hasher).__module__}.{type(hasher).__name__}: "
            f"{weakness}",
            hint=(
                "Put 'django.contrib.auth.hashers.Argon2PasswordHasher' first in "
                "PASSWORD_HASHERS (pip install argon2-cffi) and keep the others after it: "
                "each password is rehashed with Argon2 at its owner's next login."
            ),
            id="oscar_privacy.W007",
        )
    ]


def hasher_weakness(hasher):
    """Why ``hasher`` is weaker than the state of the art, or ``None``.

    Accepted: Argon2 and scrypt (memory-hard, what the CNIL and OWASP
    recommend) with at least Django's default costs; PBKDF2-SHA256 with at
    least Django's default iterations and bcrypt-SHA256 with at least its
    default rounds, which OWASP still accepts. Everything else is reported:
    lower costs, PBKDF2-SHA1, plain bcrypt (cuts passwords at 72 bytes),
    MD5, SHA-1, unsalted and crypt hashers, and hashers this check does not know.
    """
    from django.contrib.auth import hashers

    if isinstance(hasher, hashers.Argon2PasswordHasher):
        default = hashers.Argon2PasswordHasher
        if hasher.time_cost < default.time_cost or hasher.memory_cost < default.memory_cost:
            return "Argon2 with lower costs than Django's defaults."
        return _missing_library(hasher)
    if isinstance(hasher, hashers.ScryptPasswordHasher):
        if hasher.work_factor < hashers.ScryptPasswordHasher.work_factor:
            return "scrypt with a lower work factor than Django's default."
        return None
    if isinstance(hasher, hashers.PBKDF2SHA1PasswordHasher):
        return "PBKDF2 with SHA-1, a legacy hasher."
    if isinstance(hasher, hashers.PBKDF2PasswordHasher):
        default = hashers.PBKDF2PasswordHasher.iterations
        if hasher.iterations < default:
            return (
                f"PBKDF2 with {hasher.iterations} iterations, fewer than Django's default "
                f"({default})."
            )
        return None
    if isinstance(hasher, hashers.BCryptPasswordHasher):
        return "bcrypt without SHA-256, which ignores everything after a password's 72nd byte."
    if isinstance(hasher, hashers.BCryptSHA256PasswordHasher):
        if hasher.rounds < hashers.BCryptSHA256PasswordHasher.rounds:
            return "bcrypt with fewer rounds than Django's default."
        return _missing_library(hasher)
    return "not a hasher known to resist the brute-forcing of a stolen database."


def _missing_library(hasher):
    try:
        hasher._load_library()
    except ValueError:
        library = hasher.library if isinstance(hasher.library, str) else hasher.library[0]
        return f"the library it needs ({library}) is not installed."
    return None


@checks.register()
def check_password_reset_settings(app_configs=None, **kwargs):
    """The forgotten-password, account recovery and privacy request rates must be rates."""
    from .passwords import UNKNOWN_IDENTIFIER_MODES, parse_rate

    errors = []
    mode = app_settings.PASSWORD_RESET_UNKNOWN_IDENTIFIER
    if mode not in UNKNOWN_IDENTIFIER_MODES:
        errors.append(
            checks.Error(
                f"OSCAR_PRIVACY_PASSWORD_RESET_UNKNOWN_IDENTIFIER = {mode!r} is not one of "
                + ", ".join(repr(value) for value in UNKNOWN_IDENTIFIER_MODES)
                + ".",
                id="oscar_privacy.E011",
            )
        )
    for name in (
        "PASSWORD_RESET_RATE_PER_IP",
        "PASSWORD_RESET_RATE_PER_IDENTIFIER",
        "RECOVERY_RATE_PER_IP",
        "REQUEST_RATE_PER_IP",
        "REQUEST_RATE_PER_EMAIL",
    ):
        try:
            parse_rate(getattr(app_settings, name))
        except ValueError as exc:
            errors.append(checks.Error(f"OSCAR_PRIVACY_{name}: {exc}", id="oscar_privacy.E011"))
    return errors


@checks.register(checks.Tags.security)
def check_login_throttling(app_configs=None, **kwargs):
    """Logins are throttled with django-axes, without keeping the submitted forms."""
    from .throttling import throttling_problems

    problems = throttling_problems()
    if not problems:
        return []
    return [
        checks.Warning(
            "Login attempts are not throttled safely: " + " ".join(problems),
            hint=(
                "Install django-axes and configure it as docs/passwords.rst shows "
                "(Login throttling): AUTHENTICATION_BACKENDS starting with "
                "'oscar_privacy.throttling.LoginThrottlingBackend', "
                "'axes.middleware.AxesMiddleware' last in MIDDLEWARE, "
                "AXES_HANDLER = 'oscar_privacy.throttling.LoginThrottlingHandler'."
            ),
            id="oscar_privacy.W008",
        )
    ]


SHOWN_PAGES = 5
"""How many unprotected staff pages check ``oscar_privacy.E012`` names before counting the rest."""


@checks.register(checks.Tags.security, checks.Tags.urls)
def check_staff_two_factor(app_configs=None, **kwargs):
    """Staff areas ask for a second factor: django-otp and the middleware in place, in order.

    And every staff page is recognised as one: each view of Django's admin
    or of an Oscar dashboard app is inside a staff area, and each area's
    pages, reversed by name in every configured language, are classified
    as staff pages in every language (``oscar_privacy.staff_areas``).
    """
    from django.urls import NoReverseMatch, reverse

    from .staff_areas import unrecognised_staff_pages
    from .two_factor import configuration_problems

    if not app_settings.STAFF_TWO_FACTOR:
        return []
    problems = configuration_problems()
    try:
        reverse("oscar_privacy:two-factor-verify")
    except NoReverseMatch:
        problems.append("The two-factor pages have no URL (oscar_privacy.urls is not included).")
    unrecognised = unrecognised_staff_pages()
    problems += unrecognised[:SHOWN_PAGES]
    if len(unrecognised) > SHOWN_PAGES:
        problems.append(f"And {len(unrecognised) - SHOWN_PAGES} more such pages.")
    errors = []
    if problems:
        errors.append(
            checks.Error(
                "Staff would not be asked for a second factor: " + " ".join(problems),
                hint=(
                    "Add 'django_otp', 'django_otp.plugins.otp_totp' and "
                    "'django_otp.plugins.otp_static' to INSTALLED_APPS, list "
                    "'django_otp.middleware.OTPMiddleware' then "
                    "'oscar_privacy.middleware.StaffTwoFactorMiddleware' after "
                    "'django.contrib.auth.middleware.AuthenticationMiddleware' in MIDDLEWARE, "
                    "include oscar_privacy.urls, mount Oscar's dashboard apps, oscar_privacy's "
                    "dashboard and every AdminSite through their own include ("
                    "include(config.urls), include(config.urls[:2]), site.urls) or list the "
                    "include in OSCAR_PRIVACY_STAFF_AREAS (docs/staff-areas.rst); or set "
                    "OSCAR_PRIVACY_STAFF_TWO_FACTOR = False if staff pass a second factor "
                    "another way."
                ),
                id="oscar_privacy.E012",
            )
        )
    for name in ("OTP_TOTP_THROTTLE_FACTOR", "OTP_STATIC_THROTTLE_FACTOR"):
        factor = getattr(settings, name, 1)
        if not isinstance(factor, int | float) or factor <= 0:
            errors.append(
                checks.Warning(
                    f"{name} = {factor!r}: wrong second-factor codes are not slowed down; "
                    "whoever has a staff password can try codes as fast as the server answers.",
                    hint=f"Remove {name} (django-otp's default is 1) or give it a positive value.",
                    id="oscar_privacy.W010",
                )
            )
    return errors


@checks.register()
def check_privacy_request_settings(app_configs=None, **kwargs):
    """The privacy request form's confirmation link and the supervisory authority."""
    import datetime

    from .exceptions import RetentionRuleError
    from .retention.rules import get_rules

    errors = []
    authority = app_settings.SUPERVISORY_AUTHORITY
    if not (
        isinstance(authority, dict)
        and isinstance(authority.get("name"), str)
        and authority["name"].strip()
        and isinstance(authority.get("url"), str)
        and authority["url"].startswith(("https://", "http://"))
    ):
        errors.append(
            checks.Error(
                "OSCAR_PRIVACY_SUPERVISORY_AUTHORITY must be a dict with a 'name' and the "
                f"'url' of its complaint page, not {authority!r}.",
                hint="The answer to every privacy request names it (GDPR Art. 12(4)).",
                id="oscar_privacy.E017",
            )
        )
    days = app_settings.REQUEST_CONFIRMATION_DAYS
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        errors.append(
            checks.Error(
                f"OSCAR_PRIVACY_REQUEST_CONFIRMATION_DAYS = {days!r} is not a number of days "
                "(1 or more).",
                id="oscar_privacy.E018",
            )
        )
        return errors
    try:
        rule = get_rules().get("unconfirmed_requests")
    except RetentionRuleError:
        return errors  # reported by oscar_privacy.E002
    if rule is not None:
        now = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
        if now + datetime.timedelta(days=days) > now + rule.delta:
            errors.append(
                checks.Warning(
                    f"OSCAR_PRIVACY_REQUEST_CONFIRMATION_DAYS ({days}) is longer than the "
                    f"unconfirmed_requests retention period ({rule.period}): a confirmation "
                    "link could outlive its request and lead to a page saying it is not valid.",
                    hint="Shorten the link's validity or lengthen the rule's period.",
                    id="oscar_privacy.W021",
                )
            )
    return errors


NO_STORE_MIDDLEWARE = "oscar_privacy.caching.NoStoreMiddleware"


@checks.register(checks.Tags.security)
def check_no_store_middleware(app_configs=None, **kwargs):
    """Oscar's My Account pages are never stored: the middleware in place, below the page cache."""
    from django.utils.module_loading import import_string

    from .caching import NoStoreMiddleware

    namespaces = app_settings.NO_STORE_NAMESPACES
    if not isinstance(namespaces, list | tuple) or not all(
        isinstance(name, str) and name for name in namespaces
    ):
        return [
            checks.Error(
                f"OSCAR_PRIVACY_NO_STORE_NAMESPACES = {namespaces!r} is not a list of URL "
                "namespaces.",
                hint='For example ("customer",), Oscar\'s My Account.',
                id="oscar_privacy.E030",
            )
        ]
    if not namespaces:
        return []

    def is_ours(path):
        try:
            found = import_string(path)
        except ImportError:
            return False
        return isinstance(found, type) and issubclass(found, NoStoreMiddleware)

    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    ours = [index for index, path in enumerate(middleware) if is_ours(path)]
    if not ours:
        return [
            checks.Warning(
                "The pages of the URL namespaces "
                f"{', '.join(namespaces)} (Oscar's My Account: profile, orders, addresses) "
                "are sent without Cache-Control: no-store; the browser keeps them on disk "
                "after logout.",
                hint=f"Add '{NO_STORE_MIDDLEWARE}' to MIDDLEWARE.",
                id="oscar_privacy.W036",
            )
        ]
    cache = "django.middleware.cache.UpdateCacheMiddleware"
    if cache in middleware and middleware.index(cache) > ours[0]:
        return [
            checks.Warning(
                f"{NO_STORE_MIDDLEWARE} comes before {cache} in MIDDLEWARE: Django's page "
                "cache stores the My Account pages before they are marked no-store.",
                hint=f"Move {NO_STORE_MIDDLEWARE} below {cache}.",
                id="oscar_privacy.W037",
            )
        ]
    return []


def _view_class(url_name):
    """The class of the view ``url_name`` resolves to, or ``None`` (not mounted, or a function)."""
    from django.urls import NoReverseMatch, resolve, reverse

    try:
        match = resolve(reverse(url_name))
    except NoReverseMatch:
        return None
    return getattr(match.func, "view_class", None)


@checks.register(checks.Tags.security, checks.Tags.urls)
def check_account_enumeration(app_configs=None, **kwargs):
    """Registration, the checkout gateway and the login never tell whether an account exists."""
    return [
        *_registration_warnings(),
        *_profile_warnings(),
        *_gateway_warnings(),
        *_login_warnings(),
    ]


def _registration_warnings():
    from .customer.mixins import NeutralRegistrationMixin
    from .registration import prevents_enumeration

    hint = (
        "Keep OSCAR_PRIVACY_PREVENT_ACCOUNT_ENUMERATION = True (the default) and use "
        "oscar_privacy.customer.apps.CustomerConfig, or add NeutralRegistrationMixin to your "
        "forks of Oscar's AccountRegistrationView and AccountAuthView (docs/passwords.rst)."
    )
    if not prevents_enumeration():
        problem = (
            "OSCAR_PRIVACY_PREVENT_ACCOUNT_ENUMERATION is False: Oscar's registration says "
            "'A user with that email address already exists', or logs a new customer in at "
            "once, and My Account's profile form says so of a new address, so anyone can "
            "learn whether an email address has an account."
        )
        return [checks.Warning(problem, hint=hint, id="oscar_privacy.W027")]
    unwired = [
        url_name
        for url_name in ("customer:register", "customer:login")
        if (view := _view_class(url_name)) is not None
        and not issubclass(view, NeutralRegistrationMixin)
    ]
    if unwired:
        problem = (
            f"{' and '.join(unwired)} are served without NeutralRegistrationMixin: "
            "registration says whether an email address has an account."
        )
        return [checks.Warning(problem, hint=hint, id="oscar_privacy.W027")]
    return []


def _profile_warnings():
    from .customer.mixins import VerifiedEmailChangeMixin
    from .registration import prevents_enumeration

    if not prevents_enumeration():
        return []  # W027 says it
    view = _view_class("customer:profile-update")
    if view is None or issubclass(view, VerifiedEmailChangeMixin):
        return []
    return [
        checks.Warning(
            "customer:profile-update is served without VerifiedEmailChangeMixin: My "
            "Account's profile form answers 'A user with this email address already exists' "
            "when another account has the address typed, so any customer can test addresses "
            "one by one, and it changes the address at once, to a mailbox nobody confirmed.",
            hint=(
                "Use oscar_privacy.customer.apps.CustomerConfig, or add "
                "VerifiedEmailChangeMixin in front of your fork of Oscar's ProfileUpdateView "
                "(docs/passwords.rst)."
            ),
            id="oscar_privacy.W032",
        )
    ]


def _gateway_warnings():
    from .checkout.gateway import NeutralGatewayMixin, guests_may_use_registered_addresses

    if not getattr(settings, "OSCAR_ALLOW_ANON_CHECKOUT", False):
        return []
    view = _view_class("checkout:index")
    if view is not None and not issubclass(view, NeutralGatewayMixin):
        problem = (
            "The checkout's first page (checkout:index) is served without NeutralGatewayMixin: "
            "Oscar's gateway answers 'A user with that email address already exists' for a "
            "registered address."
        )
    elif not guests_may_use_registered_addresses():
        problem = (
            "OSCAR_PRIVACY_GUEST_CHECKOUT_WITH_ACCOUNT and OSCAR_ALLOW_GUEST_CHECKOUT_WITH_ACCOUNT "
            "are False: a guest whose email address has an account is asked to log in, so "
            "anyone with a basket can learn whether an address has an account."
        )
    else:
        return []
    hint = (
        "Keep OSCAR_PRIVACY_GUEST_CHECKOUT_WITH_ACCOUNT = True (the default) and use "
        "oscar_privacy.checkout.apps.CheckoutConfig, or add NeutralGatewayMixin to your fork "
        "of Oscar's checkout IndexView (docs/passwords.rst)."
    )
    return [checks.Warning(problem, hint=hint, id="oscar_privacy.W028")]


def _login_warnings():
    from .auth_backends import constant_time_login_problems

    return [
        checks.Warning(
            problem,
            hint=(
                "Replace it (and django.contrib.auth.backends.ModelBackend) with "
                "'oscar_privacy.auth_backends.EmailBackend' in AUTHENTICATION_BACKENDS, after "
                "axes' backend: it logs in by email address or username and runs the password "
                "hasher once when no account matches."
            ),
            id="oscar_privacy.W029",
        )
        for problem in constant_time_login_problems()
    ]


@checks.register()
def check_registration_settings(app_configs=None, **kwargs):
    """The registration and email change links' validity must be a number of days."""
    errors = []
    for name, check_id in (
        ("REGISTRATION_CONFIRMATION_DAYS", "oscar_privacy.E023"),
        ("EMAIL_CHANGE_CONFIRMATION_DAYS", "oscar_privacy.E024"),
    ):
        days = getattr(app_settings, name)
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            errors.append(
                checks.Error(
                    f"OSCAR_PRIVACY_{name} = {days!r} is not a number of days (1 or more).",
                    id=check_id,
                )
            )
    return errors
