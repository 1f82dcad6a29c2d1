"""Zero-fork wiring of Oscar's partners dashboard: list this config in place of Oscar's.

``INSTALLED_APPS``: ``"oscar_privacy.dashboard.partners.apps.PartnersDashboardConfig"``
instead of ``"oscar.apps.dashboard.partners.apps.PartnersDashboardConfig"``.
The app stays Oscar's (label, URLs, templates). Oscar's pages for a
partner's users let staff type the password of the account they create, and
of any account they link to a partner first, customers included; here
(:mod:`.views`) they have no password field: a new account's owner is
emailed a link to choose one, and every change of access (staff status,
dashboard access, partners) is audited. A shop that forked the partners
dashboard sets ``user_create_view``, ``user_update_view``,
``user_link_view`` and ``user_unlink_view`` to those views (check
``oscar_privacy.E027`` finds any password field left).
"""

from oscar.apps.dashboard.partners import apps


class PartnersDashboardConfig(apps.PartnersDashboardConfig):
    def ready(self):
        super().ready()
        from .views import (
            PartnerUserCreateView,
            PartnerUserLinkView,
            PartnerUserUnlinkView,
            PartnerUserUpdateView,
        )

        self.user_create_view = PartnerUserCreateView
        self.user_update_view = PartnerUserUpdateView
        self.user_link_view = PartnerUserLinkView
        self.user_unlink_view = PartnerUserUnlinkView
