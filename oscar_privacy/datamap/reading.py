"""Reading a person's rows through the data map, for the "My data" page and the export.

A row's values are read for one person: a link to the user model says
whether it is that person, never who another person is.
"""

import datetime
import decimal
import uuid

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _


def person_queryset(entry, user, fields):
    """The rows of ``entry`` about ``user``, with what displaying ``fields`` needs.

    Related objects come in the same query (``select_related``); many-to-many
    fields are prefetched.
    """
    model = entry.model_class
    user_model = get_user_model()
    related, many = [], []
    for personal in fields:
        model_field = model._meta.get_field(personal.name)
        if model_field.many_to_many:
            many.append(personal.name)
        elif model_field.is_relation and model_field.related_model is not user_model:
            related.append(personal.name)
    return entry.queryset_for(user=user).select_related(*related).prefetch_related(*many)


def display_value(obj, name, user):
    """A field's value for people: text for relations, choices and booleans."""
    model_field = obj._meta.get_field(name)
    user_model = get_user_model()
    if model_field.many_to_many:
        related = list(getattr(obj, name).all())
        if model_field.related_model is user_model:
            # The others linked to the same row are other people.
            return str(user) if any(o.pk == user.pk for o in related) else ""
        return ", ".join(str(o) for o in related)
    if model_field.is_relation:
        if model_field.related_model is user_model:
            linked = getattr(obj, model_field.attname)
            if linked is None:
                return ""
            return str(user) if linked == user.pk else _("another person")
        value = getattr(obj, name)
        return "" if value is None else str(value)
    if model_field.choices:
        return str(getattr(obj, f"get_{name}_display")())
    value = getattr(obj, name)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return "" if value is None else value


def json_value(obj, name, user):
    """A field's value for machines: JSON types, ISO 8601 dates, decimals as strings."""
    model_field = obj._meta.get_field(name)
    if model_field.is_relation or model_field.choices:
        return display_value(obj, name, user)
    value = getattr(obj, name)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)
