"""Privacy pages of Oscar's dashboard.

Add ``"oscar_privacy.dashboard"`` to INSTALLED_APPS (before Oscar's apps, so
its template for the customer page wins), mount its URLs and add its menu::

    privacy = apps.get_app_config("oscar_privacy_dashboard")
    path("shop/dashboard/privacy/", include(privacy.urls[:2])),

    from oscar_privacy.dashboard.nav import PRIVACY_NAVIGATION
    OSCAR_DASHBOARD_NAVIGATION = OSCAR_DASHBOARD_NAVIGATION + [PRIVACY_NAVIGATION]
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig

VIEW_REQUESTS = "oscar_privacy.view_privacyrequest"
HANDLE_REQUESTS = "oscar_privacy.change_privacyrequest"
CLOSE_ACCOUNTS = "oscar_privacy.add_accountclosure"
EXPORT_DATA = "oscar_privacy.add_dataexport"
VIEW_PANEL = "oscar_privacy.view_customer_privacy"


class PrivacyDashboardConfig(OscarDashboardConfig):
    default = True  # apps.py also imports OscarDashboardConfig
    name = "oscar_privacy.dashboard"
    label = "oscar_privacy_dashboard"
    verbose_name = _("Privacy dashboard")
    default_auto_field = "django.db.models.BigAutoField"

    default_permissions = ["is_staff"]
    # URL names are prefixed: Oscar's menu looks them up across all dashboard apps.
    # Each privacy capability is one permission (docs/requests.rst lists them).
    permissions_map = {
        "privacy-request-list": (["is_staff", VIEW_REQUESTS],),
        "privacy-request-detail": (["is_staff", HANDLE_REQUESTS],),
        "privacy-request-assign": (["is_staff", HANDLE_REQUESTS],),
        "privacy-request-status": (["is_staff", HANDLE_REQUESTS],),
        "privacy-request-note": (["is_staff", HANDLE_REQUESTS],),
        "privacy-request-extend": (["is_staff", HANDLE_REQUESTS],),
        "privacy-request-decide": (["is_staff", HANDLE_REQUESTS],),
        "privacy-request-close": (["is_staff", HANDLE_REQUESTS, CLOSE_ACCOUNTS],),
        "privacy-request-export": (["is_staff", HANDLE_REQUESTS, EXPORT_DATA],),
        "privacy-customer-export": (["is_staff", VIEW_PANEL, EXPORT_DATA],),
        "privacy-customer-close": (["is_staff", VIEW_PANEL, CLOSE_ACCOUNTS],),
        "privacy-consent-list": (["is_staff", "oscar_privacy.view_consentrecord"],),
        "privacy-consent-export": (["is_staff", "oscar_privacy.view_consentrecord"],),
        "privacy-version-list": (["is_staff", "oscar_privacy.view_policyversion"],),
        "privacy-retention": (["is_staff", "oscar_privacy.view_retentionrun"],),
        "privacy-recovery-list": (["is_staff", "oscar_privacy.view_privacyrequest"],),
        "privacy-recovery-detail": (["is_staff", "oscar_privacy.change_privacyrequest"],),
        "privacy-audit-list": (["is_staff", "oscar_privacy.view_auditevent"],),
        "privacy-audit-export": (["is_staff", "oscar_privacy.view_auditevent"],),
    }

    def get_url_decorator(self, pattern):
        """Oscar's permission check, and no page of the privacy dashboard is ever stored."""
        from ..caching import no_store

        permissions = super().get_url_decorator(pattern)
        if permissions is None:
            return no_store
        return lambda view: no_store(permissions(view))

    def ready(self):
        from . import customer_views, recovery_views, request_views, views

        self.consent_list_view = views.ConsentListView
        self.consent_export_view = views.ConsentExportView
        self.version_list_view = views.PolicyVersionListView
        self.retention_view = views.RetentionView
        self.recovery_list_view = recovery_views.RecoveryListView
        self.recovery_detail_view = recovery_views.RecoveryDetailView
        self.audit_list_view = views.AuditListView
        self.audit_export_view = views.AuditExportView
        self.request_list_view = request_views.RequestListView
        self.request_detail_view = request_views.RequestDetailView
        self.request_action_views = {
            "assign": request_views.AssignView,
            "status": request_views.StatusView,
            "note": request_views.NoteView,
            "extend": request_views.ExtendView,
            "decide": request_views.DecideView,
            "close": request_views.CloseAccountView,
            "export": request_views.ExportView,
        }
        self.customer_export_view = customer_views.CustomerExportView
        self.customer_close_view = customer_views.CustomerCloseView

    def get_urls(self):
        urls = [
            path("consents/", self.consent_list_view.as_view(), name="privacy-consent-list"),
            path(
                "consents/export.csv",
                self.consent_export_view.as_view(),
                name="privacy-consent-export",
            ),
            path("versions/", self.version_list_view.as_view(), name="privacy-version-list"),
            path("retention/", self.retention_view.as_view(), name="privacy-retention"),
            path(
                "account-recovery/",
                self.recovery_list_view.as_view(),
                name="privacy-recovery-list",
            ),
            path(
                "account-recovery/<int:pk>/",
                self.recovery_detail_view.as_view(),
                name="privacy-recovery-detail",
            ),
            path("audit/", self.audit_list_view.as_view(), name="privacy-audit-list"),
            path(
                "audit/export.csv",
                self.audit_export_view.as_view(),
                name="privacy-audit-export",
            ),
            path("requests/", self.request_list_view.as_view(), name="privacy-request-list"),
            path(
                "requests/<int:pk>/",
                self.request_detail_view.as_view(),
                name="privacy-request-detail",
            ),
            *(
                path(
                    f"requests/<int:pk>/{action}/",
                    view.as_view(),
                    name=f"privacy-request-{action}",
                )
                for action, view in self.request_action_views.items()
            ),
            path(
                "customers/<int:pk>/export/",
                self.customer_export_view.as_view(),
                name="privacy-customer-export",
            ),
            path(
                "customers/<int:pk>/close/",
                self.customer_close_view.as_view(),
                name="privacy-customer-close",
            ),
        ]
        return self.post_process_urls(urls)
