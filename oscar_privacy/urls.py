"""Public URLs. Include them before Wagtail's catch-all::

path("privacy/", include("oscar_privacy.urls")),
"""

from django.urls import path

from . import (
    account_views,
    email_change_views,
    recovery_views,
    registration_views,
    request_views,
    two_factor_views,
    views,
)

app_name = "oscar_privacy"

urlpatterns = [
    path("account/", account_views.MyDataView.as_view(), name="my-data"),
    path("account/consents/", account_views.ConsentsView.as_view(), name="consents"),
    path(
        "account/consents/withdraw/",
        account_views.ConsentWithdrawView.as_view(),
        name="consent-withdraw",
    ),
    path("account/exports/", account_views.ExportListView.as_view(), name="exports"),
    path(
        "account/exports/<uuid:pk>/download/",
        account_views.ExportDownloadView.as_view(),
        name="export-download",
    ),
    path(
        "account/confirm-password/",
        account_views.ConfirmPasswordView.as_view(),
        name="confirm-password",
    ),
    path("account/close/", account_views.CloseAccountView.as_view(), name="close-account"),
    path("account/closed/", account_views.AccountClosedView.as_view(), name="account-closed"),
    path(
        "account-recovery/",
        recovery_views.AccountRecoveryView.as_view(),
        name="account-recovery",
    ),
    path(
        "account-recovery/sent/",
        recovery_views.AccountRecoverySentView.as_view(),
        name="account-recovery-sent",
    ),
    # Registration without enumeration (OSCAR_PRIVACY_PREVENT_ACCOUNT_ENUMERATION).
    path(
        "register/sent/",
        registration_views.RegistrationSentView.as_view(),
        name="registration-sent",
    ),
    path(
        "register/confirm/<str:token>/",
        registration_views.RegistrationConfirmView.as_view(),
        name="registration-confirm",
    ),
    # A customer's new email address, confirmed from its mailbox (same setting).
    path(
        "account/email/confirm/<str:token>/",
        email_change_views.EmailChangeConfirmView.as_view(),
        name="email-change-confirm",
    ),
    # Staff two-factor authentication (StaffTwoFactorMiddleware sends staff here).
    path("staff/two-factor/", two_factor_views.VerifyView.as_view(), name="two-factor-verify"),
    path("staff/two-factor/setup/", two_factor_views.SetupView.as_view(), name="two-factor-setup"),
    path(
        "staff/two-factor/backup-codes/",
        two_factor_views.BackupCodesView.as_view(),
        name="two-factor-backup-codes",
    ),
    path("contact/", request_views.PrivacyRequestView.as_view(), name="contact"),
    path("contact/sent/", request_views.PrivacyRequestSentView.as_view(), name="contact-sent"),
    path(
        "contact/confirm/<str:token>/",
        request_views.ConfirmRequestView.as_view(),
        name="request-confirm",
    ),
    path(
        "contact/confirmed/",
        request_views.PrivacyRequestConfirmedView.as_view(),
        name="contact-confirmed",
    ),
    path("accept/", views.AcceptPoliciesView.as_view(), name="accept-policies"),
    path("policies/<str:kind>/", views.PolicyVersionListView.as_view(), name="policy-versions"),
    path(
        "policies/<str:kind>/<int:number>/",
        views.PolicyVersionDetailView.as_view(),
        name="policy-version",
    ),
]
