"""Fixtures for the picker: a small world of clients written as real configuration files."""

from __future__ import annotations

import pytest
from uitesting import write_world


@pytest.fixture
def world(isolated):
    write_world(isolated)
    return isolated


@pytest.fixture(autouse=True)
def utc(time_zone):
    """Times on screen are local: the picker's tests see UTC unless a test chooses a zone."""
    time_zone("UTC")
