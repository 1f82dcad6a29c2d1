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


class PrivacyDashboardConfig(OscarDashboardConfig):
    default = True  # apps.py also imports OscarDashboardConfig
    name = "oscar_privacy.dashboard"
    label = "oscar_privacy_dashboard"
    verbose_name = _("Privacy dashboard")
    default_auto_field = "django.db.models.BigAutoField"

    default_permissions = ["is_staff"]
    # URL names are prefixed: Oscar's menu looks them up across all dashboard apps.
    permissions_map = {
        "privacy-consent-list": (["is_staff", "oscar_privacy.view_consentrecord"],),
        "privacy-consent-export": (["is_staff", "oscar_privacy.view_consentrecord"],),
        "privacy-version-list": (["is_staff", "oscar_privacy.view_policyversion"],),
        "privacy-retention": (["is_staff", "oscar_privacy.view_retentionrun"],),
        "privacy-recovery-list": (["is_staff", "oscar_privacy.view_privacyrequest"],),
        "privacy-recovery-detail": (["is_staff", "oscar_privacy.change_privacyrequest"],),
        "privacy-audit-list": (["is_staff", "oscar_privacy.view_auditevent"],),
        "privacy-audit-export": (["is_staff", "oscar_privacy.view_auditevent"],),
    }

    def ready(self):
        from . import recovery_views, views

        self.consent_list_view = views.ConsentListView
        self.consent_export_view = views.ConsentExportView
        self.version_list_view = views.PolicyVersionListView
        self.retention_view = views.RetentionView
        self.recovery_list_view = recovery_views.RecoveryListView
        self.recovery_detail_view = recovery_views.RecoveryDetailView
        self.audit_list_view = views.AuditListView
        self.audit_export_view = views.AuditExportView

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
        ]
        return self.post_process_urls(urls)
