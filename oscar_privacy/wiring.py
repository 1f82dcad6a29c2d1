"""Composing oscar-privacy's mixins with Oscar's (or a shop's) views."""


def with_mixin(mixin, view_class):
    """``view_class`` with ``mixin`` in front, keeping its name; once only."""
    if issubclass(view_class, mixin):
        return view_class
    return type(view_class.__name__, (mixin, view_class), {"__module__": view_class.__module__})
