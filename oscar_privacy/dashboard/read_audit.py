"""Staff reads of customers' data on Oscar's own dashboard pages, in the audit trail.

Each mixin goes in front of one of Oscar's dashboard views and records one
event per page shown: a read (``audit.record_read``) when staff look at a
person's data, an action (``audit.record``) when they download it, as the
consent and audit exports do. Nothing is recorded when the page is not
shown: Oscar's permission check answers 403 before the view runs, an
unknown order or customer is a 404 raised before the mixin records.

The zero-fork app configs (``oscar_privacy.dashboard.users.apps``,
``.orders.apps``, ``.reports.apps``) put them on Oscar's views; a shop that forked those
dashboard apps adds them to its own views::

    class OrderDetailView(OrderDetailReadMixin, views.OrderDetailView):
        pass

Searches are recorded with their shape (which fields were filled, how many
results), not their terms: the terms are often a person's name, and the
event does not need it to show that staff searched.
"""

from oscar_privacy import audit
from oscar_privacy.csvfiles import neutralise_response


def filled_fields(form, names):
    """The names among ``names`` whose value in the valid ``form`` is not empty, sorted."""
    if not form.is_bound or not form.is_valid():
        return []
    return sorted(name for name in names if form.cleaned_data.get(name))


class CustomerDetailReadMixin:
    """For Oscar's ``UserDetailView``: records ``customer.viewed``, subject the customer."""

    def render_to_response(self, context, **response_kwargs):
        audit.record_read("customer.viewed", request=self.request, subject=self.object)
        return super().render_to_response(context, **response_kwargs)


class CustomerSearchReadMixin:
    """For Oscar's customers list (``IndexView``): records ``customers.searched`` per search.

    The unfiltered list, Oscar's dashboard entry to customers, is not
    recorded; a search is, as it singles people out.
    """

    audited_search_fields = ("email", "name")

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        fields = filled_fields(self.form, self.audited_search_fields)
        if fields:
            audit.record_read(
                "customers.searched",
                request=request,
                data={"search": fields, "results": self.object_list.count()},
            )
        return response


def _order_data(order):
    # A guest has no account to be the subject: the address says whose order it is.
    data = {"number": order.number}
    if order.user_id is None and order.guest_email:
        data["email"] = order.guest_email
    return data


class OrderDetailReadMixin:
    """For Oscar's ``OrderDetailView``: records ``order.viewed``.

    Subject: the customer who placed the order; for a guest order, the
    guest's email address is in the event's data instead. Target: the order.
    """

    audit_action = "order.viewed"

    def get_audited_order(self):
        return self.object

    def render_to_response(self, context, **response_kwargs):
        order = self.get_audited_order()
        audit.record_read(
            self.audit_action,
            request=self.request,
            subject=order.user,
            target=order,
            data=_order_data(order),
        )
        return super().render_to_response(context, **response_kwargs)


class ShippingAddressReadMixin(OrderDetailReadMixin):
    """For Oscar's ``ShippingAddressUpdateView``: records ``order.address_viewed``."""

    audit_action = "order.address_viewed"

    def get_audited_order(self):
        return self.object.order


class OrderListReadMixin:
    """For Oscar's ``OrderListView``: records searches for a person and every CSV download.

    The CSV itself is rewritten by :func:`oscar_privacy.csvfiles.neutralise_response`.

    ``orders.searched`` (a read) when the list is filtered by one of
    ``audited_search_fields`` (Oscar's form has the customer's name; a shop
    whose form adds an email field lists it too); ``orders.exported`` (an
    action) for each CSV download, of the filtered list or of the selected
    orders, with the number of orders in it.
    """

    audited_search_fields = ("name",)

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        form = getattr(self, "form", None)
        fields = filled_fields(form, self.audited_search_fields) if form is not None else []
        if fields and not self.is_csv_download() and response.status_code == 200:
            audit.record_read(
                "orders.searched",
                request=request,
                data={"search": fields, "results": self.object_list.count()},
            )
        return response

    def download_selected_orders(self, request, orders):
        # Names and addresses typed by customers: never a formula in the staff's spreadsheet.
        response = neutralise_response(super().download_selected_orders(request, orders))
        # The CSV iterated the queryset: counting it runs no query.
        data = {"orders": len(orders)}
        form = getattr(self, "form", None)
        if request.method == "POST":
            data["selected"] = True
        elif form is not None:
            data["search"] = filled_fields(form, set(form.fields) - {"response_format"})
        audit.record("orders.exported", request=request, data=data)
        return response


class ReportReadMixin:
    """For Oscar's reports page (``IndexView``): records reports about people.

    Every downloaded report's CSV is rewritten by
    :func:`oscar_privacy.csvfiles.neutralise_response`.

    ``report.viewed`` (a read) when one is shown, ``report.exported`` (an
    action) when it is downloaded as CSV; data: the report's code and dates.
    ``audited_reports`` lists the codes of Oscar's reports that name people
    (orders placed, customers' activity, baskets); add a report of your own.
    """

    audited_reports = ("order_report", "user_analytics", "open_baskets", "submitted_baskets")

    def get(self, request, *args, **kwargs):
        # Every report's CSV, about people or not: its cells never run as formulas.
        response = neutralise_response(super().get(request, *args, **kwargs))
        if "report_type" not in request.GET or response.status_code != 200:
            return response
        form = self.report_form_class(request.GET)
        if form.is_valid() and form.cleaned_data["report_type"] in self.audited_reports:
            data = {"report": form.cleaned_data["report_type"]}
            for name in ("date_from", "date_to"):
                if form.cleaned_data[name]:
                    data[name] = form.cleaned_data[name].isoformat()
            if form.cleaned_data["download"]:
                audit.record("report.exported", request=request, data=data)
            else:
                audit.record_read("report.viewed", request=request, data=data)
        return response
