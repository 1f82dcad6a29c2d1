"""Filtering a batch's rows by a list of keys, cheaply on PostgreSQL.

A retention batch filters each table by the keys it read (a thousand
accounts, their few thousand orders, lines and addresses). As ``pk__in=keys``,
that is one placeholder per key: Django resolves and psycopg splits tens of
thousands of them per batch, about a fifth of the whole run of the retention
benchmark (``tests/benchmarks/bench_retention.py``), for no work of the
database. On PostgreSQL :func:`keys_in` passes the keys as one array
parameter instead; elsewhere it is ``__in`` as usual.
"""

from django.db import connections, router
from django.db.models import Q
from django.db.models.expressions import RawSQL


def keys_in(model, lookup, keys):
    """``Q`` for the rows of ``model`` whose ``lookup`` is one of ``keys``.

    Integer keys on PostgreSQL become ``lookup IN (SELECT unnest(%s::bigint[]))``
    with the list as its only parameter; other keys, and other databases,
    ``lookup__in=keys``.
    """
    keys = list(keys)
    vendor = connections[router.db_for_write(model)].vendor
    if vendor == "postgresql" and keys and all(type(key) is int for key in keys):
        return Q(**{f"{lookup}__in": RawSQL("SELECT unnest(%s::bigint[])", [keys])})
    return Q(**{f"{lookup}__in": keys})
