"""Zero-fork wiring of Oscar's customers dashboard: list this config in place of Oscar's.

``INSTALLED_APPS``: ``"oscar_privacy.dashboard.users.apps.UsersDashboardConfig"``
instead of ``"oscar.apps.dashboard.users.apps.UsersDashboardConfig"`` (with
``"oscar_privacy.dashboard"`` installed too, for the templates). The app
stays Oscar's; a customer's page and searches of the customer list are
recorded in the audit trail
(:class:`~oscar_privacy.dashboard.read_audit.CustomerDetailReadMixin`,
:class:`~oscar_privacy.dashboard.read_audit.CustomerSearchReadMixin`), and
its "Send password reset email" address
(``dashboard:user-password-reset``) leads to
:class:`~.views.PasswordResetView`, which asks for a reason and needs the
``oscar_privacy.reset_customer_password`` permission, and the customer's
page (:class:`~.views.UserDetailView`) shows the privacy panel. A shop that
forked the users dashboard adds the two mixins to its views, sets
``password_reset_view`` and ``user_detail_view`` to those views and
``permissions_map["user-password-reset"]`` to :func:`password_reset_permissions`.
The list's "make active" / "make inactive" actions are audited
(:class:`~.views.ActiveStatusAuditMixin`).
"""

from oscar.apps.dashboard.users import apps

from oscar_privacy.wiring import with_mixin


def password_reset_permissions():
    """Who may send a customer a reset link: staff who see customers and hold our permission."""
    from django.contrib.auth import get_user_model

    user_app = get_user_model()._meta.app_label
    return (["is_staff", f"{user_app}.view_user", "oscar_privacy.reset_customer_password"],)


class UsersDashboardConfig(apps.UsersDashboardConfig):
    def ready(self):
        super().ready()
        from ..read_audit import CustomerDetailReadMixin, CustomerSearchReadMixin
        from .views import ActiveStatusAuditMixin, PasswordResetView, UserDetailView

        self.user_detail_view = with_mixin(CustomerDetailReadMixin, UserDetailView)
        self.index_view = with_mixin(
            ActiveStatusAuditMixin, with_mixin(CustomerSearchReadMixin, self.index_view)
        )
        self.password_reset_view = PasswordResetView

    def configure_permissions(self):
        super().configure_permissions()
        self.permissions_map["user-password-reset"] = password_reset_permissions()
