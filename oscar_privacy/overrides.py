"""Applying a setting's changes onto built-in defaults (purposes, retention rules)."""

from dataclasses import fields, replace


def apply_overrides(defaults, configured, *, setting, noun, required, error, removable=False):
    """``{key: item}``: the dataclass ``defaults`` changed by the ``configured`` dict.

    Each key of ``configured`` names an item; its value is a dict of
    attributes to change on a default item, or all ``required`` ones for a
    new item, or ``None`` to remove one when ``removable``. The first field
    of the dataclass is the key. Mistakes raise ``error`` naming ``setting``.
    """
    cls = type(defaults[0])
    key_field = fields(cls)[0].name
    names = {field.name for field in fields(cls)}
    items = {getattr(item, key_field): item for item in defaults}
    if not isinstance(configured, dict):
        raise error(f"{setting} must be a dict of {noun} name to {noun}.")
    for key, changes in configured.items():
        where = f"{setting}[{key!r}]"
        if changes is None and removable:
            items.pop(key, None)
            continue
        if not isinstance(changes, dict):
            allowed = "a dict or None" if removable else "a dict"
            raise error(f"{where} must be {allowed}, not {type(changes).__name__}.")
        unknown = set(changes) - names
        if unknown:
            raise error(f"{where} has unknown keys: {', '.join(sorted(unknown))}.")
        if key in items:
            items[key] = replace(items[key], **changes)
            continue
        missing = set(required) - set(changes)
        if missing:
            raise error(f"{where} is a new {noun} and needs {', '.join(sorted(missing))}.")
        items[key] = cls(**{**changes, key_field: key})
    return items
