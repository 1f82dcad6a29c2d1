"""Test settings: the sandbox's, with fast hashing and captured email.

The database comes from ``DATABASE_URL`` (default SQLite), so the same suite
runs on SQLite and PostgreSQL.
"""

from sandbox.settings import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# No search index on disk in tests: Oscar's catalogue still renders.
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"
LOGGING = {"version": 1, "disable_existing_loggers": False}
