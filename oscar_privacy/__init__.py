"""oscar-privacy: make a django-oscar + Wagtail shop live up to its privacy policy."""

__version__ = "0.1.0.dev0"
