"""Zero-fork wiring of Oscar's orders dashboard: list this config in place of Oscar's.

``INSTALLED_APPS``: ``"oscar_privacy.dashboard.orders.apps.OrdersDashboardConfig"``
instead of ``"oscar.apps.dashboard.orders.apps.OrdersDashboardConfig"``. The
app stays Oscar's; its order page, delivery address page and order list
record staff reads and CSV downloads in the audit trail. A shop that forked
the orders dashboard adds the mixins of :mod:`oscar_privacy.dashboard.read_audit`
to its own views.
"""

from oscar.apps.dashboard.orders import apps

from oscar_privacy.wiring import with_mixin


class OrdersDashboardConfig(apps.OrdersDashboardConfig):
    def ready(self):
        super().ready()
        from ..read_audit import OrderDetailReadMixin, OrderListReadMixin, ShippingAddressReadMixin

        self.order_detail_view = with_mixin(OrderDetailReadMixin, self.order_detail_view)
        self.shipping_address_view = with_mixin(
            ShippingAddressReadMixin, self.shipping_address_view
        )
        self.order_list_view = with_mixin(OrderListReadMixin, self.order_list_view)
