"""System checks, ids ``oscar_privacy.E0xx`` (errors) and ``W0xx`` (warnings)."""

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
