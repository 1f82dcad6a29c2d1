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
