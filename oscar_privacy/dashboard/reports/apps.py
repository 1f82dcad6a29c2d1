"""Zero-fork wiring of Oscar's reports dashboard: list this config in place of Oscar's.

``INSTALLED_APPS``: ``"oscar_privacy.dashboard.reports.apps.ReportsDashboardConfig"``
instead of ``"oscar.apps.dashboard.reports.apps.ReportsDashboardConfig"``. The
app stays Oscar's; showing or downloading a report that names people (orders
placed, customers' activity, baskets) is recorded in the audit trail. A shop
that forked the reports dashboard adds
:class:`~oscar_privacy.dashboard.read_audit.ReportReadMixin` to its own view.
"""

from oscar.apps.dashboard.reports import apps

from oscar_privacy.wiring import with_mixin


class ReportsDashboardConfig(apps.ReportsDashboardConfig):
    def ready(self):
        super().ready()
        from ..read_audit import ReportReadMixin

        self.index_view = with_mixin(ReportReadMixin, self.index_view)
