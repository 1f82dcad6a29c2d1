"""The data map: one description per model that holds personal data.

Every feature that touches personal data (the "my data" page, the export,
erasure, retention, the register of processing and the coverage check)
reads it from here, so a model is described once.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q

from ..exceptions import DataMapError
from . import anonymisers
from .vocabulary import Category, Erasure, Subject


@dataclass(frozen=True)
class Field:
    """A personal field of a mapped model.

    ``anonymiser`` names how :meth:`Entry.anonymise` scrubs the field
    (see :mod:`oscar_privacy.datamap.anonymisers`); ``None`` keeps the value,
    for data accounting needs (amounts, dates). ``export=False`` leaves it out
    of the person's data export (a password hash, for instance).
    """

    name: str
    category: str
    anonymiser: str | None = "clear"
    export: bool = True


@dataclass(frozen=True)
class Entry:
    """How one model holds personal data.

    ``user_path`` and ``email_path`` are ORM lookups from the model to the
    person's user and to an email address (for guests and subscribers);
    ``"pk"`` as ``user_path`` means the model is the user model. An entry with
    neither explains in ``lookup_note`` how its rows are reached.
    """

    model: str
    purposes: tuple
    fields: tuple
    retention: tuple
    erasure: str = Erasure.DELETE
    subjects: tuple = (Subject.CUSTOMERS,)
    user_path: str | None = None
    email_path: str | None = None
    lookup_note: str = ""
    description: str = ""
    not_personal: tuple = field(default=())

    def __post_init__(self):
        # A single purpose or rule may be given as a plain string.
        for name in ("purposes", "retention", "subjects"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, (value,))

    @property
    def label(self):
        return self.model_class._meta.label

    @property
    def model_class(self):
        return apps.get_model(self.model)

    @property
    def categories(self):
        return sorted({f.category for f in self.fields})

    @property
    def personal_fields(self):
        return {f.name: f for f in self.fields}

    def filter_for(self, user=None, email=None):
        """``Q`` matching this model's rows about a user and/or an email address."""
        query = Q(pk__in=[])
        if user is not None and self.user_path:
            query |= Q(**{self.user_path: user.pk if self.user_path == "pk" else user})
        if email and self.email_path:
            query |= Q(**{f"{self.email_path}__iexact": email})
        return query

    def queryset_for(self, user=None, email=None):
        """The rows of this model about a person, found by user or email."""
        return self.model_class._default_manager.filter(self.filter_for(user, email))

    def anonymisation_values(self):
        """``{column: value or expression}`` that anonymises a row."""
        model = self.model_class
        return {
            f.name: anonymisers.get(f.anonymiser)(model._meta.get_field(f.name))
            for f in self.fields
            if f.anonymiser
        }

    def anonymise(self, queryset):
        """Scrub the personal fields of every row in ``queryset`` in one UPDATE."""
        values = self.anonymisation_values()
        if not values:
            return 0  # nothing personal is left once the linked rows are anonymised
        return queryset.update(**values)

    def export_fields(self):
        return [f.name for f in self.fields if f.export]

    def validate(self):
        """Raise :class:`DataMapError` naming what is wrong with this entry."""
        try:
            model = apps.get_model(self.model)
        except (LookupError, ValueError) as exc:
            raise DataMapError(f"Data map entry {self.model!r}: no such model ({exc}).") from exc
        opts = model._meta
        if not self.purposes:
            raise DataMapError(f"Data map entry {self.model!r} names no purpose.")
        if not self.retention:
            raise DataMapError(f"Data map entry {self.model!r} names no retention rule.")
        if self.erasure not in Erasure.values:
            raise DataMapError(
                f"Data map entry {self.model!r}: erasure {self.erasure!r} is not one of "
                f"{', '.join(Erasure.values)}."
            )
        for subject in self.subjects:
            if subject not in Subject.values:
                raise DataMapError(f"Data map entry {self.model!r}: unknown subject {subject!r}.")
        for personal in self.fields:
            try:
                opts.get_field(personal.name)
            except FieldDoesNotExist as exc:
                raise DataMapError(
                    f"Data map entry {self.model!r}: {opts.label} has no field {personal.name!r}."
                ) from exc
            if personal.category not in Category.values:
                raise DataMapError(
                    f"Data map entry {self.model!r}: field {personal.name!r} has unknown "
                    f"category {personal.category!r}; use one of {', '.join(Category.values)}."
                )
            if personal.anonymiser:
                anonymisers.get(personal.anonymiser)
        for path in (self.user_path, self.email_path):
            if path and path != "pk":
                _check_lookup(model, path, self.model)
        if not (self.user_path or self.email_path or self.lookup_note):
            raise DataMapError(
                f"Data map entry {self.model!r} has no user_path or email_path: "
                "say in lookup_note how its rows are reached."
            )


def _check_lookup(model, path, entry_name):
    current = model
    for part in path.split("__"):
        try:
            model_field = current._meta.get_field(part)
        except FieldDoesNotExist as exc:
            raise DataMapError(
                f"Data map entry {entry_name!r}: lookup {path!r} fails at {part!r} "
                f"({current._meta.label} has no such field)."
            ) from exc
        if model_field.is_relation:
            current = model_field.related_model


class DataMap:
    """The registry. Use the module-level :data:`datamap` instance."""

    def __init__(self):
        self._entries = {}
        self._excluded = {}

    def register(self, entry, *, replace=False):
        """Add an entry; ``replace=True`` swaps a built-in one for the shop's."""
        entry.validate()
        key = apps.get_model(entry.model)._meta.label_lower
        if key in self._entries and not replace:
            raise DataMapError(
                f"{entry.model!r} is already in the data map; pass replace=True to replace it."
            )
        self._entries[key] = entry
        self._excluded.pop(key, None)
        return entry

    def unregister(self, model):
        self._entries.pop(_key(model), None)

    def exclude(self, model, reason):
        """Tell the coverage check that ``model`` holds no personal data, and why."""
        if not reason:
            raise DataMapError(f"Excluding {model!r} from the data map needs a reason.")
        self._excluded[_key(model)] = str(reason)

    def get(self, model):
        return self._entries.get(_key(model))

    def __iter__(self):
        return iter(sorted(self._entries.values(), key=lambda e: e.label))

    def __len__(self):
        return len(self._entries)

    def __contains__(self, model):
        return _key(model) in self._entries

    def excluded(self):
        """``{label_lower: reason}``: registered exclusions plus the setting's."""
        from ..conf import app_settings

        merged = dict(self._excluded)
        merged.update({k.lower(): v for k, v in app_settings.DATAMAP_EXCLUDE.items()})
        return merged

    def categories(self):
        return sorted({c for entry in self for c in entry.categories})

    def for_purpose(self, purpose_key):
        return [entry for entry in self if purpose_key in entry.purposes]


def _key(model):
    if isinstance(model, str):
        return apps.get_model(model)._meta.label_lower if "." in model else model.lower()
    return model._meta.label_lower


datamap = DataMap()
