"""The adapter: the one seam for decisions a shop may want to change.

Point ``OSCAR_PRIVACY_ADAPTER`` at a subclass of
:class:`DefaultPrivacyAdapter` and override only what differs. The adapter
takes decisions; flows live in services.
"""

from django.utils.module_loading import import_string

from .conf import app_settings
from .exceptions import PrivacyConfigurationError


class DefaultPrivacyAdapter:
    def is_protected_user(self, user):
        """Whether privacy automation must never touch this account.

        Staff and superusers are never closed, erased or anonymised by the
        retention rules or the customer-facing pages.
        """
        return bool(user.is_staff or user.is_superuser)

    def requires_two_factor(self, user):
        """Whether ``user`` must pass a second factor before the staff areas.

        Staff, superusers and anyone allowed into Wagtail's admin: one
        session opens Oscar's dashboard, Wagtail's admin and Django's admin
        alike. Customers are never asked.
        """
        return bool(
            user.is_authenticated
            and (user.is_staff or user.is_superuser or user.has_perm("wagtailadmin.access_admin"))
        )

    def get_actor_label(self, user):
        """The frozen label stored with an audit event for the person acting.

        Kept when the actor's account is later deleted, so it names staff by
        their login rather than by personal details.
        """
        if user is None or not user.is_authenticated:
            return "system"
        return user.get_username() or f"user #{user.pk}"

    def get_controller(self):
        """The data controller as a dict (see ``OSCAR_PRIVACY_CONTROLLER``)."""
        controller = app_settings.CONTROLLER
        if not isinstance(controller, dict):
            raise PrivacyConfigurationError(
                "OSCAR_PRIVACY_CONTROLLER must be a dict such as "
                "{'name': ..., 'address': ..., 'email': ...}, not "
                f"{type(controller).__name__}."
            )
        return dict(controller)


def get_adapter():
    """Return an instance of the adapter named by ``OSCAR_PRIVACY_ADAPTER``."""
    path = app_settings.ADAPTER
    try:
        adapter_class = import_string(path)
    except ImportError as exc:
        raise PrivacyConfigurationError(
            f"OSCAR_PRIVACY_ADAPTER = {path!r} cannot be imported: {exc}"
        ) from exc
    return adapter_class()
