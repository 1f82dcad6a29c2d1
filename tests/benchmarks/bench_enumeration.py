"""Timing budget: a known address answers as fast as an unknown one (run by ``make bench``).

``tests/test_perimeter_enumeration.py`` proves it by counting (queries,
hasher runs, tasks); this measures it. :data:`TRIES` interleaved pairs of
requests, known then unknown address or the other way round, through the
whole stack (Django's test client, every middleware), for:

- the forgotten-password form, with its task queued (django-tasks' dummy
  backend: a real queue in production), not run;
- Oscar's customer login with a wrong password, with a real Argon2 hasher
  (:class:`BenchArgon2Hasher`: Django's, at a lower cost so that 400 logins
  take seconds, not minutes; a hash still costs several milliseconds, more
  than the budget).

The budget is on the difference of the medians, known minus unknown: under
:data:`BUDGET_MS`. (Not the median of each pair's difference: the first
request of a pair runs in a slightly different state from the second, so
those differences come in two groups, one per order, and their median falls
in one of them.) The same login measured with Oscar's own ``EmailBackend``,
and the reset with its task run inside the request, are kept for
information: they are what the budget would catch.
"""

import statistics
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from oscar.test.factories import UserFactory

pytestmark = pytest.mark.django_db

TRIES = 200
BUDGET_MS = 2.0
KNOWN = "customer@example.com"
UNKNOWN = "nobody@example.com"
WRONG = "Not-the-password-2026"


class BenchArgon2Hasher(Argon2PasswordHasher):
    """Django's Argon2 hasher at a lower cost: a few milliseconds a hash on a small machine."""

    algorithm = "argon2"
    time_cost = 1
    memory_cost = 8 * 1024
    parallelism = 1


@pytest.fixture
def shop(settings):
    settings.PASSWORD_HASHERS = ["tests.benchmarks.bench_enumeration.BenchArgon2Hasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    UserFactory(email=KNOWN, password="A-long-enough-password-2026")


def _timed_pairs(post):
    """The median time of the known address's requests and of the unknown's, in ms."""
    known, unknown = [], []
    for index in range(TRIES):
        order = (KNOWN, UNKNOWN) if index % 2 else (UNKNOWN, KNOWN)
        times = {}
        for identifier in order:
            cache.clear()  # the rate limits
            AccessAttempt.objects.all().delete()  # the login pause
            started = time.perf_counter()
            post(identifier)
            times[identifier] = (time.perf_counter() - started) * 1000
        known.append(times[KNOWN])
        unknown.append(times[UNKNOWN])
    return statistics.median(known), statistics.median(unknown)


def _record(bench, name, post, budget=BUDGET_MS):
    known, unknown = _timed_pairs(post)
    difference = known - unknown
    ok = abs(difference) <= budget if budget is not None else None
    return bench(
        name,
        round(abs(difference), 3),
        "ms",
        budget,
        ok=ok,
        budget_text=f"≤ {budget} ms" if budget is not None else "",
        median_known_ms=round(known, 3),
        median_unknown_ms=round(unknown, 3),
        signed_difference_ms=round(difference, 3),
        tries=TRIES,
    )


def test_the_forgotten_password_form_takes_as_long_for_a_known_address(shop, bench, settings):
    client = Client()
    url = reverse("password-reset")

    def post(identifier):
        response = client.post(url, {"identifier": identifier})
        assert response.status_code == 302

    assert _record(bench, "enumeration: forgotten password, median known - unknown", post)
    # What the budget catches: the email built, sent and audited inside the request.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    _record(bench, "enumeration: reset with its task run at once (information)", post, None)


def test_the_login_takes_as_long_for_a_known_address(shop, bench, settings):
    client = Client()
    url = reverse("customer:login")

    def post(identifier):
        data = {"login-username": identifier, "login-password": WRONG, "login_submit": "Log In"}
        response = client.post(url, data)
        assert response.status_code == 200

    assert _record(bench, "enumeration: customer login, median known - unknown", post)
    # What the budget catches: Oscar's own backend, for information.
    settings.AUTHENTICATION_BACKENDS = [
        "oscar_privacy.throttling.LoginThrottlingBackend",
        "oscar.apps.customer.auth_backends.EmailBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    _record(bench, "enumeration: login with Oscar's EmailBackend (information)", post, None)
