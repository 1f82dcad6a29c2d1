"""System checks of the staff pages that create, change and delete accounts.

Each reports a configuration in which one of those pages would let a person
choose another's password, or mail reset links with no limit:

- ``oscar_privacy.E025``: an admin site registers the user model with an
  admin that is not guarded (:class:`oscar_privacy.admin.UserAdminGuardMixin`);
- ``oscar_privacy.E026`` / ``W030``: Wagtail's user admin is not guarded, with
  / without its password fields;
- ``oscar_privacy.E027``: Oscar's partner users pages have password fields;
- ``oscar_privacy.W031``: Wagtail's forgotten-password page is on and does
  not go through the reset service.

Wagtail is never imported here unless installed, and then only the classes
its settings name.
"""

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

WAGTAIL_USERS_GUARD = "oscar_privacy.contrib.wagtail"
"""The app that guards Wagtail's user admin and its forgotten-password form."""

PASSWORD_FIELDS = frozenset({"password1", "password2", "new_password1", "new_password2"})


@checks.register(checks.Tags.admin, checks.Tags.security, checks.Tags.urls)
def check_user_admins(app_configs=None, **kwargs):
    """Every admin site that registers the user model uses a guarded admin for it."""
    if not apps.is_installed("django.contrib.admin"):
        return []
    from django.contrib.admin.sites import all_sites
    from django.contrib.auth import get_user_model
    from django.urls import get_resolver

    from .admin import is_guarded

    try:
        get_resolver().url_patterns  # noqa: B018  (imports the URLconf: sites defined there)
    except Exception:  # noqa: S110  (a broken URLconf is Django's own check's to report)
        pass
    user_model = get_user_model()
    errors = []
    for site in sorted(all_sites, key=lambda site: site.name):
        if site.is_registered(user_model) and not is_guarded(site.get_model_admin(user_model)):
            model_admin = type(site.get_model_admin(user_model))
            errors.append(
                checks.Error(
                    f"The admin site {site.name!r} registers {user_model._meta.label} with "
                    f"{model_admin.__module__}.{model_admin.__qualname__}, which lets staff "
                    "set other people's passwords and delete customers behind the closure.",
                    hint=(
                        "Put oscar_privacy.admin.UserAdminGuardMixin first in its bases, or call "
                        "oscar_privacy.admin.guard_user_admin(site) after registering it."
                    ),
                    obj=model_admin,
                    id="oscar_privacy.E025",
                )
            )
    return errors


def wagtail_password_enabled():
    """``WAGTAILUSERS_PASSWORD_ENABLED``, as Wagtail reads it (default ``True``)."""
    return getattr(settings, "WAGTAILUSERS_PASSWORD_ENABLED", True)


@checks.register(checks.Tags.security)
def check_wagtail_user_admin(app_configs=None, **kwargs):
    """Wagtail's user admin is guarded: no password fields, audited email changes."""
    if not apps.is_installed("wagtail.users"):
        return []
    path = apps.get_app_config("wagtailusers").user_viewset
    try:
        guarded = getattr(import_string(path), "oscar_privacy_guard", False)
    except ImportError:
        return []  # Wagtail reports a user_viewset it cannot import
    if guarded:
        return []
    hint = (
        f"Add {WAGTAIL_USERS_GUARD!r} to INSTALLED_APPS: it guards the user viewset "
        f"configured on wagtail.users ({path})."
    )
    if wagtail_password_enabled():
        return [
            checks.Error(
                "Wagtail's user admin lets anyone allowed to edit users set the password of "
                "any account, customers included.",
                hint=hint + " Until then, set WAGTAILUSERS_PASSWORD_ENABLED = False.",
                id="oscar_privacy.E026",
            )
        ]
    return [
        checks.Warning(
            "Wagtail's user admin is not guarded: email addresses change without a reason, "
            "an audit or a word to the old address, and new accounts get no invitation.",
            hint=hint,
            id="oscar_privacy.W030",
        )
    ]


@checks.register(checks.Tags.security)
def check_partner_user_forms(app_configs=None, **kwargs):
    """Oscar's partner users pages create and edit accounts without typing their password."""
    try:
        config = apps.get_app_config("partners_dashboard")
    except LookupError:
        return []
    errors = []
    for attribute in ("user_create_view", "user_update_view"):
        view = getattr(config, attribute, None)
        form_class = getattr(view, "form_class", None)
        fields = getattr(form_class, "base_fields", {})
        if PASSWORD_FIELDS.intersection(fields):
            errors.append(
                checks.Error(
                    f"Oscar's partners dashboard ({attribute}: {view.__module__}."
                    f"{view.__qualname__}) lets staff type the password of a partner's user, "
                    "and of any account they link to a partner first, customers included.",
                    hint=(
                        "Use oscar_privacy.dashboard.partners.apps.PartnersDashboardConfig in "
                        "INSTALLED_APPS instead of Oscar's, or its views in your forked app."
                    ),
                    obj=view,
                    id="oscar_privacy.E027",
                )
            )
    return errors


def wagtail_password_reset_enabled():
    """Whether Wagtail serves its forgotten-password page (its own settings' logic)."""
    management = getattr(settings, "WAGTAIL_PASSWORD_MANAGEMENT_ENABLED", True)
    return getattr(settings, "WAGTAIL_PASSWORD_RESET_ENABLED", management)


@checks.register(checks.Tags.security)
def check_wagtail_password_reset(app_configs=None, **kwargs):
    """Wagtail's forgotten-password page is off, or goes through the reset service."""
    if not apps.is_installed("wagtail.admin") or not wagtail_password_reset_enabled():
        return []
    path = getattr(settings, "WAGTAILADMIN_USER_PASSWORD_RESET_FORM", None)
    form_class = None
    if path:
        try:
            form_class = import_string(path)
        except ImportError:
            form_class = None
    if getattr(form_class, "oscar_privacy_reset_service", False):
        return []
    return [
        checks.Warning(
            "Wagtail's forgotten-password page (/cms/password_reset/ in the sandbox) mails a "
            "reset link to any account with the address typed, customers included, with no "
            "rate limit and no audit.",
            hint=(
                "Set WAGTAILADMIN_USER_PASSWORD_RESET_FORM = "
                "'oscar_privacy.contrib.wagtail.password_reset.PasswordResetForm' (with "
                f"{WAGTAIL_USERS_GUARD!r} installed), or WAGTAIL_PASSWORD_RESET_ENABLED = False."
            ),
            id="oscar_privacy.W031",
        )
    ]
