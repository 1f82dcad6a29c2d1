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

        Everyone who can open any staff area, by that area's own rule: staff
        and superusers (Django's admin), anyone allowed into Wagtail's admin
        (``wagtailadmin.access_admin``), and anyone a page of Oscar's
        dashboard lets in (Oscar's fulfilment partners with
        ``partner.dashboard_access``, a user holding only
        ``order.view_order``...; see
        :func:`~oscar_privacy.staff_areas.can_open_a_staff_area`). One
        session opens every area alike. Customers are never asked.
        """
        from .staff_areas import can_open_a_staff_area

        return can_open_a_staff_area(user)

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
