"""Closed accounts under legal hold, generated in bulk on PostgreSQL for the retention benchmark.

:func:`generate` writes ``count`` customers the way
:func:`oscar_privacy.closure.close_account` leaves them: the account
emptied (``anonymised-<pk>``, no name, email or usable password, inactive,
never logged in) with its :class:`~oscar_privacy.models.AccountClosure`, and
every order still whole under the hold: the customer's name on both
addresses, the postcode, the phone number, an engraving on a line, a note, a
payment source label and a voucher application. ``open_accounts=True``
writes the same customers before their closure (named, active, no
:class:`AccountClosure`), for comparing with what ``close_account`` does.

Rows are written with ``INSERT … SELECT … FROM generate_series``, one
statement per table, with primary keys chosen here so that the links between
tables are arithmetic: order ``j`` of a block belongs to its account
``(j - 1) / ORDERS + 1``, and so on (:class:`Block`). 100,000 accounts with
300,000 orders (about 2.2 million rows) take some 30 seconds. Columns not
given here get their field's default, so a new NOT NULL column without a
default in a later Oscar stops the generator with its name.
"""

from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.db.models.fields import AutoFieldMixin

ORDERS = 3
"""Orders per account."""
LINES = 2
"""Lines per order; the first carries an option typed by the customer (an engraving)."""

PHONE = "+33123456789"


def _model(label):
    return apps.get_model(label)


def _max_pk(model):
    return model._default_manager.aggregate(last=Max("pk"))["last"] or 0


def insert_series(model, count, columns):
    """``INSERT`` ``count`` rows of ``model``, ``g`` going from 1 to ``count``.

    ``columns`` maps field names to ``(sql, params)`` or plain SQL, in terms
    of ``g``. Other NOT NULL columns get their field's default; an automatic
    primary key not given is left to the database.
    """
    qn = connection.ops.quote_name
    names, expressions, params = [], [], []
    for model_field in model._meta.concrete_fields:
        if model_field.name in columns:
            value = columns[model_field.name]
            sql, args = value if isinstance(value, tuple) else (value, ())
        elif model_field.null or isinstance(model_field, AutoFieldMixin):
            continue
        else:
            default = model_field.get_default()
            if default is None:
                raise ValueError(f"{model._meta.label}.{model_field.name}: give it a value.")
            sql, args = "%s", (model_field.get_db_prep_save(default, connection),)
        names.append(qn(model_field.column))
        expressions.append(sql)
        params.extend(args)
    # Table and column names come from the model, values from this module or as parameters.
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(names)}) "  # noqa: S608
        f"SELECT {', '.join(expressions)} FROM generate_series(1, %s) AS g"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, count])


@dataclass(frozen=True)
class Block:
    """Where one call of :func:`generate` put its rows: first primary key minus one per table."""

    count: int
    user: int
    order: int
    shipping: int
    billing: int
    line: int

    def user_ids(self):
        return range(self.user + 1, self.user + self.count + 1)

    def order_ids(self, account):
        """Primary keys of the orders of the ``account``-th account (from 1)."""
        first = self.order + (account - 1) * ORDERS + 1
        return range(first, first + ORDERS)


