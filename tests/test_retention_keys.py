"""keys_in: a batch's keys as one array parameter on PostgreSQL, ``__in`` elsewhere; same rows."""

import pytest
from django.db import connection
from oscar.test.factories import UserFactory

from oscar_privacy.models import AuditEvent
from oscar_privacy.retention.keys import keys_in

pytestmark = pytest.mark.django_db


def test_the_same_rows_as_in_with_one_parameter_on_postgresql():
    users = [UserFactory() for _ in range(3)]
    wanted = [users[0].pk, users[2].pk, 10**9]
    queryset = type(users[0]).objects.filter(keys_in(type(users[0]), "pk", wanted))
    assert sorted(queryset.values_list("pk", flat=True)) == sorted(wanted[:2])
    sql, params = queryset.query.sql_with_params()
    if connection.vendor == "postgresql":
        assert params == (wanted,) and "unnest" in sql
    else:
        assert list(params) == wanted


def test_an_empty_list_matches_nothing():
    UserFactory()
    model = type(UserFactory())
    assert not model.objects.filter(keys_in(model, "pk", [])).exists()


def test_keys_that_are_not_integers_stay_an_in_list():
    event = AuditEvent.objects.create(action="test.keys", actor_label="system", target_id="a")
    queryset = AuditEvent.objects.filter(keys_in(AuditEvent, "target_id", ["a", "b"]))
    assert list(queryset) == [event]
    _sql, params = queryset.query.sql_with_params()
    assert list(params) == ["a", "b"]
