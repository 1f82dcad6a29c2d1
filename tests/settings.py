"""Test settings: the sandbox's, with fast hashing and captured email.

The database comes from ``DATABASE_URL`` (default SQLite), so the same suite
runs on SQLite and PostgreSQL.
"""

import tempfile

from sandbox.settings import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# No search index on disk in tests: Oscar's catalogue still renders.
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Export archives of the test run go to a temporary folder.
STORAGES = {
    **STORAGES,  # noqa: F405
    "oscar_privacy_exports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tempfile.mkdtemp(prefix="oscar-privacy-test-exports-")},
    },
}
# A fixed test key (never use it elsewhere), so the suite runs as production does.
OSCAR_PRIVACY_ENCRYPTION_KEYS = ["VGVzdHMtb25seS1rZXktZm9yLW9zY2FyLXByaXZhY3k="]
