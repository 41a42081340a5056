"""Fixtures for the picker: a small world of clients written as real configuration files."""

from __future__ import annotations

import pytest
from uitesting import write_world


@pytest.fixture
def world(isolated):
    write_world(isolated)
    return isolated
