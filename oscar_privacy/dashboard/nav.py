"""The dashboard menu entry, importable from settings (it imports no models)."""

from django.utils.translation import gettext_lazy as _

PRIVACY_NAVIGATION = {
    "label": _("Privacy"),
    "icon": "fas fa-user-shield",
    "children": [
        {
            "label": _("Privacy requests"),
            "url_name": "oscar_privacy_dashboard:privacy-request-list",
        },
        {"label": _("Consents"), "url_name": "oscar_privacy_dashboard:privacy-consent-list"},
        {
            "label": _("Policy versions"),
            "url_name": "oscar_privacy_dashboard:privacy-version-list",
        },
        {"label": _("Retention"), "url_name": "oscar_privacy_dashboard:privacy-retention"},
        {
            "label": _("Account recovery"),
            "url_name": "oscar_privacy_dashboard:privacy-recovery-list",
        },
        {"label": _("Audit trail"), "url_name": "oscar_privacy_dashboard:privacy-audit-list"},
    ],
}