def generate(
    count,
    *,
    now,
    years_ago,
    site,
    country,
    staff,
    product,
    source_type,
    voucher,
    open_accounts=False,
):
    """Write ``count`` closed accounts (see the module docstring); returns their :class:`Block`.

    Each account's last order was placed ``years_ago`` years before ``now``
    and 1 to 700 days more (spread over the accounts); its other orders are
    30 and 60 days older. ``open_accounts=True`` leaves the accounts open and
    named.

    One transaction. When the database user may (a PostgreSQL superuser, as
    ``make bench`` connects by default), foreign key triggers are off in it:
    the keys are consistent by construction, and checking 2 million of them
    one by one would double the time. The benchmark's checks read the rows
    back through their links.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                cursor.execute("SET LOCAL session_replication_role = replica")
        return _generate(
            count,
            now=now,
            years_ago=years_ago,
            site=site,
            country=country,
            staff=staff,
            product=product,
            source_type=source_type,
            voucher=voucher,
            open_accounts=open_accounts,
        )


def _generate(
    count, *, now, years_ago, site, country, staff, product, source_type, voucher, open_accounts
):

    def last_order(account):
        """SQL (and params) of the date of the last order of ``account`` (SQL on ``g``)."""
        return (
            f"(%s::timestamptz - interval '{int(years_ago)} years'"
            f" - (mod({account}, 700) + 1) * interval '1 day'"
            f" - mod({account}, 86400) * interval '1 second')",
            [now],
        )

    user_model = get_user_model()
    order_model = _model("order.Order")
    shipping_model = _model("order.ShippingAddress")
    billing_model = _model("order.BillingAddress")
    line_model = _model("order.Line")
    block = Block(
        count,
        user=_max_pk(user_model),
        order=_max_pk(order_model),
        shipping=_max_pk(shipping_model),
        billing=_max_pk(billing_model),
        line=_max_pk(line_model),
    )
    # Account, order and line of each row, as SQL on g.
    account_of_order = f"((g - 1) / {ORDERS} + 1)"
    order_rank = f"mod(g - 1, {ORDERS})"  # 0 for the account's last order
    last_sql, last_params = last_order(account_of_order)
    placed = (f"({last_sql} - {order_rank} * interval '30 days')", last_params)
    order_of_line = f"((g - 1) / {LINES} + 1)"
    last = last_order("g")

    def shifted(value, delta):
        return (f"({value[0]} {delta})", value[1])

    insert_series(
        user_model,
        count,
        {
            "id": f"{block.user} + g",
            "password": ("%s", ["!anonymised" if not open_accounts else "md5$bench$0"]),
            "username": (
                f"%s || ({block.user} + g)",
                ["anonymised-" if not open_accounts else "bench-customer-"],
            ),
            "first_name": ("%s", ["" if not open_accounts else "Camille"]),
            "last_name": "''" if not open_accounts else "'Martin ' || g",
            "email": "''" if not open_accounts else f"'c' || ({block.user} + g) || '@example.com'",
            "is_active": "false" if not open_accounts else "true",
            "date_joined": shifted(last, "- interval '3 years'"),
        },
    )
    address = {
        "title": "'Ms'",
        "first_name": "'Camille'",
        "last_name": f"'Martin ' || {account_of_order}",
        "line1": "(mod(g, 200) + 1) || ' rue de la Paix'",
        "line4": "'Paris'",
        "postcode": "'750' || lpad((mod(g, 20) + 1)::text, 2, '0')",
        "country": ("%s", [country.pk]),
    }
    # What the address's save() would store (search_fields, in order).
    search_text = (
        f"'Camille Martin ' || {account_of_order} || ' ' || (mod(g, 200) + 1) || ' rue de la Paix "
        "Paris ' || '750' || lpad((mod(g, 20) + 1)::text, 2, '0') || ' ' || %s"
    )
    insert_series(
        shipping_model,
        count * ORDERS,
        {
            **address,
            "id": f"{block.shipping} + g",
            "search_text": (search_text, [country.printable_name]),
            "phone_number": ("%s", [PHONE]),
            "notes": "'Ring at the back door, flat ' || g",
        },
    )
    insert_series(
        billing_model,
        count * ORDERS,
        {
            **address,
            "id": f"{block.billing} + g",
            "search_text": (search_text, [country.printable_name]),
        },
    )
    total = "(4.90 + 25.00 * (1 + mod(g, 4)))"
    insert_series(
        order_model,
        count * ORDERS,
        {
            "id": f"{block.order} + g",
            "number": f"'R{block.order}-' || g",
            "site": ("%s", [site.pk]),
            "user": f"{block.user} + {account_of_order}",
            "billing_address": f"{block.billing} + g",
            "shipping_address": f"{block.shipping} + g",
            "currency": "'EUR'",
            "total_incl_tax": total,
            "total_excl_tax": total,
            "shipping_incl_tax": "4.90",
            "shipping_excl_tax": "4.90",
            "shipping_method": "'Standard shipping'",
            "shipping_code": "'standard'",
            "status": "'Complete'",
            "date_placed": placed,
        },
    )
    stockrecord = product.stockrecords.select_related("partner").first()
    quantity = "(1 + mod(g, 3))"
    price = f"(12.50 * {quantity})"
    insert_series(
        line_model,
        count * ORDERS * LINES,
        {
            "id": f"{block.line} + g",
            "order": f"{block.order} + {order_of_line}",
            "partner": ("%s", [stockrecord.partner_id]),
            "partner_name": ("%s", [stockrecord.partner.name]),
            "partner_sku": ("%s", [stockrecord.partner_sku]),
            "stockrecord": ("%s", [stockrecord.pk]),
            "product": ("%s", [product.pk]),
            "title": ("%s", [product.title]),
            "upc": ("%s", [product.upc]),
            "quantity": quantity,
            "line_price_incl_tax": price,
            "line_price_excl_tax": price,
            "line_price_before_discounts_incl_tax": price,
            "line_price_before_discounts_excl_tax": price,
            "unit_price_incl_tax": "12.50",
            "unit_price_excl_tax": "12.50",
            "status": "'Complete'",
            "num_allocated": quantity,
        },
    )
    insert_series(
        _model("order.LineAttribute"),
        count * ORDERS,
        {
            "line": f"{block.line} + (g - 1) * {LINES} + 1",
            "type": "'Engraving'",
            "value": f"to_jsonb('For Camille Martin ' || {account_of_order})",
        },
    )
    insert_series(
        _model("order.OrderNote"),
        count * ORDERS,
        {
            "order": f"{block.order} + g",
            "user": ("%s", [staff.pk]),
            "note_type": "'Info'",
            "message": f"'Customer called: leave it with the neighbour, ' || {account_of_order}",
            "date_created": placed,
            "date_updated": placed,
        },
    )
    insert_series(
        _model("payment.Source"),
        count * ORDERS,
        {
            "order": f"{block.order} + g",
            "source_type": ("%s", [source_type.pk]),
            "currency": "'EUR'",
            "amount_allocated": total,
            "amount_debited": total,
            "reference": "'PSP-' || g",
            "label": "'Visa ending 4242, C. Martin'",
        },
    )
    insert_series(
        _model("voucher.VoucherApplication"),
        count,
        {
            "voucher": ("%s", [voucher.pk]),
            "user": f"{block.user} + g",
            "order": f"{block.order} + (g - 1) * {ORDERS} + 1",
            "date_created": last,
        },
    )
    if not open_accounts:
        insert_series(
            _model("oscar_privacy.AccountClosure"),
            count,
            {
                "user": f"{block.user} + g",
                "closed_at": shifted(last, "+ interval '1 day'"),
                "channel": "'my_account'",
                "had_orders": "true",
                "last_order_at": last,
                # plan_closure: the last order plus the rule's period (calendar years).
                "hold_until": shifted(last, "+ interval '10 years'"),
            },
        )
    return block


def _generated_models():
    """The models :func:`generate` writes rows of."""
    return [
        get_user_model(),
        *map(
            _model,
            (
                "order.Order",
                "order.ShippingAddress",
                "order.BillingAddress",
                "order.Line",
                "order.LineAttribute",
                "order.OrderNote",
                "payment.Source",
                "voucher.VoucherApplication",
                "oscar_privacy.AccountClosure",
            ),
        ),
    ]


def reset_sequences():
    """Point the primary key sequences past the rows written with explicit keys."""
    models = _generated_models()
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
        cursor.execute("ANALYZE")


def remove_all():
    """Empty the tables :func:`generate` writes, and those that refer to them.

    A benchmark calls it when done, so the next one measures on its own rows
    only (millions of rows left behind slow every later write).
    """
    qn = connection.ops.quote_name
    tables = ", ".join(qn(model._meta.db_table) for model in _generated_models())
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} CASCADE")  # noqa: S608 (names from the models)
        cursor.execute("ANALYZE")
