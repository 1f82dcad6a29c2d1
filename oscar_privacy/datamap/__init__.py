"""Public API of the data map.

Shops describe their own models in their app's ``ready()``::

    from oscar_privacy.datamap import Category, Entry, Field, datamap

    datamap.register(Entry(
        model="loyalty.Card",
        purposes=("loyalty",),
        user_path="user",
        fields=(Field("number", Category.IDENTITY),),
        retention="customer_account",
        erasure="delete",
    ))
"""

from .purposes import Purpose, get_purposes
from .registry import DataMap, Entry, Field, datamap
from .vocabulary import Category, Erasure, LegalBasis, Subject

__all__ = [
    "Category",
    "DataMap",
    "Entry",
    "Erasure",
    "Field",
    "LegalBasis",
    "Purpose",
    "Subject",
    "datamap",
    "get_purposes",
]
