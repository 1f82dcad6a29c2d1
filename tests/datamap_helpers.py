"""Fixtures shared by the data map tests."""

import pytest

from oscar_privacy.datamap import datamap


@pytest.fixture
def clean_datamap():
    """Let a test change the global data map; put it back afterwards."""
    entries, excluded = dict(datamap._entries), dict(datamap._excluded)
    yield datamap
    datamap._entries, datamap._excluded = entries, excluded
