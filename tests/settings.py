"""Test settings: the sandbox's, with fast hashing and captured email.

The database comes from ``DATABASE_URL`` (default SQLite), so the same suite
runs on SQLite and PostgreSQL.
"""

import os
import tempfile

from sandbox.settings import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run at once; the "worker" backend queues them in the database for a real
# worker process (tests/test_export_worker.py). django-tasks-db is a test extra:
# the sandbox does not install it.
INSTALLED_APPS = [*INSTALLED_APPS, "django_tasks_db"]  # noqa: F405
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "worker": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}
# No search index on disk in tests: Oscar's catalogue still renders.
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Export archives of the test run go to a temporary folder; a worker process
# started by a test is given the test run's folder through the environment.
exports_root = os.environ.get("OSCAR_PRIVACY_TEST_EXPORT_ROOT") or tempfile.mkdtemp(
    prefix="oscar-privacy-test-exports-"
)
STORAGES = {
    **STORAGES,  # noqa: F405
    "oscar_privacy_exports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": exports_root},
    },
}
# A fixed test key (never use it elsewhere), so the suite runs as production does.
OSCAR_PRIVACY_ENCRYPTION_KEYS = ["VGVzdHMtb25seS1rZXktZm9yLW9zY2FyLXByaXZhY3k="]
# Newsletter links as a production shop has them: https, on the test client's host.
OSCAR_PRIVACY_NEWSLETTER_SITE_URL = "https://testserver"
# A newsletter worker process started by tests/test_newsletter_worker.py sends
# through a recording backend, in small batches.
OSCAR_PRIVACY_NEWSLETTER_EMAIL_BACKEND = os.environ.get("OSCAR_PRIVACY_TEST_NEWSLETTER_BACKEND")
OSCAR_PRIVACY_NEWSLETTER_BATCH_SIZE = int(
    os.environ.get("OSCAR_PRIVACY_TEST_NEWSLETTER_BATCH", 500)
)
