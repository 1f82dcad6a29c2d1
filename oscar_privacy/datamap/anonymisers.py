"""Named anonymisers: how one field is scrubbed when a row is anonymised.

Each anonymiser takes the model field and returns a value or a database
expression for ``QuerySet.update()``, so a whole batch of rows is anonymised
in one statement, without loading them. Register your own with
:func:`register`.
"""

from django.db import models
from django.db.models.functions import Cast, Concat, Substr

from ..exceptions import DataMapError

_anonymisers = {}


def register(name):
    """Decorator that registers ``function(field)`` under ``name``."""

    def decorator(function):
        _anonymisers[name] = function
        return function

    return decorator


def get(name):
    """Return the anonymiser called ``name``, or raise :class:`DataMapError`."""
    try:
        return _anonymisers[name]
    except KeyError:
        known = ", ".join(sorted(_anonymisers))
        raise DataMapError(f"Unknown anonymiser {name!r}; known anonymisers: {known}.") from None


def names():
    return sorted(_anonymisers)


@register("clear")
def clear(field):
    """NULL where the column allows it, else the empty value of its type."""
    if field.null:
        return None
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.BooleanField):
        return False
    return ""


@register("redact")
def redact(field):
    """A fixed marker, for free text that must not be empty."""
    return "[redacted]"


@register("username")
def username(field):
    """``anonymised-<pk>``: still unique, says nothing about the person."""
    return Concat(models.Value("anonymised-"), Cast("pk", models.CharField()))


@register("unusable_password")
def unusable_password(field):
    """A password hash no password matches (it starts with ``!``)."""
    return "!anonymised"


@register("postcode_prefix")
def postcode_prefix(field):
    """The first two characters: a French département, enough for statistics."""
    return Substr(field.attname, 1, 2)


@register("false")
def false(field):
    return False
